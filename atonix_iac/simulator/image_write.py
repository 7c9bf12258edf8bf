"""Glance v2's writes: create (201, ``queued``), import from a URL (``web-download``: 202,
``importing`` then ``active`` after the ``image`` delay; a failed import goes back to
``queued`` and names the method in ``os_glance_failed_import``, as Glance does), JSON-patch
updates (``application/openstack-images-v2.1-json-patch``), deactivate/reactivate, tags,
members, and delete (403 while ``protected``). Properties Glance does not know are kept on
the image, top level, as Glance's "additional properties" are.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING

from . import lifecycle
from .common import iso, new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

if TYPE_CHECKING:
    from .image import Image

DISK_FORMATS = ("ami", "ari", "aki", "vhd", "vhdx", "vmdk", "raw", "qcow2", "vdi", "iso", "ploop")
CONTAINER_FORMATS = ("ami", "ari", "aki", "bare", "ovf", "ova", "docker", "compressed")
VISIBILITIES = ("public", "private", "shared", "community")
# Set by Glance only: a create or patch naming them is refused.
READ_ONLY = frozenset(
    {"status", "size", "virtual_size", "checksum", "os_hash_algo", "os_hash_value", "owner",
     "created_at", "updated_at", "self", "file", "schema", "direct_url", "locations", "stores"}
)  # fmt: skip
IMPORT_METHODS = ("glance-direct", "web-download", "copy-image")


class ImageWrites:
    def __init__(self, image: Image) -> None:
        self.image = image
        self.backend = image.backend
        self.store = image.store

    def install(self, r: Router) -> None:
        r.add("POST", "/images", self.create)
        r.add("PATCH", "/images/{id}", self.patch)
        r.add("DELETE", "/images/{id}", self.delete)
        r.add("POST", "/images/{id}/import", self.import_image)
        r.add("POST", "/images/{id}/actions/deactivate", self.deactivate)
        r.add("POST", "/images/{id}/actions/reactivate", self.reactivate)
        r.add("PUT", "/images/{id}/tags/{tag}", self.add_tag)
        r.add("DELETE", "/images/{id}/tags/{tag}", self.remove_tag)
        r.add("GET", "/images/{id}/members", self.list_members)
        r.add("POST", "/images/{id}/members", self.add_member)
        r.add("DELETE", "/images/{id}/members/{member}", self.remove_member)
        r.add("GET", "/info/import", self.import_info)

    def _owned(self, req: Request, image_id: str) -> Rec:
        rec = self.image.visible_image(req, image_id)
        if rec["owner"] != req.auth.project_id and not req.auth.is_admin:
            raise ApiError(403, f"You are not permitted to modify image {image_id}.")
        return rec

    def _check(self, req: Request, rec: Rec) -> None:
        if rec.get("disk_format") not in (None, *DISK_FORMATS):
            raise ApiError(400, f"Invalid value '{rec['disk_format']}' for disk_format")
        if rec.get("container_format") not in (None, *CONTAINER_FORMATS):
            raise ApiError(400, f"Invalid value '{rec['container_format']}' for container_format")
        if rec.get("visibility") not in VISIBILITIES:
            raise ApiError(400, f"Invalid value '{rec.get('visibility')}' for visibility")
        if rec["visibility"] == "public" and not req.auth.is_admin:
            raise ApiError(403, "You are not authorized to complete publicize_image action.")
        for key in ("min_disk", "min_ram"):
            value = rec.get(key)
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                raise ApiError(400, f"Invalid value for {key}: {value!r}")

    def create(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        bad = sorted(READ_ONLY & set(body))
        if bad:
            raise ApiError(403, f"Attribute '{bad[0]}' is read-only.")
        image_id = str(body.get("id") or new_id())
        if self.store.get("image", image_id) is not None:
            raise ApiError(409, f"Image with identifier {image_id} already exists!")
        stamp = iso()
        rec: Rec = {
            "id": image_id,
            "name": None,
            "status": "queued",
            "visibility": "shared",
            "disk_format": None,
            "container_format": None,
            "min_disk": 0,
            "min_ram": 0,
            "size": None,
            "virtual_size": None,
            "checksum": None,
            "os_hash_algo": None,
            "os_hash_value": None,
            "owner": req.auth.project_id,
            "tags": [],
            "protected": False,
            "os_hidden": False,
            "created_at": stamp,
            "updated_at": stamp,
            "_members": {},
        }
        rec.update({k: v for k, v in body.items() if k != "id"})
        rec["tags"] = sorted(set(map(str, rec["tags"] or [])))
        self._check(req, rec)
        self.store.put("image", rec)
        return ok(self.image.render(rec), 201)

    def import_image(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        method = (req.json_object().get("method") or {}) if req.body else {}
        name = method.get("name")
        if name not in IMPORT_METHODS:
            raise ApiError(400, f"Import method {name!r} is not valid for this cloud.")
        if rec["status"] != "queued":
            raise ApiError(409, f"Image status transition from {rec['status']} to importing "
                                "is not allowed")  # fmt: skip
        if name == "web-download":
            uri = str(method.get("uri") or "")
            if not uri.startswith(("http://", "https://")):
                raise ApiError(400, "URI for web-download does not pass filtering: " + uri)
            data = uri.encode()
        else:
            raise ApiError(409, f"Image {rec['id']} has no data staged for {name}")
        outcome = self.backend.outcome("image", rec.get("name"))
        size = 1024 * (len(data) + 1)
        done = {
            "size": size,
            "virtual_size": size * 4,
            "checksum": hashlib.md5(data, usedforsecurity=False).hexdigest(),
            "os_hash_algo": "sha512",
            "os_hash_value": hashlib.sha512(data).hexdigest(),
            "os_glance_import_task": new_id(),
        }
        final = "active"
        if outcome == "error":
            final, done = "queued", {"os_glance_failed_import": name}
        lifecycle.begin(
            rec, "importing", final, self.backend.delay("image"), done, stuck=outcome == "stuck"
        )
        self.store.changed()
        return Response(202, None)

    def patch(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        kind = req.headers.get("content-type", "").split(";")[0].strip()
        if kind != "application/openstack-images-v2.1-json-patch":
            raise ApiError(415, f"Unsupported Content-Type: {kind}")
        ops = req.json()
        if not isinstance(ops, list):
            raise ApiError(400, "Request body must be a JSON array of operation objects.")
        changed = dict(rec)
        for op in ops:
            path = str(op.get("path", "")).lstrip("/")
            if path in READ_ONLY or path == "id":
                raise ApiError(403, f"Attribute '{path}' is read-only.")
            if op.get("op") in ("add", "replace"):
                changed[path] = op.get("value")
            elif op.get("op") == "remove":
                if path not in changed:
                    raise ApiError(409, f"Property {path} does not exist.")
                del changed[path]
            else:
                raise ApiError(400, f"Invalid operation: {op.get('op')!r}")
        changed["tags"] = sorted(set(map(str, changed.get("tags") or [])))
        self._check(req, changed)
        rec.clear()
        rec.update(changed, updated_at=iso())
        self.store.changed()
        return ok(self.image.render(rec))

    def delete(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        if rec.get("protected"):
            raise ApiError(403, f"Image {rec['id']} is protected and cannot be deleted.")
        self.store.delete("image", rec["id"])
        return empty()

    def _action(
        self, req: Request, image_id: str, wanted: str, allowed: tuple[str, ...]
    ) -> Response:
        rec = self._owned(req, image_id)
        if rec["status"] not in allowed:
            raise ApiError(403, f"Not allowed to {wanted} image in status '{rec['status']}'")
        rec["status"] = "deactivated" if wanted == "deactivate" else "active"
        self.store.changed()
        return empty()

    def deactivate(self, req: Request, params: dict[str, str]) -> Response:
        return self._action(req, params["id"], "deactivate", ("active", "deactivated"))

    def reactivate(self, req: Request, params: dict[str, str]) -> Response:
        return self._action(req, params["id"], "reactivate", ("active", "deactivated"))

    def add_tag(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        rec["tags"] = sorted(set(rec["tags"]) | {params["tag"]})
        self.store.changed()
        return empty()

    def remove_tag(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        if params["tag"] not in rec["tags"]:
            raise ApiError(404, f"Tag {params['tag']} not found.")
        rec["tags"] = [t for t in rec["tags"] if t != params["tag"]]
        self.store.changed()
        return empty()

    def _member_view(self, rec: Rec, member: str) -> Rec:
        return {"image_id": rec["id"], "member_id": member, "schema": "/v2/schemas/member",
                **rec["_members"][member]}  # fmt: skip

    def list_members(self, req: Request, params: dict[str, str]) -> Response:
        rec = self.image.visible_image(req, params["id"])
        members = rec.setdefault("_members", {})
        return ok({"members": [self._member_view(rec, m) for m in members],
                   "schema": "/v2/schemas/members"})  # fmt: skip

    def add_member(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        if rec["visibility"] != "shared":
            raise ApiError(403, f"Image {rec['id']} is not shared; members can not be added.")
        member = str(req.json_object().get("member") or "")
        members = rec.setdefault("_members", {})
        if member in members:
            raise ApiError(409, f"Member {member} already exists for image {rec['id']}.")
        stamp = iso()
        members[member] = {"status": "pending", "created_at": stamp, "updated_at": stamp}
        self.store.changed()
        return ok(self._member_view(rec, member))

    def remove_member(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, params["id"])
        if rec.setdefault("_members", {}).pop(params["member"], None) is None:
            raise ApiError(404, f"Member {params['member']} not found.")
        self.store.changed()
        return empty()

    def import_info(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"import-methods": {"description": "Import methods available.",
                                      "type": "array", "value": list(IMPORT_METHODS)}})  # fmt: skip
