"""Neutron ports: IP allocation, security groups, and binding to Nova servers."""

from __future__ import annotations

import ipaddress
from typing import Any

from . import ipam
from .backend import Backend
from .common import mac_address, public
from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty
from .routing import Router
from .secgroups import SecurityGroups

COMPUTE_OWNER = "compute:nova"
ROUTER_INTERFACE = "network:router_interface"
ROUTER_GATEWAY = "network:router_gateway"
HOST = "sim-compute-1"
_UPDATABLE = (
    "name",
    "description",
    "admin_state_up",
    "allowed_address_pairs",
    "device_id",
    "device_owner",
    "binding:host_id",
    "binding:profile",
    "binding:vnic_type",
    "extra_dhcp_opts",
    "qos_policy_id",
    "dns_name",
    "propagate_uplink_status",
)


class Ports(NeutronBase):
    """``/ports`` plus the internal operations Nova and the L3 code use."""

    def __init__(self, backend: Backend, secgroups: SecurityGroups) -> None:
        super().__init__(backend)
        self.secgroups = secgroups

    def register(self, r: Router) -> None:
        r.add("GET", "/ports", self.list_ports)
        r.add("POST", "/ports", self.create_port)
        r.add("GET", "/ports/{id}", self.show_port)
        r.add("PUT", "/ports/{id}", self.update_port)
        r.add("DELETE", "/ports/{id}", self.delete_port)

    # -- internal API -----------------------------------------------------------------------

    def new_port(self, req: Request, project_id: str, network: Rec, body: Rec) -> Rec:
        """Create a port record (quota, IPs, security groups) on a visible network."""
        owner = str(body.get("device_owner") or "")
        if project_id:
            self.check_quota(project_id, "port", "port")
        port = self.skeleton(project_id, body, post_tags_dropped=True)
        port_security = body.get("port_security_enabled", network.get("port_security_enabled"))
        port.update(
            {
                "network_id": network["id"],
                "mac_address": str(body.get("mac_address") or mac_address()),
                "fixed_ips": [],
                "device_id": str(body.get("device_id") or ""),
                "device_owner": owner,
                "status": "DOWN",
                "admin_state_up": bool(body.get("admin_state_up", True)),
                "security_groups": [],
                "allowed_address_pairs": list(body.get("allowed_address_pairs") or []),
                "extra_dhcp_opts": list(body.get("extra_dhcp_opts") or []),
                "port_security_enabled": bool(port_security),
                "binding:vnic_type": str(body.get("binding:vnic_type") or "normal"),
                "binding:host_id": str(body.get("binding:host_id") or ""),
                "binding:vif_type": "unbound",
                "binding:vif_details": {},
                "binding:profile": dict(body.get("binding:profile") or {}),
                "dns_name": str(body.get("dns_name") or ""),
                "dns_assignment": [],
                "qos_policy_id": body.get("qos_policy_id"),
                "propagate_uplink_status": False,
                "ip_allocation": "immediate",
            }
        )
        groups = body.get("security_groups")
        if groups is None and port_security and not owner.startswith("network:") and project_id:
            groups = [self.secgroups.ensure_default(project_id)]
        port["security_groups"] = self._check_groups(req, groups or [], bool(port_security))
        port["fixed_ips"] = self._allocate(network, port["id"], body.get("fixed_ips"))
        return self.store.put("port", port)

    def _check_groups(self, req: Request, groups: Any, port_security: bool) -> list[str]:
        if not isinstance(groups, list):
            raise ApiError(400, "Invalid input for security_groups.")
        if groups and not port_security:
            raise ApiError(
                400,
                "Port has security group associated. Cannot disable port security or ip "
                "address until security group is removed",
                "PortSecurityAndIPRequiredForSecurityGroups",
            )
        for group_id in groups:
            self.get(req, "security_group", str(group_id))
        return [str(g) for g in groups]

    def _subnets_of(self, network: Rec) -> list[Rec]:
        subnets = self.store.table("subnet")
        return [subnets[s] for s in network["subnets"] if s in subnets]

    def _allocate(self, network: Rec, port_id: str, wanted: Any) -> list[Rec]:
        subnets = self._subnets_of(network)
        fixed: list[Rec] = []
        try:
            if wanted is None:
                for version in (4, 6):
                    candidates = [s for s in subnets if s["ip_version"] == version]
                    for subnet in candidates:
                        ip = ipam.allocate(subnet, port_id)
                        if ip is not None:
                            fixed.append({"subnet_id": subnet["id"], "ip_address": ip})
                            break
                    else:
                        if candidates:
                            raise ApiError(
                                409,
                                f"No more IP addresses available on network {network['id']}.",
                                "IpAddressGenerationFailure",
                            )
                return fixed
            if not isinstance(wanted, list):
                raise ApiError(400, "Invalid input for fixed_ips.")
            for item in wanted:
                subnet = self._subnet_for(network, subnets, item)
                ip = ipam.allocate(subnet, port_id, item.get("ip_address"))
                if ip is None:
                    raise ApiError(
                        409,
                        f"No more IP addresses available on network {network['id']}.",
                        "IpAddressGenerationFailure",
                    )
                fixed.append({"subnet_id": subnet["id"], "ip_address": ip})
            return fixed
        except ApiError:
            self.release_ips(fixed)
            raise

    def _subnet_for(self, network: Rec, subnets: list[Rec], item: Any) -> Rec:
        if not isinstance(item, dict):
            raise ApiError(400, "Invalid input for fixed_ips.")
        if item.get("subnet_id"):
            for subnet in subnets:
                if subnet["id"] == item["subnet_id"]:
                    return subnet
            raise ApiError(
                400,
                f"Invalid input for operation: Failed to create port on network "
                f"{network['id']}, because fixed_ips included invalid subnet {item['subnet_id']}.",
                "InvalidInput",
            )
        ip = item.get("ip_address")
        for subnet in subnets:
            if ip and ipam.contains(subnet, str(ip)):
                return subnet
        raise ApiError(
            400,
            f"Invalid input for operation: IP address {ip} is not a valid IP for any of "
            f"the subnets on the specified network {network['id']}.",
            "InvalidInput",
        )

    def release_ips(self, fixed_ips: list[Rec]) -> None:
        for item in fixed_ips:
            subnet = self.store.get("subnet", item["subnet_id"])
            if subnet is not None:
                ipam.release(subnet, item["ip_address"])

    def remove(self, port: Rec) -> None:
        """Delete a port: free its IPs and disassociate floating IPs pointing at it."""
        self.release_ips(port["fixed_ips"])
        for fip in self.store.table("floatingip").values():
            if fip.get("port_id") == port["id"]:
                fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
                self.touch(fip)
        self.store.delete("port", port["id"])

    def bind(self, port: Rec, server_id: str) -> None:
        port.update(
            {
                "device_id": server_id,
                "device_owner": COMPUTE_OWNER,
                "binding:host_id": HOST,
                "binding:vif_type": "ovs",
                "binding:vif_details": {"port_filter": True, "connectivity": "l2"},
                "status": "ACTIVE",
            }
        )
        self.touch(port)

    def unbind(self, port: Rec) -> None:
        port.update(
            {
                "device_id": "",
                "device_owner": "",
                "binding:host_id": "",
                "binding:vif_type": "unbound",
                "binding:vif_details": {},
                "status": "DOWN",
            }
        )
        self.touch(port)

    def fip_index(self) -> dict[str, list[Rec]]:
        index: dict[str, list[Rec]] = {}
        for fip in self.store.table("floatingip").values():
            if fip.get("port_id"):
                index.setdefault(fip["port_id"], []).append(fip)
        return index

    # -- rendering --------------------------------------------------------------------------

    def render(self, rec: Rec) -> Rec:
        view = public(rec)
        view["dns_assignment"] = [
            {"ip_address": f["ip_address"], "hostname": f"host-{f['ip_address']}", "fqdn": ""}
            for f in rec["fixed_ips"]
        ]
        return view

    @staticmethod
    def _fixed_ips_filter(rec: Rec, values: list[str]) -> bool:
        for value in values:
            key, _, wanted = value.partition("=")
            if not any(str(f.get(key)) == wanted for f in rec["fixed_ips"]):
                return False
        return True

    # -- handlers ---------------------------------------------------------------------------

    def list_ports(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(
            req,
            "port",
            self.store.table("port").values(),
            special={"fixed_ips": self._fixed_ips_filter},
        )

    def show_port(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "port", self.get(req, "port", params["id"]))

    def create_port(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("port")
        if not body.get("network_id"):
            raise ApiError(400, "Invalid input for operation: network_id is required.")
        network = self.get(req, "network", str(body["network_id"]))
        port = self.new_port(req, req.auth.project_id, network, body)
        return self.item_reply(req, "port", port, 201)

    def update_port(self, req: Request, params: dict[str, str]) -> Response:
        port = self.owned(req, "port", params["id"])
        body = req.json_object("port")
        for key in _UPDATABLE:
            if key in body:
                port[key] = body[key]
        security = bool(body.get("port_security_enabled", port["port_security_enabled"]))
        if "security_groups" in body:
            port["security_groups"] = self._check_groups(req, body["security_groups"], security)
        elif not security and port["security_groups"]:
            self._check_groups(req, port["security_groups"], security)
        port["port_security_enabled"] = security
        if "fixed_ips" in body:
            network = self.get(req, "network", port["network_id"])
            old = port["fixed_ips"]
            self.release_ips(old)
            try:
                port["fixed_ips"] = self._allocate(network, port["id"], body["fixed_ips"])
            except ApiError:
                for item in old:
                    subnet = self.store.get("subnet", item["subnet_id"])
                    if subnet is not None:
                        ipam.allocate(subnet, port["id"], item["ip_address"])
                raise
        self.touch(port)
        return self.item_reply(req, "port", port)

    def delete_port(self, req: Request, params: dict[str, str]) -> Response:
        port = self.owned(req, "port", params["id"])
        if port["device_owner"] in (ROUTER_INTERFACE, ROUTER_GATEWAY):
            raise ApiError(
                409,
                f"Port {port['id']} cannot be deleted directly via the port API: has device "
                f"owner {port['device_owner']}.",
                "L3PortInUse",
            )
        self.remove(port)
        return empty()


def first_ipv4(port: Rec) -> str | None:
    for item in port["fixed_ips"]:
        if ipaddress.ip_address(item["ip_address"]).version == 4:
            return str(item["ip_address"])
    return None
