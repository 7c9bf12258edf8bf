"""Neutron v2.0: networks, subnets, tags, quotas, extensions; assembles the sub-routers."""

from __future__ import annotations

import ipaddress
from typing import Any

from . import ipam, quotas
from .backend import Backend
from .errors import ApiError
from .l3 import L3
from .netbase import COLLECTIONS, NeutronBase
from .netextras import PortForwardingsAndRoutes
from .netfwaas import FirewallAsAService
from .netl2gw import L2Gateways
from .netqos import NetworkPolicies
from .nettaas import TapAsAService
from .nettrunks import TrunksAndSegments
from .netvpn import VpnAndMetering
from .ports import Ports
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router
from .secgroups import SecurityGroups
from .subnetpools import SubnetPools

EXTENSIONS = (
    ("router", "Neutron L3 Router"),
    ("external-net", "Neutron external network"),
    ("extraroute", "Neutron Extra Route"),
    ("security-group", "security-group"),
    ("quotas", "Quota management support"),
    ("quota_details", "Quota details management support"),
    ("standard-attr-tag", "Tag support for resources with standard attribute"),
    ("standard-attr-revisions", "Resource revision numbers"),
    ("standard-attr-description", "standard-attr-description"),
    ("standard-attr-timestamp", "Resource timestamps"),
    ("port-security", "Port Security"),
    ("binding", "Port Binding"),
    ("allowed-address-pairs", "Allowed Address Pairs"),
    ("floatingip-port-details", "Floating IP Port Details Extension"),
    ("dns-integration", "DNS Integration"),
    ("net-mtu", "Network MTU"),
    ("availability_zone", "Availability Zone"),
    ("project-id", "project_id field enabled"),
    ("subnet_allocation", "Subnet Allocation"),
    ("vpnaas", "VPN service"),
    ("metering", "Neutron Metering"),
    ("floating-ip-port-forwarding", "Floating IP Port Forwarding"),
    ("extraroute-atomic", "Atomically add/remove extra routes"),
    ("taas", "Neutron Tap as a Service"),
    ("fwaas_v2", "Firewall service v2"),
    ("l2-gateway", "L2 Gateway"),
    ("l2-gateway-connection", "L2 Gateway Connection"),
)
_ADMIN_NET_KEYS = (
    "shared",
    "router:external",
    "provider:network_type",
    "provider:physical_network",
    "provider:segmentation_id",
)


