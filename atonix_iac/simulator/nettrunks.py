"""Neutron trunks (a parent port carrying VLAN subports) and network segments.

Subports are added and removed with ``PUT /trunks/{id}/add_subports`` and ``remove_subports``,
which answer the trunk unwrapped, as Neutron does. A port is in at most one trunk, as parent
or subport; a trunk whose parent port is bound to a server cannot be deleted. Segments are an
admin's, on an existing network.
"""

from __future__ import annotations

from .errors import ApiError
from .netbase import NeutronBase
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

SEGMENTATION_TYPES = ("vlan", "inherit")


class TrunksAndSegments(NeutronBase):
    def register(self, r: Router) -> None:
        r.add("GET", "/trunks", self.list_trunks)
        r.add("POST", "/trunks", self.create_trunk)
        r.add("GET", "/trunks/{id}", self.show_trunk)
        r.add("PUT", "/trunks/{id}", self.update_trunk)
        r.add("DELETE", "/trunks/{id}", self.delete_trunk)
        r.add("PUT", "/trunks/{id}/add_subports", self.add_subports)
        r.add("PUT", "/trunks/{id}/remove_subports", self.remove_subports)
        r.add("GET", "/trunks/{id}/get_subports", self.get_subports)
        r.add("GET", "/segments", self.list_segments)
        r.add("POST", "/segments", self.create_segment)
        r.add("GET", "/segments/{id}", self.show_segment)
        r.add("PUT", "/segments/{id}", self.update_segment)
        r.add("DELETE", "/segments/{id}", self.delete_segment)

    # -- trunks -----------------------------------------------------------------------------

    def _in_trunk(self, port_id: str) -> str | None:
        for trunk in self.store.table("trunk").values():
            if trunk["port_id"] == port_id or any(
                s["port_id"] == port_id for s in trunk["sub_ports"]
            ):
                return str(trunk["id"])
        return None

    def _subports(self, req: Request, trunk: Rec | None, items: object) -> list[Rec]:
        if not isinstance(items, list):
            raise ApiError(400, "Invalid input for sub_ports.")
        out: list[Rec] = []
        for item in items:
            if not isinstance(item, dict):
                raise ApiError(400, "Invalid input for sub_ports.")
            port = self.get(req, "port", str(item.get("port_id")))
            used = self._in_trunk(port["id"])
            if used is not None or (trunk is not None and port["id"] == trunk["port_id"]):
                raise ApiError(
                    409,
                    f"Port {port['id']} is currently in use and is not eligible for use as "
                    "a subport.",
                    "PortInUseAsSubPort",
                )
            kind = str(item.get("segmentation_type") or "vlan")
            if kind not in SEGMENTATION_TYPES:
                raise ApiError(400, f"Invalid segmentation_type {kind}.")
            seg_id = item.get("segmentation_id")
            if kind == "vlan" and not (isinstance(seg_id, int) and 1 <= seg_id <= 4094):
                raise ApiError(400, f"Invalid segmentation_id {seg_id} for a VLAN subport.")
            out.append(
                {"port_id": port["id"], "segmentation_type": kind, "segmentation_id": seg_id}
            )
        return out

    def list_trunks(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "trunk", self.store.table("trunk").values())

    def show_trunk(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "trunk", self.get(req, "trunk", params["id"]))

    def create_trunk(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("trunk")
        port = self.get(req, "port", str(body.get("port_id")))
        if self._in_trunk(port["id"]) is not None:
            raise ApiError(409, f"Port {port['id']} is in use by another trunk.", "TrunkPortInUse")
        trunk = self.skeleton(req.auth.project_id, body)
        trunk.update(
            port_id=port["id"],
            admin_state_up=bool(body.get("admin_state_up", True)),
            status="ACTIVE" if port.get("device_id") else "DOWN",
            sub_ports=[],
        )
        trunk["sub_ports"] = self._subports(req, trunk, body.get("sub_ports") or [])
        self.store.put("trunk", trunk)
        return self.item_reply(req, "trunk", trunk, 201)

    def update_trunk(self, req: Request, params: dict[str, str]) -> Response:
        trunk = self.owned(req, "trunk", params["id"])
        body = req.json_object("trunk")
        for key in ("name", "description", "admin_state_up"):
            if key in body:
                trunk[key] = body[key]
        self.touch(trunk)
        return self.item_reply(req, "trunk", trunk)

    def delete_trunk(self, req: Request, params: dict[str, str]) -> Response:
        trunk = self.owned(req, "trunk", params["id"])
        port = self.store.get("port", trunk["port_id"])
        if port is not None and port.get("device_owner", "").startswith("compute:"):
            raise ApiError(409, f"Trunk {trunk['id']} is currently in use.", "TrunkInUse")
        self.store.delete("trunk", trunk["id"])
        return empty(204)

    def add_subports(self, req: Request, params: dict[str, str]) -> Response:
        trunk = self.owned(req, "trunk", params["id"])
        trunk["sub_ports"] += self._subports(req, trunk, req.json_object().get("sub_ports"))
        self.touch(trunk)
        return ok(self.render(trunk))

    def remove_subports(self, req: Request, params: dict[str, str]) -> Response:
        trunk = self.owned(req, "trunk", params["id"])
        items = req.json_object().get("sub_ports")
        if not isinstance(items, list):
            raise ApiError(400, "Invalid input for sub_ports.")
        gone = {str(i.get("port_id")) for i in items if isinstance(i, dict)}
        missing = gone - {s["port_id"] for s in trunk["sub_ports"]}
        if missing:
            raise ApiError(
                404, f"SubPort {sorted(missing)[0]} could not be found.", "SubPortNotFound"
            )
        trunk["sub_ports"] = [s for s in trunk["sub_ports"] if s["port_id"] not in gone]
        self.touch(trunk)
        return ok(self.render(trunk))

    def get_subports(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"sub_ports": self.get(req, "trunk", params["id"])["sub_ports"]})

    # -- segments ---------------------------------------------------------------------------

    def list_segments(self, req: Request, params: dict[str, str]) -> Response:
        return self.list_reply(req, "segment", self.store.table("segment").values())

    def show_segment(self, req: Request, params: dict[str, str]) -> Response:
        return self.item_reply(req, "segment", self.get(req, "segment", params["id"]))

    def visible(self, req: Request, kind: str, rec: Rec) -> bool:
        if kind == "segment":
            return req.auth.is_admin
        return super().visible(req, kind, rec)

    def create_segment(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise ApiError(
                403, "rule:create_segment is disallowed by policy", "PolicyNotAuthorized"
            )
        body = req.json_object("segment")
        network = self.get(req, "network", str(body.get("network_id")))
        kind = str(body.get("network_type") or "")
        if kind not in ("flat", "vlan", "vxlan", "geneve", "gre", "local"):
            raise ApiError(400, f"Invalid input for network_type: {kind!r}.")
        segment = self.skeleton(req.auth.project_id, body)
        segment.update(
            network_id=network["id"],
            network_type=kind,
            physical_network=body.get("physical_network"),
            segmentation_id=body.get("segmentation_id"),
        )
        self.store.put("segment", segment)
        return self.item_reply(req, "segment", segment, 201)

    def update_segment(self, req: Request, params: dict[str, str]) -> Response:
        segment = self.get(req, "segment", params["id"])
        body = req.json_object("segment")
        for key in ("name", "description"):
            if key in body:
                segment[key] = body[key]
        self.touch(segment)
        return self.item_reply(req, "segment", segment)

    def delete_segment(self, req: Request, params: dict[str, str]) -> Response:
        segment = self.get(req, "segment", params["id"])
        if any(s.get("segment_id") == segment["id"] for s in self.store.table("subnet").values()):
            raise ApiError(409, f"Segment {segment['id']} is still in use.", "SegmentInUse")
        self.store.delete("segment", segment["id"])
        return empty(204)
