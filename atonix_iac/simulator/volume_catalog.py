"""Cinder volume types, quota sets, limits and availability zones.

A mixin of :class:`block_storage.BlockStorage`: the catalogue-like endpoints that do not
change volumes, kept apart so the volume lifecycle code stays readable.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import quotas
from .common import new_id, parse_bool, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok

if TYPE_CHECKING:
    from .backend import Backend
    from .store import Store

DEFAULT_TYPE = "__DEFAULT__"


class VolumeCatalog:
    """``/types``, ``/os-quota-sets``, ``/limits``, ``/os-availability-zone``."""

    backend: Backend
    store: Store

    if TYPE_CHECKING:  # provided by BlockStorage

        def _usage(self, project_id: str) -> tuple[int, int]: ...

    def _type(self, name_or_id: str) -> Rec:
        types = self.store.table("volume_type")
        if name_or_id in types:
            return types[name_or_id]
        for vtype in types.values():
            if vtype["name"] == name_or_id:
                return vtype
        raise ApiError(404, f"Volume type with name {name_or_id} could not be found.")

    # -- types ------------------------------------------------------------------------------

    def list_types(self, req: Request, params: dict[str, str]) -> Response:
        """As Cinder: public types only unless an admin asks ``is_public=None`` (all) or
        ``false`` (private only); a member also sees the private types shared with it."""
        raw = req.arg("is_public") if req.auth.is_admin else None
        want: bool | None = True
        if raw is not None:
            want = None if raw.strip().lower() == "none" else parse_bool(raw)
        project = req.auth.project_id

        def listed(t: Rec) -> bool:
            if want is None:
                return True
            if bool(t["is_public"]) == want:
                return True
            return not req.auth.is_admin and project in t.get("_access", [])

        types = [public(t) for t in self.store.table("volume_type").values() if listed(t)]
        return ok({"volume_types": types})

    def show_type(self, req: Request, params: dict[str, str]) -> Response:
        types = self.store.table("volume_type")
        if params["id"] not in types:
            raise ApiError(404, f"Volume type {params['id']} could not be found.")
        return ok({"volume_type": public(types[params["id"]])})

    def default_type(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"volume_type": public(self._type(DEFAULT_TYPE))})

    def create_type(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise ApiError(
                403, "Policy doesn't allow volume_extension:types_manage to be performed."
            )
        body = req.json_object("volume_type")
        name = str(body.get("name") or "")
        if any(t["name"] == name for t in self.store.table("volume_type").values()):
            raise ApiError(409, f"Volume Type {name} already exists.")
        rec = new_type(
            name,
            str(body.get("description") or ""),
            bool(body.get("os-volume-type-access:is_public", True)),
        )
        rec["extra_specs"] = dict(body.get("extra_specs") or {})
        self.store.put("volume_type", rec)
        return ok({"volume_type": public(rec)})

    def delete_type(self, req: Request, params: dict[str, str]) -> Response:
        if not req.auth.is_admin:
            raise ApiError(
                403, "Policy doesn't allow volume_extension:types_manage to be performed."
            )
        vtype = self._type(params["id"])
        if any(v["volume_type"] == vtype["name"] for v in self.store.table("volume").values()):
            raise ApiError(
                400,
                f"Target volume type is still in use. Volume Type {vtype['id']} "
                "deletion is not allowed with volumes present with the type.",
            )
        self.store.delete("volume_type", vtype["id"])
        return empty(202)

    # -- quotas and limits ------------------------------------------------------------------

    def _quota_project(self, req: Request, project_id: str, update: bool = False) -> str:
        if (update or project_id != req.auth.project_id) and not req.auth.is_admin:
            action = "update" if update else "show"
            raise ApiError(
                403, f"Policy doesn't allow volume_extension:quotas:{action} to be performed."
            )
        return project_id

    def _quota_set(self, project_id: str, usage: bool) -> Rec:
        limits = self.backend.quota(project_id, "block-storage")
        count, gigabytes = self._usage(project_id)
        used = {"volumes": count, "gigabytes": gigabytes}
        extra = {f"{k}_{DEFAULT_TYPE}": -1 for k in ("volumes", "gigabytes", "snapshots")}
        merged: dict[str, int] = {**limits, **extra}
        body: Rec = {"id": project_id}
        for key, limit in merged.items():
            body[key] = (
                {"limit": limit, "in_use": used.get(key, 0), "reserved": 0, "allocated": 0}
                if usage
                else limit
            )
        return body

    def show_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"])
        usage = bool(parse_bool(req.arg("usage")))
        return ok({"quota_set": self._quota_set(project_id, usage)})

    def quota_defaults(self, req: Request, params: dict[str, str]) -> Response:
        values: Rec = dict(quotas.defaults(self.backend.engine.config, "block-storage"))
        values["id"] = params["project"]
        return ok({"quota_set": values})

    def update_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], update=True)
        body = req.json_object("quota_set")
        body.pop("id", None)
        unknown = [
            k
            for k in body
            if k not in quotas.DEFAULTS["block-storage"] and not k.endswith(f"_{DEFAULT_TYPE}")
        ]
        if unknown:
            raise ApiError(400, f"Bad key(s) in quota set: {', '.join(unknown)}")
        quotas.set_limits(
            self.store,
            project_id,
            "block-storage",
            {k: v for k, v in body.items() if k in quotas.DEFAULTS["block-storage"]},
        )
        values = self._quota_set(project_id, False)
        values.pop("id")
        return ok({"quota_set": values})

    def reset_quota(self, req: Request, params: dict[str, str]) -> Response:
        project_id = self._quota_project(req, params["project"], update=True)
        quotas.reset(self.store, project_id, "block-storage")
        return empty(200)

    def limits(self, req: Request, params: dict[str, str]) -> Response:
        limits = self.backend.quota(req.auth.project_id, "block-storage")
        count, gigabytes = self._usage(req.auth.project_id)
        absolute = {
            "maxTotalVolumes": limits["volumes"],
            "maxTotalVolumeGigabytes": limits["gigabytes"],
            "maxTotalSnapshots": limits["snapshots"],
            "maxTotalBackups": limits["backups"],
            "maxTotalBackupGigabytes": limits["backup_gigabytes"],
            "totalVolumesUsed": count,
            "totalGigabytesUsed": gigabytes,
            "totalSnapshotsUsed": 0,
            "totalBackupsUsed": 0,
            "totalBackupGigabytesUsed": 0,
        }
        return ok({"limits": {"rate": [], "absolute": absolute}})

    def zones(self, req: Request, params: dict[str, str]) -> Response:
        return ok(
            {"availabilityZoneInfo": [{"zoneName": "nova", "zoneState": {"available": True}}]}
        )


def new_type(name: str, description: str = "", is_public: bool = True) -> Rec:
    return {
        "id": new_id(),
        "name": name,
        "description": description,
        "is_public": is_public,
        "os-volume-type-access:is_public": is_public,
        "extra_specs": {},
        "qos_specs_id": None,
    }