class Networking(NeutronBase):
    """Owns the Neutron router and the network/subnet handlers."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(backend)
        self.secgroups = SecurityGroups(backend)
        self.ports = Ports(backend, self.secgroups)
        self.l3 = L3(self.ports)
        self.pools = SubnetPools(backend)
        self.policies = NetworkPolicies(backend)
        self.trunks = TrunksAndSegments(backend)
        self.vpn = VpnAndMetering(backend)
        self.forwardings = PortForwardingsAndRoutes(backend)
        self.taas = TapAsAService(backend)
        self.fwaas = FirewallAsAService(backend)
        self.l2gw = L2Gateways(backend)
        r = Router("The resource could not be found.")
        r.add("GET", "/", self.resources)
        r.add("GET", "/extensions", self.extensions)
        r.add("GET", "/networks", self.list_networks)
        r.add("POST", "/networks", self.create_network)
        r.add("GET", "/networks/{id}", self.show_network)
        r.add("PUT", "/networks/{id}", self.update_network)
        r.add("DELETE", "/networks/{id}", self.delete_network)
        r.add("GET", "/subnets", self.list_subnets)
        r.add("POST", "/subnets", self.create_subnet)
        r.add("GET", "/subnets/{id}", self.show_subnet)
        r.add("PUT", "/subnets/{id}", self.update_subnet)
        r.add("DELETE", "/subnets/{id}", self.delete_subnet)
        r.add("GET", "/quotas", self.list_quotas)
        r.add("GET", "/quotas/{project}", self.show_quota)
        r.add("GET", "/quotas/{project}/details", self.quota_details)
        r.add("GET", "/quotas/{project}/default", self.quota_defaults)
        r.add("PUT", "/quotas/{project}", self.update_quota)
        r.add("DELETE", "/quotas/{project}", self.reset_quota)
        for collection in COLLECTIONS:
            r.add("GET", f"/{collection}/{{id}}/tags", self.get_tags)
            r.add("PUT", f"/{collection}/{{id}}/tags", self.replace_tags)
            r.add("DELETE", f"/{collection}/{{id}}/tags", self.clear_tags)
            r.add("GET", f"/{collection}/{{id}}/tags/{{tag}}", self.has_tag)
            r.add("PUT", f"/{collection}/{{id}}/tags/{{tag}}", self.add_tag)
            r.add("DELETE", f"/{collection}/{{id}}/tags/{{tag}}", self.remove_tag)
        self.secgroups.register(r)
        self.ports.register(r)
        self.l3.register(r)
        self.pools.register(r)
        self.policies.register(r)
        self.trunks.register(r)
        self.vpn.register(r)
        self.forwardings.register(r)
        self.taas.register(r)
        self.fwaas.register(r)
        self.l2gw.register(r)
        self.router = r

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        link = [{"rel": "self", "href": f"{req.base_url}/networking/v2.0/"}]
        return ok({"versions": [{"id": "v2.0", "status": "CURRENT", "links": link}]})

    def resources(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            {
                "name": kind,
                "collection": coll,
                "links": [{"rel": "self", "href": f"{req.service_url}/{coll}"}],
            }
            for coll, kind in COLLECTIONS.items()
        ]
        return ok({"resources": items})

    def extensions(self, req: Request, params: dict[str, str]) -> Response:
        items = [
            {
                "alias": alias,
                "name": name,
                "description": name,
                "links": [],
                "updated": "2024-01-01T00:00:00-00:00",
            }
            for alias, name in EXTENSIONS
        ]
        return ok({"extensions": items})

    # -- networks ---------------------------------------------------------------------------

    def list_networks(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "network", self.store.table("network").values())

    def show_network(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "network", self.get(req, "network", params["id"]))

    def _policy(self, req: Request, body: Rec, action: str) -> None:
        if req.auth.is_admin:
            return
        for key in _ADMIN_NET_KEYS:
            if key in body and (key != "shared" or body[key]):
                raise ApiError(
                    403,
                    f"(rule:{action}_network and rule:{action}_network:{key}) is "
                    "disallowed by policy",
                    "PolicyNotAuthorized",
                )

    def create_network(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("network")
        self._policy(req, body, "create")
        project_id = req.auth.project_id
        self.check_quota(project_id, "network", "network")
        net = self.skeleton(project_id, body)
        external = bool(body.get("router:external", False))
        net.update(
            {
                "status": "ACTIVE",
                "admin_state_up": bool(body.get("admin_state_up", True)),
                "subnets": [],
                "shared": bool(body.get("shared", False)),
                "router:external": external,
                "mtu": int(body.get("mtu") or (1500 if external else 1450)),
                "port_security_enabled": bool(body.get("port_security_enabled", True)),
                "availability_zones": ["nova"],
                "availability_zone_hints": list(body.get("availability_zone_hints") or []),
                "ipv4_address_scope": None,
                "ipv6_address_scope": None,
                "is_default": False,
                "l2_adjacency": True,
                "dns_domain": str(body.get("dns_domain") or ""),
                "provider:network_type": body.get("provider:network_type")
                or ("flat" if external else "vxlan"),
                "provider:physical_network": body.get("provider:physical_network"),
                "provider:segmentation_id": body.get("provider:segmentation_id"),
            }
        )
        self.store.put("network", net)
        return self.item_reply(req, "network", net, 201)

    def update_network(self, req: Request, params: dict[str, str]) -> Response:
        net = self.owned(req, "network", params["id"])
        body = req.json_object("network")
        self._policy(req, body, "update")
        for key in (
            "name",
            "description",
            "admin_state_up",
            "port_security_enabled",
            "mtu",
            "dns_domain",
            *_ADMIN_NET_KEYS,
        ):
            if key in body:
                net[key] = body[key]
        self.touch(net)
        return self.item_reply(req, "network", net)

    def delete_network(self, req: Request, params: dict[str, str]) -> Response:
        net = self.owned(req, "network", params["id"])
        in_use = any(p["network_id"] == net["id"] for p in self.store.table("port").values())
        in_use = in_use or any(
            f["floating_network_id"] == net["id"] for f in self.store.table("floatingip").values()
        )
        if in_use:
            raise ApiError(
                409,
                f"Unable to complete operation on network {net['id']}. There are one or more "
                "ports still in use on the network.",
                "NetworkInUse",
            )
        for subnet_id in net["subnets"]:
            self.store.delete("subnet", subnet_id)
        self.store.delete("network", net["id"])
        return empty()

    # -- subnets ----------------------------------------------------------------------------

    def list_subnets(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "subnet", self.store.table("subnet").values())

    def show_subnet(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "subnet", self.get(req, "subnet", params["id"]))

    def create_subnet(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("subnet")
        if not body.get("network_id"):
            raise ApiError(
                400, "Failed to parse request. Required attribute 'network_id' not specified"
            )
        net = self.owned(req, "network", str(body["network_id"]))
        if "ip_version" not in body:
            raise ApiError(
                400, "Failed to parse request. Required attribute 'ip_version' not specified"
            )
        pool_id = body.get("subnetpool_id")
        if pool_id:
            body["cidr"] = self.pools.allocate(
                req, str(pool_id), body.get("prefixlen"), body.get("cidr")
            )
        if not body.get("cidr"):
            raise ApiError(
                400,
                "Bad subnets request: a subnetpool must be specified in the absence of a cidr.",
                "BadRequest",
            )
        cidr = ipam.parse_cidr(body["cidr"])
        if int(body["ip_version"]) != cidr.version:
            raise ApiError(
                400,
                f"Invalid input for operation: Specified IP version "
                f"{body['ip_version']} does not match the CIDR {cidr}.",
                "InvalidInput",
            )
        for other_id in net["subnets"]:
            other = self.store.get("subnet", other_id)
            if other and cidr.overlaps(ipaddress.ip_network(other["cidr"])):
                raise ApiError(
                    400,
                    f"Invalid input for operation: Requested subnet with cidr: {cidr} for "
                    f"network: {net['id']} overlaps with another subnet.",
                    "InvalidInput",
                )
        self.check_quota(net["project_id"], "subnet", "subnet")
        gateway = body["gateway_ip"] if "gateway_ip" in body else ipam.default_gateway(cidr)
        self._check_gateway(cidr, gateway)
        pools = (
            ipam.validate_pools(cidr, body["allocation_pools"])
            if body.get("allocation_pools")
            else ipam.default_pools(cidr, gateway)
        )
        subnet = self.skeleton(net["project_id"], body)
        subnet.update(
            {
                "network_id": net["id"],
                "cidr": str(cidr),
                "ip_version": cidr.version,
                "gateway_ip": gateway,
                "enable_dhcp": bool(body.get("enable_dhcp", True)),
                "allocation_pools": pools,
                "dns_nameservers": list(body.get("dns_nameservers") or []),
                "host_routes": list(body.get("host_routes") or []),
                "subnetpool_id": pool_id or None,
                "segment_id": None,
                "service_types": [],
                "ipv6_ra_mode": body.get("ipv6_ra_mode"),
                "ipv6_address_mode": body.get("ipv6_address_mode"),
                "dns_publish_fixed_ip": False,
                "_used": {},
            }
        )
        self.store.put("subnet", subnet)
        net["subnets"].append(subnet["id"])
        self.touch(net)
        return self.item_reply(req, "subnet", subnet, 201)

    @staticmethod
    def _check_gateway(cidr: ipam.IPNetwork, gateway: Any) -> None:
        if gateway is None:
            return
        try:
            ok_ip = ipaddress.ip_address(str(gateway)) in cidr
        except ValueError:
            ok_ip = False
        if not ok_ip:
            raise ApiError(
                400,
                f"Invalid input for operation: Gateway IP {gateway} conflicts with subnet {cidr}.",
                "InvalidInput",
            )

    def update_subnet(self, req: Request, params: dict[str, str]) -> Response:
        subnet = self.owned(req, "subnet", params["id"])
        body = req.json_object("subnet")
        for key in ("cidr", "ip_version", "network_id"):
            if key in body and body[key] != subnet[key]:
                raise ApiError(400, f"Cannot update read-only attribute {key}", "HTTPBadRequest")
        cidr = ipaddress.ip_network(subnet["cidr"])
        if "gateway_ip" in body:
            self._check_gateway(cidr, body["gateway_ip"])
        if "allocation_pools" in body:
            body["allocation_pools"] = ipam.validate_pools(cidr, body["allocation_pools"])
        for key in (
            "name",
            "description",
            "gateway_ip",
            "dns_nameservers",
            "host_routes",
            "enable_dhcp",
            "allocation_pools",
        ):
            if key in body:
                subnet[key] = body[key]
        self.touch(subnet)
        return self.item_reply(req, "subnet", subnet)

    def delete_subnet(self, req: Request, params: dict[str, str]) -> Response:
        subnet = self.owned(req, "subnet", params["id"])
        if subnet.get("_used"):
            raise ApiError(
                409,
                f"Unable to complete operation on subnet {subnet['id']}: One or more ports "
                "have an IP allocation from this subnet.",
                "SubnetInUse",
            )
        net = self.store.get("network", subnet["network_id"])
        if net is not None:
            net["subnets"] = [s for s in net["subnets"] if s != subnet["id"]]
            self.touch(net)
        self.store.delete("subnet", subnet["id"])
        return empty()

    # -- tags -------------------------------------------------------------------------------

    def _tagged(self, req: Request, params: dict[str, str]) -> Rec:
        kind = COLLECTIONS[req.segments[0]]
        return self.owned(req, kind, params["id"])

    def get_tags(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"tags": list(self._tagged(req, params)["tags"])})

    def replace_tags(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._tagged(req, params)
        tags = req.json_object().get("tags")
        if not isinstance(tags, list):
            raise ApiError(400, "Invalid input for tags.")
        rec["tags"] = list(dict.fromkeys(str(t) for t in tags))
        self.touch(rec)
        return ok({"tags": rec["tags"]})

    def clear_tags(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._tagged(req, params)
        rec["tags"] = []
        self.touch(rec)
        return empty()

    def has_tag(self, req: Request, params: dict[str, str]) -> Response:
        if params["tag"] not in self._tagged(req, params)["tags"]:
            raise ApiError(404, f"Tag {params['tag']} could not be found.", "TagNotFound")
        return empty()

    def add_tag(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._tagged(req, params)
        if params["tag"] not in rec["tags"]:
            rec["tags"].append(params["tag"])
            self.touch(rec)
        return empty(201)

    def remove_tag(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._tagged(req, params)
        if params["tag"] not in rec["tags"]:
            raise ApiError(404, f"Tag {params['tag']} could not be found.", "TagNotFound")
        rec["tags"].remove(params["tag"])
        self.touch(rec)
        return empty()

    # -- quotas -----------------------------------------------------------------------------

    _USAGE = {
        "network": "network",
        "subnet": "subnet",
        "port": "port",
        "router": "router",
        "floatingip": "floatingip",
        "security_group": "security_group",
        "security_group_rule": "security_group_rule",
    }

    def _quota_project(self, req: Request, project_id: str, admin_only: bool = False) -> str:
        if (admin_only or project_id != req.auth.project_id) and not req.auth.is_admin:
            raise ApiError(
                403,
                "Non-admin is not authorised to access quotas for another tenant"
                if not admin_only
                else "rule:update_quota is disallowed by policy",
                "HTTPForbidden",
            )
        return project_id

    def list_quotas(self, req: Request, params: dict[str, str]) -> Response:
        self._quota_project(req, "", admin_only=True)
        items = []
        for project_id in self.store.table("project"):
            if self.store.quota_overrides(project_id, "network"):
                items.append(
                    dict(
                        self.backend.quota(project_id, "network"),
                        project_id=project_id,
                        tenant_id=project_id,
                    )
                )
        return ok({"quotas": items})

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"])
        return ok({"quota": self.backend.quota(project_id, "network")})

    def quota_defaults(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"quota": quotas.defaults(self.backend.engine.config, "network")})

    def quota_details(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"])
        if project_id == req.auth.project_id or self.store.get("project", project_id):
            self.secgroups.ensure_default(project_id)
        limits = self.backend.quota(project_id, "network")
        details = {
            key: {
                "limit": limit,
                "used": self.count(self._USAGE[key], project_id) if key in self._USAGE else 0,
                "reserved": 0,
            }
            for key, limit in limits.items()
        }
        return ok({"quota": details})

    def update_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], admin_only=True)
        body = req.json_object("quota")
        unknown = [k for k in body if k not in quotas.DEFAULTS["network"]]
        if unknown:
            raise ApiError(400, f"Unrecognized attribute(s) '{', '.join(unknown)}'")
        quotas.set_limits(self.store, project_id, "network", body)
        return ok({"quota": self.backend.quota(project_id, "network")})

    def reset_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], admin_only=True)
        quotas.reset(self.store, project_id, "network")
        return empty()
