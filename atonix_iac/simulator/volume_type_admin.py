"""Cinder volume types' updates, extra specs and project access, installed on the block
storage router: ``PUT /types/{id}`` (name, description, is_public), ``GET|POST
/types/{id}/extra_specs`` and ``DELETE /types/{id}/extra_specs/{key}``, ``POST
/types/{id}/action`` (``addProjectAccess`` / ``removeProjectAccess``, 202) and ``GET
/types/{id}/os-volume-type-access``, as Cinder answers them; every write needs an admin.
"""

from __future__ import annotations

from .backend import Backend
from .common import public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router


class VolumeTypeAdmin:
    def __init__(self, backend: Backend) -> None:
        self.store = backend.store

    def install(self, r: Router) -> None:
        r.add("PUT", "/types/{id}", self.update)
        r.add("GET", "/types/{id}/extra_specs", self.list_specs)
        r.add("POST", "/types/{id}/extra_specs", self.set_specs)
        r.add("DELETE", "/types/{id}/extra_specs/{key}", self.delete_spec)
        r.add("POST", "/types/{id}/action", self.action)
        r.add("GET", "/types/{id}/os-volume-type-access", self.list_access)

    def _type(self, req: Request, type_id: str, write: bool = True) -> Rec:
        if write and not req.auth.is_admin:
            raise ApiError(
                403, "Policy doesn't allow volume_extension:types_manage to be performed."
            )
        rec = self.store.get("volume_type", type_id)
        if rec is None:
            raise ApiError(404, f"Volume type {type_id} could not be found.")
        return rec

    def update(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._type(req, params["id"])
        body = req.json_object("volume_type")
        name = body.get("name")
        if name is not None:
            taken = any(
                t["name"] == name and t["id"] != rec["id"]
                for t in self.store.table("volume_type").values()
            )
            if taken:
                raise ApiError(409, f"Volume Type {name} already exists.")
            rec["name"] = str(name)
        if "description" in body:
            rec["description"] = body["description"]
        if "is_public" in body:
            rec["is_public"] = rec["os-volume-type-access:is_public"] = bool(body["is_public"])
        self.store.changed()
        return ok({"volume_type": public(rec)})

    def list_specs(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"extra_specs": dict(self._type(req, params["id"], write=False)["extra_specs"])})

    def set_specs(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._type(req, params["id"])
        specs = req.json_object("extra_specs")
        rec["extra_specs"] = {**rec["extra_specs"], **{k: str(v) for k, v in specs.items()}}
        self.store.changed()
        return ok({"extra_specs": dict(rec["extra_specs"])})

    def delete_spec(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._type(req, params["id"])
        if params["key"] not in rec["extra_specs"]:
            raise ApiError(
                404, f"Volume Type {rec['id']} has no extra specs with key {params['key']}."
            )
        del rec["extra_specs"][params["key"]]
        self.store.changed()
        return empty(202)

    def action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._type(req, params["id"])
        body = req.json_object()
        access: list[str] = rec.setdefault("_access", [])
        if rec["is_public"]:
            raise ApiError(
                400,
                "Invalid volume type: Type access modification is not "
                "applicable to public volume type.",
            )
        if "addProjectAccess" in body:
            project = str((body["addProjectAccess"] or {}).get("project") or "")
            if project in access:
                raise ApiError(
                    409,
                    f"Volume type access for {rec['id']} / {project} combination already exists.",
                )
            access.append(project)
        elif "removeProjectAccess" in body:
            project = str((body["removeProjectAccess"] or {}).get("project") or "")
            if project not in access:
                raise ApiError(
                    404, f"Volume type access not found for {rec['id']} / {project} combination."
                )
            access.remove(project)
        else:
            raise ApiError(400, "Invalid volume type action")
        self.store.changed()
        return empty(202)

    def list_access(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._type(req, params["id"])
        if rec["is_public"]:
            raise ApiError(404, "Access list not available for public volume types.")
        items = [{"volume_type_id": rec["id"], "project_id": p} for p in rec.get("_access", [])]
        return ok({"volume_type_access": items})
