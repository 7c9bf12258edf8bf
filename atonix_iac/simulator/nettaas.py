"""Neutron Tap-as-a-Service: tap services (a port receiving mirrored traffic) and tap flows
(a source port mirrored into a tap service).

A port hosts at most one tap service (409 ``PortInUse``, as the TaaS plugin answers); a flow's
direction is IN, OUT or BOTH and its ``vlan_filter`` a list of VLAN ids and ranges. Deleting a
tap service deletes its flows. Neither object carries tags.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Request, Response, empty
from .routing import Router

Handler = Callable[[Request, dict[str, str]], Response]

DIRECTIONS = ("IN", "OUT", "BOTH")
_VLAN_FILTER = re.compile(r"^\d{1,4}(-\d{1,4})?(,\d{1,4}(-\d{1,4})?)*$")


class TapAsAService(NeutronBase):
    def register(self, r: Router) -> None:
        for kind, url in (("tap_service", "/taas/tap_services"), ("tap_flow", "/taas/tap_flows")):
            r.add("GET", url, self._lister(kind))
            r.add("GET", f"{url}/{{id}}", self._shower(kind))
            r.add("PUT", f"{url}/{{id}}", self._updater(kind))
        r.add("POST", "/taas/tap_services", self.create_service)
        r.add("DELETE", "/taas/tap_services/{id}", self.delete_service)
        r.add("POST", "/taas/tap_flows", self.create_flow)
        r.add("DELETE", "/taas/tap_flows/{id}", self.delete_flow)

    def _lister(self, kind: str) -> Handler:
        return lambda req, params: self.list_reply(req, kind, self.store.table(kind).values())

    def _shower(self, kind: str) -> Handler:
        return lambda req, params: self.item_reply(req, kind, self.get(req, kind, params["id"]))

    def _updater(self, kind: str) -> Handler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            rec = self.owned(req, kind, params["id"])
            body = req.json_object(kind)
            refused = sorted(k for k in body if k not in ("name", "description"))
            if refused:
                raise ApiError(400, f"Cannot update read-only attribute {refused[0]}")
            rec.update(body)
            self.touch(rec)
            return self.item_reply(req, kind, rec)

        return handler

    def create_service(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("tap_service")
        port = self.owned(req, "port", str(body.get("port_id")))
        if any(s["port_id"] == port["id"] for s in self.store.table("tap_service").values()):
            raise ApiError(409, f"Port {port['id']} is already used by a tap service.", "PortInUse")
        rec = self.skeleton(req.auth.project_id, body)
        rec.update(port_id=port["id"], status="ACTIVE")
        self.store.put("tap_service", rec)
        return self.item_reply(req, "tap_service", rec, 201)

    def delete_service(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.owned(req, "tap_service", params["id"])
        for flow in list(self.store.table("tap_flow").values()):
            if flow["tap_service_id"] == rec["id"]:
                self.store.delete("tap_flow", flow["id"])
        self.store.delete("tap_service", rec["id"])
        return empty(204)

    def create_flow(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("tap_flow")
        service = self.owned(req, "tap_service", str(body.get("tap_service_id")))
        port = self.owned(req, "port", str(body.get("source_port")))
        direction = body.get("direction")
        if direction not in DIRECTIONS:
            raise ApiError(400, f"Invalid input for direction: {direction!r}.")
        vlans = body.get("vlan_filter")
        if vlans is not None and not _VLAN_FILTER.match(str(vlans)):
            raise ApiError(400, f"Invalid input for vlan_filter: {vlans!r}.")
        rec = self.skeleton(req.auth.project_id, body)
        rec.update(
            tap_service_id=service["id"],
            source_port=port["id"],
            direction=direction,
            vlan_filter=vlans,
            status="ACTIVE",
        )
        self.store.put("tap_flow", rec)
        return self.item_reply(req, "tap_flow", rec, 201)

    def delete_flow(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.owned(req, "tap_flow", params["id"])
        self.store.delete("tap_flow", rec["id"])
        return empty(204)
