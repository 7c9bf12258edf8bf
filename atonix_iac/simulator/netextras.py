"""Floating IP port forwardings and a router's extra routes added and removed piecemeal.

A port forwarding lives under its floating IP (``/floatingips/{id}/port_forwardings``): the
floating IP must not be associated with a port, the internal address must be one of the
internal port's, and one floating IP forwards a given external port and protocol once (400,
as Neutron answers a duplicate). ``PUT /routers/{id}/add_extraroutes`` and
``remove_extraroutes`` (the extraroute-atomic extension) merge into and remove from the
router's ``routes``; a next hop must be in a subnet the router is attached to.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

PF_FIELDS = (
    "internal_port_id",
    "internal_ip_address",
    "internal_port",
    "external_port",
    "protocol",
    "description",
)
PROTOCOLS = ("tcp", "udp", "udp-lite", "sctp", "dccp")


class PortForwardingsAndRoutes(NeutronBase):
    def register(self, r: Router) -> None:
        base = "/floatingips/{fip}/port_forwardings"
        r.add("GET", base, self.list_forwardings)
        r.add("POST", base, self.create_forwarding)
        r.add("GET", f"{base}/{{id}}", self.show_forwarding)
        r.add("PUT", f"{base}/{{id}}", self.update_forwarding)
        r.add("DELETE", f"{base}/{{id}}", self.delete_forwarding)
        r.add("PUT", "/routers/{id}/add_extraroutes", self.add_routes)
        r.add("PUT", "/routers/{id}/remove_extraroutes", self.remove_routes)

    # -- port forwardings -------------------------------------------------------------------

    def _forwarding(self, req: Request, params: dict[str, str]) -> tuple[Rec, Rec]:
        fip = self.get(req, "floatingip", params["fip"])
        rec = self.store.get("port_forwarding", params["id"])
        if rec is None or rec["_floatingip"] != fip["id"]:
            raise ApiError(
                404,
                f"Port Forwarding {params['id']} could not be found on Floating IP {fip['id']}.",
                "PortForwardingNotFound",
            )
        return fip, rec

    def _validate(self, req: Request, fip: Rec, rec: Rec) -> None:
        for key in ("internal_port_id", "internal_ip_address", "internal_port", "external_port"):
            if rec.get(key) in (None, ""):
                raise ApiError(400, f"Invalid input: '{key}' is a required property")
        for key in ("internal_port", "external_port"):
            if not isinstance(rec[key], int) or not 1 <= rec[key] <= 65535:
                raise ApiError(400, f"Invalid input for {key}: {rec[key]!r} is not a port.")
        if rec.get("protocol") not in PROTOCOLS:
            raise ApiError(400, f"Invalid input for protocol: {rec.get('protocol')!r}.")
        port = self.owned(req, "port", str(rec["internal_port_id"]))
        addresses = {ip.get("ip_address") for ip in port.get("fixed_ips", [])}
        if rec["internal_ip_address"] not in addresses:
            raise ApiError(
                400,
                f"Bad port_forwarding request: The internal IP {rec['internal_ip_address']} "
                f"does not belong to port {port['id']}.",
                "BadRequest",
            )
        for other in self.store.table("port_forwarding").values():
            if (
                other["id"] != rec["id"]
                and other["_floatingip"] == fip["id"]
                and (other["external_port"], other["protocol"])
                == (rec["external_port"], rec["protocol"])
            ):
                raise ApiError(
                    400,
                    "A duplicate port forwarding entry with same attributes already exists, "
                    f"conflicting values are {{'floatingip_id': '{fip['id']}', "
                    f"'external_port': {rec['external_port']}, "
                    f"'protocol': '{rec['protocol']}'}}",
                    "BadRequest",
                )

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if not k.startswith("_")}

    def list_forwardings(self, req: Request, params: dict[str, str]) -> Response:
        fip = self.get(req, "floatingip", params["fip"])
        wanted = {k: v for k, v in req.query.items() if k in PF_FIELDS}
        items = [
            self._view(r)
            for r in self.store.table("port_forwarding").values()
            if r["_floatingip"] == fip["id"]
            and all(str(r.get(k)) in values for k, values in wanted.items())
        ]
        return ok({"port_forwardings": items})

    def show_forwarding(self, req: Request, params: dict[str, str]) -> Response:
        _fip, rec = self._forwarding(req, params)
        return ok({"port_forwarding": self._view(rec)})

    def create_forwarding(self, req: Request, params: dict[str, str]) -> Response:
        fip = self.owned(req, "floatingip", params["fip"])
        body = req.json_object("port_forwarding")
        if fip.get("port_id"):
            raise ApiError(
                409,
                f"Floating IP {fip['id']} is associated with port {fip['port_id']}: it "
                "cannot also forward ports.",
                "FipInUseByPortForwarding",
            )
        rec: Rec = {"id": self.skeleton(req.auth.project_id, {})["id"], "_floatingip": fip["id"]}
        rec.update({k: body.get(k) for k in PF_FIELDS})
        rec["description"] = str(body.get("description") or "")
        self._validate(req, fip, rec)
        self.store.put("port_forwarding", rec)
        return ok({"port_forwarding": self._view(rec)}, 201)

    def update_forwarding(self, req: Request, params: dict[str, str]) -> Response:
        fip, rec = self._forwarding(req, params)
        self.owned(req, "floatingip", fip["id"])
        body = req.json_object("port_forwarding")
        changed = {**rec, **{k: v for k, v in body.items() if k in PF_FIELDS}}
        self._validate(req, fip, changed)
        rec.update(changed)
        self.store.changed()
        return ok({"port_forwarding": self._view(rec)})

    def delete_forwarding(self, req: Request, params: dict[str, str]) -> Response:
        fip, rec = self._forwarding(req, params)
        self.owned(req, "floatingip", fip["id"])
        self.store.delete("port_forwarding", rec["id"])
        return empty(204)

    # -- extra routes -----------------------------------------------------------------------

    @staticmethod
    def _routes(body: Rec) -> list[dict[str, Any]]:
        router = body.get("router")
        routes = router.get("routes") if isinstance(router, dict) else None
        if not isinstance(routes, list) or not all(
            isinstance(r, dict) and {"destination", "nexthop"} <= set(r) for r in routes
        ):
            raise ApiError(400, "Invalid input for routes: each needs destination and nexthop.")
        return [{"destination": r["destination"], "nexthop": r["nexthop"]} for r in routes]

    def _attached_cidrs(self, router_id: str) -> list[Any]:
        cidrs = []
        for port in self.store.table("port").values():
            if port.get("device_id") != router_id:
                continue
            for ip in port.get("fixed_ips", []):
                subnet = self.store.get("subnet", ip.get("subnet_id") or "")
                if subnet is not None:
                    cidrs.append(ipaddress.ip_network(subnet["cidr"]))
        return cidrs

    def add_routes(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        routes = self._routes(req.json_object())
        cidrs = self._attached_cidrs(router["id"])
        for route in routes:
            try:
                hop = ipaddress.ip_address(route["nexthop"])
                ipaddress.ip_network(route["destination"])
            except ValueError as exc:
                raise ApiError(400, f"Invalid input for routes: {exc}.") from exc
            if not any(hop in cidr for cidr in cidrs):
                raise ApiError(
                    400,
                    f"Invalid format for routes: {route}, the nexthop is not connected with router",
                    "InvalidRoutes",
                )
        current = list(router.get("routes") or [])
        router["routes"] = current + [r for r in routes if r not in current]
        self.touch(router)
        return ok({"router": self.render(router)})

    def remove_routes(self, req: Request, params: dict[str, str]) -> Response:
        router = self.owned(req, "router", params["id"])
        gone = self._routes(req.json_object())
        router["routes"] = [r for r in router.get("routes") or [] if r not in gone]
        self.touch(router)
        return ok({"router": self.render(router)})
