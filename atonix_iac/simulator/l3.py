"""Neutron routers (gateway, interfaces) and floating IPs (allocation, association)."""

from __future__ import annotations

from typing import Any

from . import ipam
from .common import public
from .errors import ApiError
from .netbase import NeutronBase
from .ports import ROUTER_GATEWAY, ROUTER_INTERFACE, Ports, first_ipv4
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router


class L3(NeutronBase):
    """``/routers`` and ``/floatingips``."""

    def __init__(self, ports: Ports) -> None:
        super().__init__(ports.backend)
        self.ports = ports

    def register(self, r: Router) -> None:
        r.add("GET", "/routers", self.list_routers)
        r.add("POST", "/routers", self.create_router)
        r.add("GET", "/routers/{id}", self.show_router)
        r.add("PUT", "/routers/{id}", self.update_router)
        r.add("DELETE", "/routers/{id}", self.delete_router)
        r.add("PUT", "/routers/{id}/add_router_interface", self.add_interface)
        r.add("PUT", "/routers/{id}/remove_router_interface", self.remove_interface)
        r.add("GET", "/floatingips", self.list_fips)
        r.add("POST", "/floatingips", self.create_fip)
        r.add("GET", "/floatingips/{id}", self.show_fip)
        r.add("PUT", "/floatingips/{id}", self.update_fip)
        r.add("DELETE", "/floatingips/{id}", self.delete_fip)

    # -- helpers ----------------------------------------------------------------------------

    def _external(self, req: Request, network_id: Any, what: str) -> Rec:
        network = self.get(req, "network", str(network_id))
        if not network.get("router:external"):
            raise ApiError(
                400,
                f"Bad {what} request: Network {network_id} is not a valid external network.",
                "BadRequest",
            )
        return network

    def _external_ip(self, network: Rec, owner_id: str, wanted: Rec | None = None) -> Rec:
        """Allocate an address on an external network (router gateway or floating IP)."""
        subnets = [self.store.get("subnet", s) for s in network["subnets"]]
        candidates = [s for s in subnets if s is not None and s["ip_version"] == 4]
        wanted = wanted or {}
        if wanted.get("subnet_id"):
            candidates = [s for s in candidates if s["id"] == wanted["subnet_id"]]
        address = wanted.get("ip_address")
        if address:
            candidates = [s for s in candidates if ipam.contains(s, str(address))]
        for subnet in candidates:
            ip = ipam.allocate(subnet, owner_id, str(address) if address else None)
            if ip is not None:
                return {"subnet_id": subnet["id"], "ip_address": ip}
        raise ApiError(
            409,
            f"No more IP addresses available on network {network['id']}.",
            "IpAddressGenerationFailure",
        )

    def _router_ports(self, router_id: str, owner: str = ROUTER_INTERFACE) -> list[Rec]:
        return [
            p
            for p in self.store.table("port").values()
            if p["device_id"] == router_id and p["device_owner"] == owner
        ]

    def _fips_via(self, router_id: str, subnet_id: str | None = None) -> list[Rec]:
        found = []
        for fip in self.store.table("floatingip").values():
            if fip.get("router_id") != router_id:
                continue
            port = self.store.get("port", fip.get("port_id") or "")
            if subnet_id is None or (
                port and any(f["subnet_id"] == subnet_id for f in port["fixed_ips"])
            ):
                found.append(fip)
        return found

    # -- routers ----------------------------------------------------------------------------

    def _set_gateway(self, req: Request, router: Rec, info: Any) -> None:
        current = router.get("external_gateway_info")
        if not info:
            if current and self._fips_via(router["id"]):
                raise ApiError(
                    409,
                    f"Gateway cannot be updated for router {router['id']}, since a gateway "
                    f"to external network {current['network_id']} is required by one or more "
                    "floating IPs.",
                    "RouterExternalGatewayInUseByFloatingIp",
                )
            for port in self._router_ports(router["id"], ROUTER_GATEWAY):
                self.ports.remove(port)
            router["external_gateway_info"] = None
            return
        if not isinstance(info, dict) or "network_id" not in info:
            raise ApiError(400, "Invalid input for external_gateway_info.")
        network = self._external(req, info["network_id"], "router")
        snat = bool(info.get("enable_snat", True))
        if current and current["network_id"] == network["id"]:
            current["enable_snat"] = snat
            return
        self._set_gateway(req, router, None)
        port = self.ports.new_port(
            req,
            "",
            network,
            {
                "device_owner": ROUTER_GATEWAY,
                "device_id": router["id"],
                "fixed_ips": info.get("external_fixed_ips") or None,
            },
        )
        port["status"] = "ACTIVE"
        router["external_gateway_info"] = {
            "network_id": network["id"],
            "enable_snat": snat,
            "external_fixed_ips": [dict(f) for f in port["fixed_ips"]],
        }

    def list_routers(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "router", self.store.table("router").values())

    def show_router(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "router", self.get(req, "router", params["id"]))

    def create_router(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("router")
        self.check_quota(req.auth.project_id, "router", "router")
        router = self.skeleton(req.auth.project_id, body)
        router.update(
            status="ACTIVE",
            admin_state_up=bool(body.get("admin_state_up", True)),
            external_gateway_info=None,
            routes=list(body.get("routes") or []),
            distributed=bool(body.get("distributed", False)),
            ha=bool(body.get("ha", False)),
            availability_zones=["nova"],
            availability_zone_hints=list(body.get("availability_zone_hints") or []),
            flavor_id=body.get("flavor_id"),
        )
        self._set_gateway(req, router, body.get("external_gateway_info"))
        self.store.put("router", router)
        return self.item_reply(req, "router", router, 201)

    def update_router(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        body = req.json_object("router")
        if "external_gateway_info" in body:
            self._set_gateway(req, router, body["external_gateway_info"])
        for key in ("name", "description", "admin_state_up", "routes"):
            if key in body:
                router[key] = body[key]
        self.touch(router)
        return self.item_reply(req, "router", router)

    def delete_router(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        if self._router_ports(router["id"]):
            raise ApiError(409, f"Router {router['id']} still has ports", "RouterInUse")
        self._set_gateway(req, router, None)
        self.store.delete("router", router["id"])
        return empty()

    def _interface_body(self, router: Rec, port: Rec) -> Rec:
        subnet_ids = [f["subnet_id"] for f in port["fixed_ips"]]
        return {
            "id": router["id"],
            "tenant_id": router["project_id"],
            "project_id": router["project_id"],
            "port_id": port["id"],
            "network_id": port["network_id"],
            "subnet_id": subnet_ids[0] if subnet_ids else None,
            "subnet_ids": subnet_ids,
        }

    def _interface_args(self, req: Request) -> Rec:
        body = req.json_object()
        if bool(body.get("subnet_id")) == bool(body.get("port_id")):
            raise ApiError(
                400,
                "Bad router request: Either subnet_id or port_id must be specified.",
                "BadRequest",
            )
        return body

    def add_interface(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        body = self._interface_args(req)
        attached = {
            f["subnet_id"] for p in self._router_ports(router["id"]) for f in p["fixed_ips"]
        }
        if body.get("subnet_id"):
            subnet = self.get(req, "subnet", str(body["subnet_id"]))
            if subnet["id"] in attached:
                raise ApiError(
                    400,
                    f"Bad router request: Router already has a port on subnet {subnet['id']}.",
                    "BadRequest",
                )
            if not subnet.get("gateway_ip"):
                raise ApiError(
                    400,
                    "Bad router request: Subnet for router interface must have a gateway IP.",
                    "BadRequest",
                )
            network = self.get(req, "network", subnet["network_id"])
            port = self.ports.new_port(
                req,
                router["project_id"],
                network,
                {
                    "device_owner": ROUTER_INTERFACE,
                    "device_id": router["id"],
                    "fixed_ips": [{"subnet_id": subnet["id"], "ip_address": subnet["gateway_ip"]}],
                },
            )
        else:
            port = self.owned(req, "port", str(body["port_id"]))
            if port["device_id"]:
                raise ApiError(
                    409,
                    f"Unable to complete operation on port {port['id']} for network "
                    f"{port['network_id']}. Port already has an attached device "
                    f"{port['device_id']}.",
                    "PortInUse",
                )
            if not port["fixed_ips"]:
                raise ApiError(
                    400,
                    "Bad router request: Router port must have at least one fixed IP.",
                    "BadRequest",
                )
            if {f["subnet_id"] for f in port["fixed_ips"]} & attached:
                raise ApiError(
                    400, "Bad router request: Router already has a port on subnet.", "BadRequest"
                )
            port.update(device_owner=ROUTER_INTERFACE, device_id=router["id"], security_groups=[])
        port["status"] = "ACTIVE"
        self.touch(router)
        return ok(self._interface_body(router, port))

    def remove_interface(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        body = self._interface_args(req)
        ports = self._router_ports(router["id"])
        if body.get("port_id"):
            matches = [p for p in ports if p["id"] == body["port_id"]]
            if not matches:
                raise ApiError(
                    404,
                    f"Router {router['id']} does not have an interface with id {body['port_id']}",
                    "RouterInterfaceNotFound",
                )
        else:
            matches = [
                p for p in ports if any(f["subnet_id"] == body["subnet_id"] for f in p["fixed_ips"])
            ]
            if not matches:
                raise ApiError(
                    404,
                    f"Router {router['id']} has no interface on subnet {body['subnet_id']}",
                    "RouterInterfaceNotFoundForSubnet",
                )
        port = matches[0]
        for item in port["fixed_ips"]:
            if self._fips_via(router["id"], item["subnet_id"]):
                raise ApiError(
                    409,
                    f"Router interface for subnet {item['subnet_id']} on router "
                    f"{router['id']} cannot be deleted, as it is required by one or more "
                    "floating IPs.",
                    "RouterInterfaceInUseByFloatingIP",
                )
        reply = self._interface_body(router, port)
        self.ports.remove(port)
        self.touch(router)
        return ok(reply)

    # -- floating IPs -----------------------------------------------------------------------

    def render_fip(self, rec: Rec) -> Rec:
        view = public(rec)
        port = self.store.get("port", rec["port_id"]) if rec.get("port_id") else None
        view["port_details"] = (
            {
                k: port[k]
                for k in (
                    "name",
                    "network_id",
                    "mac_address",
                    "admin_state_up",
                    "status",
                    "device_id",
                    "device_owner",
                )
            }
            if port
            else None
        )
        return view

    def render(self, rec: Rec) -> Rec:
        return self.render_fip(rec) if "floating_ip_address" in rec else public(rec)

    def _associate(self, req: Request, fip: Rec, port_id: Any, fixed_ip: Any) -> None:
        if not port_id:
            fip.update(port_id=None, fixed_ip_address=None, router_id=None, status="DOWN")
            return
        port = self.owned(req, "port", str(port_id))
        if fixed_ip:
            entry = next((f for f in port["fixed_ips"] if f["ip_address"] == fixed_ip), None)
            if entry is None:
                raise ApiError(
                    400,
                    f"Bad floatingip request: Port {port['id']} does not have fixed ip {fixed_ip}.",
                    "BadRequest",
                )
        else:
            address = first_ipv4(port)
            if address is None:
                raise ApiError(
                    400,
                    f"Bad floatingip request: Port {port['id']} does not have any IPv4 "
                    "address with a gateway to the external network.",
                    "BadRequest",
                )
            entry = next(f for f in port["fixed_ips"] if f["ip_address"] == address)
        router = self._router_for(fip["floating_network_id"], entry["subnet_id"])
        if router is None:
            raise ApiError(
                404,
                f"External network {fip['floating_network_id']} is not reachable from "
                f"subnet {entry['subnet_id']}.  Therefore, cannot associate Port {port['id']} "
                "with a Floating IP.",
                "ExternalGatewayForFloatingIPNotFound",
            )
        for other in self.store.table("floatingip").values():
            if (
                other["id"] != fip["id"]
                and other.get("port_id") == port["id"]
                and other.get("fixed_ip_address") == entry["ip_address"]
            ):
                raise ApiError(
                    409,
                    f"Cannot associate floating IP {fip['floating_ip_address']} "
                    f"({fip['id']}) with port {port['id']} using fixed IP {entry['ip_address']}, "
                    "as that fixed IP already has a floating IP on external network "
                    f"{fip['floating_network_id']}.",
                    "FloatingIPPortAlreadyAssociated",
                )
        fip.update(
            port_id=port["id"],
            fixed_ip_address=entry["ip_address"],
            router_id=router["id"],
            status="ACTIVE",
        )

    def _router_for(self, network_id: str, subnet_id: str) -> Rec | None:
        for router in self.store.table("router").values():
            gateway = router.get("external_gateway_info")
            if not gateway or gateway["network_id"] != network_id:
                continue
            for port in self._router_ports(router["id"]):
                if any(f["subnet_id"] == subnet_id for f in port["fixed_ips"]):
                    return router
        return None

    def list_fips(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(
            req, "floatingip", self.store.table("floatingip").values(), render=self.render_fip
        )

    def show_fip(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "floatingip", self.get(req, "floatingip", params["id"]))

    def create_fip(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("floatingip")
        if not body.get("floating_network_id"):
            raise ApiError(400, "Invalid input for floating_network_id.")
        network = self._external(req, body["floating_network_id"], "floatingip")
        project_id = req.auth.project_id
        self.check_quota(project_id, "floatingip", "floatingip")
        fip = self.skeleton(project_id, body)
        del fip["name"]
        allocation = self._external_ip(
            network,
            fip["id"],
            {"subnet_id": body.get("subnet_id"), "ip_address": body.get("floating_ip_address")},
        )
        fip.update(
            floating_ip_address=allocation["ip_address"],
            floating_network_id=network["id"],
            _subnet_id=allocation["subnet_id"],
            port_id=None,
            fixed_ip_address=None,
            router_id=None,
            status="DOWN",
            dns_domain="",
            dns_name="",
            qos_policy_id=None,
            port_forwardings=[],
        )
        try:
            self._associate(req, fip, body.get("port_id"), body.get("fixed_ip_address"))
        except ApiError:
            self._release_fip(fip)
            raise
        self.store.put("floatingip", fip)
        return self.item_reply(req, "floatingip", fip, 201)

    def update_fip(self, req: Request, params: dict[str, str]) -> Response:
        fip = self.owned(req, "floatingip", params["id"])
        body = req.json_object("floatingip")
        if "port_id" in body:
            self._associate(req, fip, body["port_id"], body.get("fixed_ip_address"))
        for key in ("description", "qos_policy_id"):
            if key in body:
                fip[key] = body[key]
        self.touch(fip)
        return self.item_reply(req, "floatingip", fip)

    def _release_fip(self, fip: Rec) -> None:
        subnet = self.store.get("subnet", fip["_subnet_id"])
        if subnet is not None:
            ipam.release(subnet, fip["floating_ip_address"])

    def delete_fip(self, req: Request, params: dict[str, str]) -> Response:
        fip = self.owned(req, "floatingip", params["id"])
        self._release_fip(fip)
        self.store.delete("floatingip", fip["id"])
        return empty()
