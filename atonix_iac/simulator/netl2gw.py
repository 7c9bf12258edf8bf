"""networking-l2gw: L2 gateways (devices with interfaces) and their connections to networks.

A gateway needs at least one device, each with a name and interfaces; a gateway with a
connection cannot be deleted (409 ``L2GatewayInUse``), and a network is connected to a gateway
once (409 ``L2GatewayConnectionExists``). Neither object carries tags.
"""

from __future__ import annotations

from collections.abc import Callable

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

Handler = Callable[[Request, dict[str, str]], Response]


class L2Gateways(NeutronBase):
    def register(self, r: Router) -> None:
        r.add("GET", "/l2-gateways", self._lister("l2_gateway", "l2_gateways"))
        r.add("POST", "/l2-gateways", self.create_gateway)
        r.add("GET", "/l2-gateways/{id}", self._shower("l2_gateway"))
        r.add("PUT", "/l2-gateways/{id}", self.update_gateway)
        r.add("DELETE", "/l2-gateways/{id}", self.delete_gateway)
        conns = "/l2-gateway-connections"
        r.add("GET", conns, self._lister("l2_gateway_connection", "l2_gateway_connections"))
        r.add("POST", conns, self.create_connection)
        r.add("GET", f"{conns}/{{id}}", self._shower("l2_gateway_connection"))
        r.add("DELETE", f"{conns}/{{id}}", self.delete_connection)

    def _find(self, req: Request, kind: str, rid: str) -> Rec:
        rec = self.store.get(kind, rid)
        if rec is None or rec["project_id"] != req.auth.project_id:
            what = "L2 Gateway" if kind == "l2_gateway" else "L2 Gateway Connection"
            raise ApiError(404, f"{what} {rid} could not be found", f"{kind.title()}NotFound")
        return rec

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: v for k, v in rec.items() if not k.startswith("_")}

    def _lister(self, kind: str, plural: str) -> Handler:
        def handler(req: Request, params: dict[str, str]) -> Response:
            wanted = {k: v for k, v in req.query.items() if k in ("name", "l2_gateway_id")}
            items = [
                self._view(r)
                for r in self.store.table(kind).values()
                if r["project_id"] == req.auth.project_id
                and all(str(r.get(k)) in v for k, v in wanted.items())
            ]
            return ok({plural: items})

        return handler

    def _shower(self, kind: str) -> Handler:
        return lambda req, params: ok({kind: self._view(self._find(req, kind, params["id"]))})

    @staticmethod
    def _devices(devices: object) -> list[Rec]:
        if not isinstance(devices, list) or not devices:
            raise ApiError(400, "Invalid input for devices: at least one device is needed.")
        out = []
        for device in devices:
            if not isinstance(device, dict) or not device.get("device_name"):
                raise ApiError(400, "Invalid input for devices: each needs a device_name.")
            interfaces = device.get("interfaces")
            if not isinstance(interfaces, list) or not interfaces:
                raise ApiError(400, "Invalid input for devices: each needs interfaces.")
            out.append({"device_name": device["device_name"], "interfaces": interfaces})
        return out

    def create_gateway(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("l2_gateway")
        rec = {
            "id": self.skeleton(req.auth.project_id, {})["id"],
            "name": str(body.get("name") or ""),
            "devices": self._devices(body.get("devices")),
            "project_id": req.auth.project_id,
            "tenant_id": req.auth.project_id,
        }
        self.store.put("l2_gateway", rec)
        return ok({"l2_gateway": self._view(rec)}, 201)

    def update_gateway(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "l2_gateway", params["id"])
        body = req.json_object("l2_gateway")
        if "name" in body:
            rec["name"] = str(body["name"])
        if "devices" in body:
            rec["devices"] = self._devices(body["devices"])
        self.store.changed()
        return ok({"l2_gateway": self._view(rec)})

    def delete_gateway(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "l2_gateway", params["id"])
        conns = self.store.table("l2_gateway_connection").values()
        if any(c["l2_gateway_id"] == rec["id"] for c in conns):
            raise ApiError(409, f"L2 Gateway {rec['id']} is in use.", "L2GatewayInUse")
        self.store.delete("l2_gateway", rec["id"])
        return empty(204)

    def create_connection(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("l2_gateway_connection")
        gateway = self._find(req, "l2_gateway", str(body.get("l2_gateway_id")))
        network = self.get(req, "network", str(body.get("network_id")))
        for other in self.store.table("l2_gateway_connection").values():
            if (other["l2_gateway_id"], other["network_id"]) == (gateway["id"], network["id"]):
                raise ApiError(
                    409,
                    f"The L2 Gateway Connection to network {network['id']} already exists.",
                    "L2GatewayConnectionExists",
                )
        rec = {
            "id": self.skeleton(req.auth.project_id, {})["id"],
            "l2_gateway_id": gateway["id"],
            "network_id": network["id"],
            "segmentation_id": body.get("segmentation_id"),
            "project_id": req.auth.project_id,
            "tenant_id": req.auth.project_id,
        }
        self.store.put("l2_gateway_connection", rec)
        return ok({"l2_gateway_connection": self._view(rec)}, 201)

    def delete_connection(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._find(req, "l2_gateway_connection", params["id"])
        self.store.delete("l2_gateway_connection", rec["id"])
        return empty(204)
