"""Cinder v3: volumes (creating -> available, extend, attach/detach states), types,
quota sets, limits. Nova calls :meth:`BlockStorage.reserve`, :meth:`attach` and
:meth:`detach` so a volume's status always matches the server's view of it."""

from __future__ import annotations

import ast
import math
from typing import Any

from . import lifecycle, quotas
from .backend import Backend
from .common import filter_records, iso, new_id, next_links, paginate, parse_bool, public
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router
from .volume_catalog import DEFAULT_TYPE, VolumeCatalog

MAX_VERSION = "3.70"
GIB = 1024**3
_DELETABLE = ("available", "error", "error_restoring", "error_extending", "error_managing")
_IN_USE_MSG = (
    "Invalid volume: Volume status must be available or error or error_restoring or "
    "error_extending or error_managing and must not be migrating, attached, belong to a group, "
    "have snapshots, awaiting a transfer, or be disassociated from snapshots after volume transfer."
)


class BlockStorage(VolumeCatalog):
    """Cinder handlers plus the attach/detach operations Nova uses."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        lifecycle.register_finalizer(self.store, "volume", self._finish_delete)
        r = Router("The resource could not be found.")
        r.add("GET", "/volumes", self.list_volumes)
        r.add("GET", "/volumes/detail", self.list_volumes)
        r.add("POST", "/volumes", self.create_volume)
        r.add("GET", "/volumes/{id}", self.show_volume)
        r.add("PUT", "/volumes/{id}", self.update_volume)
        r.add("DELETE", "/volumes/{id}", self.delete_volume)
        r.add("POST", "/volumes/{id}/action", self.action)
        r.add("GET", "/volumes/{id}/metadata", self.get_metadata)
        r.add("POST", "/volumes/{id}/metadata", self.merge_metadata)
        r.add("PUT", "/volumes/{id}/metadata", self.replace_metadata)
        r.add("DELETE", "/volumes/{id}/metadata/{key}", self.delete_metadata_key)
        r.add("GET", "/types", self.list_types)
        r.add("GET", "/types/default", self.default_type)
        r.add("GET", "/types/{id}", self.show_type)
        r.add("POST", "/types", self.create_type)
        r.add("DELETE", "/types/{id}", self.delete_type)
        r.add("GET", "/snapshots", lambda req, p: ok({"snapshots": []}))
        r.add("GET", "/snapshots/detail", lambda req, p: ok({"snapshots": []}))
        r.add("GET", "/os-quota-sets/{project}", self.show_quota)
        r.add("GET", "/os-quota-sets/{project}/defaults", self.quota_defaults)
        r.add("PUT", "/os-quota-sets/{project}", self.update_quota)
        r.add("DELETE", "/os-quota-sets/{project}", self.reset_quota)
        r.add("GET", "/limits", self.limits)
        r.add("GET", "/os-availability-zone", self.zones)
        self.router = r

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "v3.0",
            "status": "CURRENT",
            "min_version": "3.0",
            "version": MAX_VERSION,
            "updated": "2023-03-22T00:00:00Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/volume/v3/"}],
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.volume+json;version=3",
                }
            ],
        }
        return ok({"versions": [entry]}, 200 if versioned else 300)

    # -- records ----------------------------------------------------------------------------

    def _get(self, project_id: str, volume_id: str) -> Rec:
        rec = self.store.get("volume", volume_id)
        if rec is None or rec["_project"] != project_id:
            raise ApiError(404, f"Volume {volume_id} could not be found.")
        lifecycle.settle(rec)
        return rec

    def _usage(self, project_id: str) -> tuple[int, int]:
        vols = self.store.owned("volume", project_id)
        return len(vols), sum(int(v["size"]) for v in vols)

    def _check_quota(self, project_id: str, count: int, gigabytes: int) -> None:
        limits = self.backend.quota(project_id, "block-storage")
        used_count, used_gb = self._usage(project_id)
        if quotas.exceeds(limits["gigabytes"], used_gb, gigabytes):
            raise ApiError(
                413,
                "VolumeSizeExceedsAvailableQuota: Requested volume or snapshot exceeds "
                f"allowed gigabytes quota. Requested {gigabytes}G, quota is "
                f"{limits['gigabytes']}G and {used_gb}G has been consumed.",
            )
        if quotas.exceeds(limits["volumes"], used_count, count):
            raise ApiError(
                413,
                f"VolumeLimitExceeded: Maximum number of volumes allowed "
                f"({limits['volumes']}) exceeded for quota 'volumes'.",
            )

    def render(self, req: Request, rec: Rec) -> Rec:
        lifecycle.settle(rec)
        view = public(rec)
        view["links"] = [{"rel": "self", "href": f"{req.service_url}/volumes/{rec['id']}"}]
        return view

    # -- volumes ----------------------------------------------------------------------------

    def list_volumes(self, req: Request, params: dict[str, str]) -> Response:
        everyone = parse_bool(req.arg("all_tenants")) and req.auth.is_admin
        items = [
            self.render(req, v)
            for v in self.store.table("volume").values()
            if everyone or v["_project"] == req.auth.project_id
        ]
        wanted_meta = req.arg("metadata")
        special = {"metadata": lambda rec, values: _meta_match(rec, wanted_meta)}
        items = filter_records(req, items, skip=("all_tenants", "with_count"), special=special)
        page, marker = paginate(req, items)
        if req.segments[-1] != "detail":
            page = [{"id": v["id"], "name": v["name"], "links": v["links"]} for v in page]
        body: Rec = {"volumes": page}
        if marker:
            body["volumes_links"] = next_links(req, marker)
        if parse_bool(req.arg("with_count")):
            body["count"] = len(items)
        return ok(body)

    def show_volume(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        return ok({"volume": self.render(req, rec)})

    def create_volume(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object("volume")
        project_id = req.auth.project_id
        source = None
        if body.get("source_volid"):
            source = self._get(project_id, str(body["source_volid"]))
        size = body.get("size", source["size"] if source else None)
        if not isinstance(size, int) or isinstance(size, bool) or size < 1:
            try:
                size = int(size)  # type: ignore[arg-type]
            except (TypeError, ValueError):
                size = 0
            if size < 1:
                raise ApiError(
                    400,
                    f"Invalid input for field/attribute size. Value: "
                    f"{body.get('size')}. Size must be an integer >= 1.",
                )
        vtype = self._type(str(body.get("volume_type") or DEFAULT_TYPE))
        image = None
        if body.get("imageRef"):
            image = self.store.get("image", str(body["imageRef"]))
            if image is None:
                raise ApiError(400, "Invalid image identifier or unable to access requested image.")
            needed = max(int(image.get("min_disk") or 0), math.ceil(int(image["size"]) / GIB))
            if size < needed:
                raise ApiError(
                    400,
                    f"Invalid input received: Size of specified image {needed} "
                    f"is larger than volume size {size}.",
                )
        self._check_quota(project_id, 1, size)
        rec = self.new_volume(req, project_id, size, body, vtype["name"], image)
        if source is not None:
            rec["source_volid"] = source["id"]
            rec["bootable"] = source["bootable"]
        return ok({"volume": self.render(req, rec)}, 202)

    def new_volume(
        self, req: Request, project_id: str, size: int, body: Rec, vtype: str, image: Rec | None
    ) -> Rec:
        stamp = iso(micro=True)
        rec: Rec = {
            "id": new_id(),
            "name": body.get("name"),
            "description": body.get("description"),
            "size": size,
            "status": "creating",
            "availability_zone": str(body.get("availability_zone") or "nova"),
            "bootable": "true" if image else "false",
            "encrypted": False,
            "multiattach": bool(body.get("multiattach", False)),
            "volume_type": vtype,
            "volume_type_id": self._type(vtype)["id"],
            "metadata": dict(body.get("metadata") or {}),
            "attachments": [],
            "created_at": stamp,
            "updated_at": stamp,
            "user_id": req.auth.user_id,
            "os-vol-tenant-attr:tenant_id": project_id,
            "os-vol-host-attr:host": "sim@lvm#lvm",
            "os-vol-mig-status-attr:migstat": None,
            "os-vol-mig-status-attr:name_id": None,
            "snapshot_id": body.get("snapshot_id"),
            "source_volid": None,
            "replication_status": None,
            "consistencygroup_id": None,
            "group_id": None,
            "migration_status": None,
            "provider_id": None,
            "shared_targets": False,
            "service_uuid": None,
            "cluster_name": None,
            "consumes_quota": True,
            "_project": project_id,
        }
        if image is not None:
            rec["volume_image_metadata"] = {
                "image_id": image["id"],
                "image_name": image["name"],
                "disk_format": image["disk_format"],
                "container_format": image["container_format"],
                "min_disk": str(image["min_disk"]),
                "min_ram": str(image["min_ram"]),
                "size": str(image["size"]),
                "checksum": image["checksum"],
            }
        outcome = self.backend.outcome("volume", rec["name"])
        final = "error" if outcome == "error" else "available"
        lifecycle.begin(
            rec,
            "creating",
            final,
            self.backend.delay("volume"),
            {"updated_at": iso(micro=True)},
            stuck=outcome == "stuck",
        )
        return self.store.put("volume", rec)

    def update_volume(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        body = req.json_object("volume")
        for key in ("name", "description", "metadata"):
            if key in body:
                rec[key] = body[key]
        rec["updated_at"] = iso(micro=True)
        self.store.changed()
        return ok({"volume": self.render(req, rec)})

    def delete_volume(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        force = parse_bool(req.arg("force")) and req.auth.is_admin
        if not force and (rec["status"] not in _DELETABLE or rec["attachments"]):
            raise ApiError(400, _IN_USE_MSG)
        self._begin_delete(rec)
        return empty(202)

    def _begin_delete(self, rec: Rec) -> None:
        rec.pop("_t", None)
        rec["status"] = "deleting"
        lifecycle.schedule_delete(self.store, "volume", rec, self.backend.delay("volume_delete"))

    def _finish_delete(self, store: Any, rec: Rec) -> None:
        self.store.delete("volume", rec["id"])

    def action(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        body = req.json_object()
        if len(body) != 1:
            raise ApiError(400, "Invalid request body: exactly one action is required.")
        name, arg = next(iter(body.items()))
        if name == "os-extend":
            self._extend(req, rec, arg or {})
        elif name == "os-set_bootable":
            rec["bootable"] = "true" if parse_bool((arg or {}).get("bootable")) else "false"
        elif name == "os-retype":
            rec["volume_type"] = self._type(str((arg or {}).get("new_type")))["name"]
        elif name in ("os-reset_status", "os-force_delete") and not req.auth.is_admin:
            raise ApiError(
                403,
                f"Policy doesn't allow volume_extension:volume_admin_actions:"
                f"{name[3:]} to be performed.",
            )
        elif name == "os-reset_status":
            rec.pop("_t", None)
            rec["status"] = str((arg or {}).get("status") or rec["status"])
        elif name == "os-force_delete":
            self._begin_delete(rec)
        elif name == "os-update_readonly_flag":
            rec["metadata"]["readonly"] = str(bool((arg or {}).get("readonly")))
        else:
            raise ApiError(400, f"There is no such action: {name}")
        rec["updated_at"] = iso(micro=True)
        self.store.changed()
        return empty(202)

    def _extend(self, req: Request, rec: Rec, arg: Rec) -> None:
        allowed = ("available", "in-use") if req.version_at_least(3, 42) else ("available",)
        if rec["status"] not in allowed:
            raise ApiError(
                400,
                f"Invalid volume: Volume status must be 'available' to extend. "
                f"Currently in '{rec['status']}'",
            )
        try:
            new_size = int(arg.get("new_size"))  # type: ignore[arg-type]
        except (TypeError, ValueError) as exc:
            raise ApiError(400, "Invalid input for field/attribute new_size.") from exc
        if new_size <= rec["size"]:
            raise ApiError(
                400,
                f"Invalid input received: New size for extend must be greater "
                f"than current size. (current: {rec['size']}, extended: "
                f"{new_size}).",
            )
        self._check_quota(rec["_project"], 0, new_size - rec["size"])
        lifecycle.begin(
            rec, "extending", rec["status"], self.backend.delay("volume_action"), {"size": new_size}
        )

    # -- metadata ---------------------------------------------------------------------------

    def get_metadata(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"metadata": self._get(req.auth.project_id, params["id"])["metadata"]})

    def merge_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        rec["metadata"].update(req.json_object("metadata"))
        self.store.changed()
        return ok({"metadata": rec["metadata"]})

    def replace_metadata(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        rec["metadata"] = dict(req.json_object("metadata"))
        self.store.changed()
        return ok({"metadata": rec["metadata"]})

    def delete_metadata_key(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._get(req.auth.project_id, params["id"])
        if rec["metadata"].pop(params["key"], None) is None:
            raise ApiError(404, f"Metadata item was not found for volume {rec['id']}.")
        self.store.changed()
        return empty(200)

    # -- Nova-facing attach/detach ----------------------------------------------------------

    def reserve(self, project_id: str, volume_id: str) -> Rec:
        rec = self._get(project_id, volume_id)
        if rec["status"] != "available":
            raise ApiError(
                400,
                f"Invalid volume: volume '{volume_id}' status must be "
                f"'available'. Currently in '{rec['status']}'",
            )
        return rec

    def attach(self, rec: Rec, server_id: str, device: str) -> str:
        attachment_id = new_id()
        rec["attachments"] = [
            {
                "id": attachment_id,
                "attachment_id": attachment_id,
                "volume_id": rec["id"],
                "server_id": server_id,
                "host_name": None,
                "device": device,
                "attached_at": iso(micro=True),
            }
        ]
        lifecycle.begin(rec, "attaching", "in-use", self.backend.delay("volume_action"))
        rec["updated_at"] = iso(micro=True)
        self.store.changed()
        return attachment_id

    def detach(self, volume_id: str, server_id: str, delete: bool = False) -> None:
        rec = self.store.get("volume", volume_id)
        if rec is None:
            return
        rec["attachments"] = [a for a in rec["attachments"] if a["server_id"] != server_id]
        if delete:
            rec.pop("_t", None)
            self._begin_delete(rec)
            return
        lifecycle.begin(rec, "detaching", "available", self.backend.delay("volume_action"))
        rec["updated_at"] = iso(micro=True)
        self.store.changed()


def _meta_match(rec: Rec, wanted: str | None) -> bool:
    """Cinder's ``metadata`` filter is a dict literal like ``{'k': 'v'}``."""
    if not wanted:
        return True
    try:
        parsed = ast.literal_eval(wanted)
    except (ValueError, SyntaxError):
        return False
    return isinstance(parsed, dict) and all(
        str(rec.get("metadata", {}).get(k)) == str(v) for k, v in parsed.items()
    )
