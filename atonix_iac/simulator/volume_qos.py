"""Cinder QoS specs (``/qos-specs``: create, show, list, set and delete keys, associate with
volume types, delete) and volume type encryption (``/types/{id}/encryption``), installed on the
block storage router and answered as Cinder does; every write needs an admin. A QoS spec still
associated with a type is deleted only with ``force=true`` (400 otherwise).
"""

from __future__ import annotations

from .backend import Backend
from .common import new_id, parse_bool
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

_ENCRYPTION_FIELDS = ("provider", "cipher", "key_size", "control_location")


class VolumeQos:
    def __init__(self, backend: Backend) -> None:
        self.store = backend.store

    def install(self, r: Router) -> None:
        r.add("GET", "/qos-specs", self.list_specs)
        r.add("POST", "/qos-specs", self.create)
        r.add("GET", "/qos-specs/{id}", self.show)
        r.add("PUT", "/qos-specs/{id}", self.set_keys)
        r.add("PUT", "/qos-specs/{id}/delete_keys", self.delete_keys)
        r.add("DELETE", "/qos-specs/{id}", self.delete)
        r.add("GET", "/qos-specs/{id}/associations", self.associations)
        r.add("GET", "/qos-specs/{id}/associate", self.associate)
        r.add("GET", "/qos-specs/{id}/disassociate", self.disassociate)
        r.add("GET", "/types/{id}/encryption", self.show_encryption)
        r.add("POST", "/types/{id}/encryption", self.create_encryption)
        r.add("PUT", "/types/{id}/encryption/{eid}", self.update_encryption)
        r.add("DELETE", "/types/{id}/encryption/{eid}", self.delete_encryption)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _admin(req: Request, rule: str) -> None:
        if not req.auth.is_admin:
            raise ApiError(403, f"Policy doesn't allow {rule} to be performed.")

    def _spec(self, req: Request, spec_id: str) -> Rec:
        self._admin(req, "volume_extension:qos_specs_manage:get")
        rec = self.store.get("qos_spec", spec_id)
        if rec is None:
            raise ApiError(404, f"QoS Specs {spec_id} could not be found.")
        return rec

    def _type(self, type_id: str | None) -> Rec:
        rec = self.store.get("volume_type", str(type_id))
        if rec is None:
            raise ApiError(404, f"Volume type {type_id} could not be found.")
        return rec

    @staticmethod
    def _view(rec: Rec) -> Rec:
        return {k: rec[k] for k in ("id", "name", "consumer", "specs")}

    # -- QoS specs --------------------------------------------------------------------------

    def list_specs(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "volume_extension:qos_specs_manage:get_all")
        return ok({"qos_specs": [self._view(r) for r in self.store.table("qos_spec").values()]})

    def create(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "volume_extension:qos_specs_manage:create")
        body = dict(req.json_object("qos_specs"))
        name = str(body.pop("name", "") or "")
        if not name:
            raise ApiError(400, "Please specify a name for QoS specs.")
        if any(r["name"] == name for r in self.store.table("qos_spec").values()):
            raise ApiError(409, f"QoS Specs {name} already exists.")
        consumer = str(body.pop("consumer", "back-end"))
        if consumer not in ("front-end", "back-end", "both"):
            raise ApiError(400, f"Invalid consumer: {consumer}")
        rec: Rec = {
            "id": new_id(),
            "name": name,
            "consumer": consumer,
            "specs": {str(k): str(v) for k, v in body.items()},
            "_types": [],
        }
        self.store.put("qos_spec", rec)
        return ok({"qos_specs": self._view(rec)})

    def show(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"qos_specs": self._view(self._spec(req, params["id"]))})

    def set_keys(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        body = req.json_object("qos_specs")
        rec["specs"].update({str(k): str(v) for k, v in body.items() if k != "consumer"})
        if "consumer" in body:
            rec["consumer"] = str(body["consumer"])
        self.store.changed()
        return ok({"qos_specs": dict(body)})

    def delete_keys(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        keys = req.json_object().get("keys") or []
        missing = [k for k in keys if k not in rec["specs"]]
        if missing:
            raise ApiError(400, f"QoS spec {rec['id']} has no key {missing[0]}.")
        for key in keys:
            del rec["specs"][key]
        self.store.changed()
        return empty(202)

    def delete(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        if rec["_types"] and not parse_bool(req.arg("force")):
            raise ApiError(400, f"QoS Specs {rec['id']} is still associated with entities.")
        for type_id in rec["_types"]:
            vtype = self.store.get("volume_type", type_id)
            if vtype is not None:
                vtype["qos_specs_id"] = None
        self.store.delete("qos_spec", rec["id"])
        return empty(202)

    def associations(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        items = [
            {"association_type": "volume_type", "id": t["id"], "name": t["name"]}
            for t in (self.store.get("volume_type", i) for i in rec["_types"])
            if t is not None
        ]
        return ok({"qos_associations": items})

    def associate(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        vtype = self._type(req.arg("vol_type_id"))
        if vtype.get("qos_specs_id") not in (None, rec["id"]):
            raise ApiError(
                400,
                f"Type {vtype['id']} is already associated with another qos specs: "
                f"{vtype['qos_specs_id']}",
            )
        vtype["qos_specs_id"] = rec["id"]
        if vtype["id"] not in rec["_types"]:
            rec["_types"].append(vtype["id"])
        self.store.changed()
        return empty(202)

    def disassociate(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._spec(req, params["id"])
        vtype = self._type(req.arg("vol_type_id"))
        if vtype["id"] in rec["_types"]:
            rec["_types"].remove(vtype["id"])
            vtype["qos_specs_id"] = None
            self.store.changed()
        return empty(202)

    # -- encryption -------------------------------------------------------------------------

    def show_encryption(self, req: Request, params: dict[str, str]) -> Response:
        vtype = self._type(params["id"])
        return ok(dict(vtype.get("_encryption") or {}))

    def create_encryption(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "volume_extension:volume_type_encryption:create")
        vtype = self._type(params["id"])
        if vtype.get("_encryption"):
            raise ApiError(400, f"Volume type encryption for type {vtype['id']} already exists.")
        body = req.json_object("encryption")
        if not body.get("provider"):
            raise ApiError(400, "provider must be specified.")
        if body.get("control_location", "front-end") not in ("front-end", "back-end"):
            raise ApiError(400, "Valid control location are: ['front-end', 'back-end']")
        enc: Rec = {
            "volume_type_id": vtype["id"],
            "encryption_id": new_id(),
            "control_location": "front-end",
            "cipher": None,
            "key_size": None,
        }
        enc.update({k: body[k] for k in _ENCRYPTION_FIELDS if k in body})
        vtype["_encryption"] = enc
        self.store.changed()
        return ok({"encryption": dict(enc)})

    def update_encryption(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "volume_extension:volume_type_encryption:update")
        vtype = self._type(params["id"])
        enc = vtype.get("_encryption")
        if not enc or enc["encryption_id"] != params["eid"]:
            raise ApiError(404, f"Volume type encryption for type {vtype['id']} not found.")
        body = req.json_object("encryption")
        enc.update({k: body[k] for k in _ENCRYPTION_FIELDS if k in body})
        self.store.changed()
        return ok({"encryption": {k: body[k] for k in _ENCRYPTION_FIELDS if k in body}})

    def delete_encryption(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "volume_extension:volume_type_encryption:delete")
        vtype = self._type(params["id"])
        enc = vtype.get("_encryption")
        if not enc or enc["encryption_id"] != params["eid"]:
            raise ApiError(404, f"Volume type encryption for type {vtype['id']} not found.")
        vtype["_encryption"] = None
        self.store.changed()
        return empty(202)
