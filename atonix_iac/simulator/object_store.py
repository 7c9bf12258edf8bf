"""Swift v1: accounts, containers and objects under ``/v1/AUTH_<project_id>``.

Pinned to Swift's proxy API as openstacksdk's ``object_store`` reads it: metadata travels in
``X-Container-Meta-*`` / ``X-Account-Meta-*`` / ``X-Object-Meta-*`` headers (an empty value
removes a key, as does ``X-Remove-*-Meta-*``); PUT of a container answers 201 when it is new
and 202 when it already exists (Swift's PUT is idempotent); HEAD answers 204 with the counts in
``X-Container-Object-Count`` / ``X-Container-Bytes-Used``; DELETE of a non-empty container is
409; listings are JSON arrays sorted by name, paged by ``marker``/``limit`` with the total in
``X-Account-Container-Count`` / ``X-Container-Object-Count`` (how the SDK knows to stop).
Object names may hold slashes, so dispatch joins the remaining path segments itself.

TempURLs (``temp_url.py``) let a request without a token reach one object. A container with
``X-Versions-Location`` (legacy versioning) archives an object it overwrites into that
container as ``<len:03x><name>/<timestamp>``, and deleting the object restores its newest
archived version, as Swift's versioned_writes does.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from email.utils import formatdate

from .backend import Backend
from .common import iso, now
from .errors import ApiError
from .protocol import Rec, Request, Response
from .routing import Router

# Swift's constraints (swift/common/constraints.py defaults).
MAX_META_NAME_LENGTH = 128
MAX_META_VALUE_LENGTH = 256
MAX_META_COUNT = 90
MAX_CONTAINER_NAME_LENGTH = 256
MAX_OBJECT_NAME_LENGTH = 1024
CONTAINER_LISTING_LIMIT = 10000
STORAGE_POLICY = "Policy-0"
_NOT_FOUND = "The resource could not be found."
_CONFLICT = "There was a conflict when trying to complete your request."


def _title(key: str) -> str:
    """``web-index`` -> ``Web-Index`` (Swift title-cases the header names it returns)."""
    return "-".join(part[:1].upper() + part[1:] for part in key.split("-"))


def _timestamp() -> str:
    return f"{now():.5f}"


class ObjectStore(Router):
    """The object store's handlers; a Router whose dispatch understands Swift's paths."""

    def __init__(self, backend: Backend) -> None:
        super().__init__(_NOT_FOUND)
        self.backend = backend
        self.store = backend.store

    # -- dispatch ---------------------------------------------------------------------------

    def dispatch(self, req: Request) -> Response:
        segments = req.segments
        if not segments or not segments[0].startswith("AUTH_"):
            raise ApiError(412, "Precondition Failed: invalid account")
        if segments[0][len("AUTH_") :] != req.auth.project_id:
            raise ApiError(403, "Forbidden: access was denied to this resource.")
        account = self._account(req.auth.project_id)
        if len(segments) == 1:
            return self._account_request(req, account)
        container = segments[1]
        if len(segments) == 2:
            return self._container_request(req, container)
        return self._object_request(req, container, "/".join(segments[2:]))

    def temp_url_keys(self, project_id: str) -> list[str]:
        """The account's ``Temp-URL-Key`` and ``Temp-URL-Key-2`` (for ``temp_url``)."""
        account = self.store.get("swift_account", project_id)
        meta = account["meta"] if account is not None else {}
        return [str(meta[k]) for k in ("temp-url-key", "temp-url-key-2") if meta.get(k)]

    # -- records ----------------------------------------------------------------------------

    def _account(self, project_id: str) -> Rec:
        rec = self.store.get("swift_account", project_id)
        if rec is None:
            rec = {"id": project_id, "_project": project_id, "meta": {}, "created": _timestamp()}
            self.store.put("swift_account", rec)
        return rec

    def _container_id(self, req: Request, name: str) -> str:
        return f"{req.auth.project_id}/{name}"

    def _container(self, req: Request, name: str) -> Rec | None:
        return self.store.get("swift_container", self._container_id(req, name))

    def _containers(self, req: Request) -> list[Rec]:
        items = self.store.owned("swift_container", req.auth.project_id)
        return sorted(items, key=lambda rec: str(rec["name"]))

    # -- metadata ---------------------------------------------------------------------------

    @staticmethod
    def _apply_meta(meta: dict[str, str], headers: Mapping[str, str], kind: str) -> None:
        """Set and remove ``X-<Kind>-Meta-*`` keys from the request's headers."""
        prefix, remove = f"x-{kind}-meta-", f"x-remove-{kind}-meta-"
        changes: dict[str, str | None] = {}
        for header, text in headers.items():
            if header.startswith(prefix):
                changes[header[len(prefix) :]] = text.strip() or None
            elif header.startswith(remove):
                changes[header[len(remove) :]] = None
        for key, change in changes.items():
            if len(key) > MAX_META_NAME_LENGTH:
                raise ApiError(400, f"Metadata name too long; max {MAX_META_NAME_LENGTH}")
            if change is not None and len(change) > MAX_META_VALUE_LENGTH:
                raise ApiError(400, f"Metadata value longer than {MAX_META_VALUE_LENGTH}")
        for key, change in changes.items():
            if change is None:
                meta.pop(key, None)
            else:
                meta[key] = change
        if len(meta) > MAX_META_COUNT:
            raise ApiError(400, f"Too many metadata items; max {MAX_META_COUNT}")

    @staticmethod
    def _meta_headers(meta: Mapping[str, str], kind: str) -> dict[str, str]:
        return {f"X-{_title(kind)}-Meta-{_title(k)}": v for k, v in sorted(meta.items())}

    # -- account ----------------------------------------------------------------------------

    def _account_headers(self, req: Request, account: Rec) -> dict[str, str]:
        containers = self._containers(req)
        headers = {
            "X-Account-Container-Count": str(len(containers)),
            "X-Account-Object-Count": str(sum(len(c["objects"]) for c in containers)),
            "X-Account-Bytes-Used": str(
                sum(o["bytes"] for c in containers for o in c["objects"].values())
            ),
            "X-Timestamp": str(account["created"]),
            "X-Account-Storage-Policy-Policy-0-Container-Count": str(len(containers)),
        }
        headers.update(self._meta_headers(account["meta"], "account"))
        return headers

    def _account_request(self, req: Request, account: Rec) -> Response:
        if req.method == "HEAD":
            return Response(204, None, self._account_headers(req, account))
        if req.method == "GET":
            items = [
                {
                    "name": c["name"],
                    "count": len(c["objects"]),
                    "bytes": sum(o["bytes"] for o in c["objects"].values()),
                    "last_modified": c["last_modified"],
                }
                for c in self._containers(req)
            ]
            return Response(200, _page(req, items), self._account_headers(req, account))
        if req.method == "POST":
            self._apply_meta(account["meta"], req.headers, "account")
            self.store.changed()
            return Response(204, None)
        raise ApiError(405, f"The method {req.method} is not allowed for this resource.")

    # -- containers -------------------------------------------------------------------------

    def _container_headers(self, rec: Rec) -> dict[str, str]:
        headers = {
            "X-Container-Object-Count": str(len(rec["objects"])),
            "X-Container-Bytes-Used": str(sum(o["bytes"] for o in rec["objects"].values())),
            "X-Timestamp": str(rec["created"]),
            "X-Put-Timestamp": str(rec["put"]),
            "X-Storage-Policy": STORAGE_POLICY,
            "Last-Modified": str(rec["last_modified_http"]),
        }
        for field, header in (
            ("read", "X-Container-Read"),
            ("write", "X-Container-Write"),
            ("versions", "X-Versions-Location"),
        ):
            if rec.get(field):
                headers[header] = str(rec[field])
        headers.update(self._meta_headers(rec["meta"], "container"))
        return headers

    def _set_acls(self, rec: Rec, headers: Mapping[str, str]) -> None:
        if "x-versions-location" in headers:
            rec["versions"] = headers["x-versions-location"].strip() or None
        if "x-remove-versions-location" in headers:
            rec["versions"] = None
        for field, header in (("read", "x-container-read"), ("write", "x-container-write")):
            if header in headers:
                rec[field] = headers[header].strip() or None
            if f"x-remove-container-{field}" in headers:
                rec[field] = None

    def _container_request(self, req: Request, name: str) -> Response:
        rec = self._container(req, name)
        if req.method == "PUT":
            return self._put_container(req, name, rec)
        if rec is None:
            raise ApiError(404, _NOT_FOUND)
        if req.method == "HEAD":
            return Response(204, None, self._container_headers(rec))
        if req.method == "GET":
            items = [
                {
                    "name": key,
                    "bytes": obj["bytes"],
                    "hash": obj["hash"],
                    "content_type": obj["content_type"],
                    "last_modified": obj["last_modified"],
                }
                for key, obj in sorted(rec["objects"].items())
            ]
            items = [i for i in items if str(i["name"]).startswith(req.arg("prefix") or "")]
            return Response(200, _page(req, items), self._container_headers(rec))
        if req.method == "POST":
            self._apply_meta(rec["meta"], req.headers, "container")
            self._set_acls(rec, req.headers)
            self.store.changed()
            return Response(204, None)
        if req.method == "DELETE":
            if rec["objects"]:
                raise ApiError(409, _CONFLICT)
            self.store.delete("swift_container", rec["id"])
            return Response(204, None)
        raise ApiError(405, f"The method {req.method} is not allowed for this resource.")

    def _put_container(self, req: Request, name: str, rec: Rec | None) -> Response:
        if len(name) > MAX_CONTAINER_NAME_LENGTH:
            raise ApiError(400, f"Container name length of {len(name)} longer than 256")
        status = 202
        if rec is None:
            status = 201
            stamp = _timestamp()
            rec = {
                "id": self._container_id(req, name),
                "_project": req.auth.project_id,
                "name": name,
                "meta": {},
                "read": None,
                "write": None,
                "versions": None,
                "objects": {},
                "created": stamp,
                "put": stamp,
                "last_modified": iso(micro=True),
                "last_modified_http": _http_date(),
            }
            meta: dict[str, str] = {}
            self._apply_meta(meta, req.headers, "container")
            rec["meta"] = meta
            self._set_acls(rec, req.headers)
            self.store.put("swift_container", rec)
        else:
            self._apply_meta(rec["meta"], req.headers, "container")
            self._set_acls(rec, req.headers)
            rec["put"] = _timestamp()
            self.store.changed()
        return Response(status, None)

    # -- objects ----------------------------------------------------------------------------

    def _object_headers(self, obj: Rec) -> dict[str, str]:
        headers = {
            "Etag": str(obj["hash"]),
            "X-Timestamp": str(obj["created"]),
            "Last-Modified": str(obj["last_modified_http"]),
        }
        headers.update(self._meta_headers(obj["meta"], "object"))
        return headers

    def _object_request(self, req: Request, container: str, name: str) -> Response:
        rec = self._container(req, container)
        if rec is None:
            raise ApiError(404, _NOT_FOUND)
        if len(name) > MAX_OBJECT_NAME_LENGTH:
            raise ApiError(400, f"Object name length of {len(name)} longer than 1024")
        objects: dict[str, Rec] = rec["objects"]
        if req.method == "PUT":
            meta: dict[str, str] = {}
            self._apply_meta(meta, req.headers, "object")
            obj = {
                "bytes": len(req.body),
                "hash": hashlib.md5(req.body, usedforsecurity=False).hexdigest(),
                "content_type": req.headers.get("content-type") or "application/octet-stream",
                "last_modified": iso(micro=True),
                "last_modified_http": _http_date(),
                "created": _timestamp(),
                "meta": meta,
                "data": req.body.decode("latin-1"),
            }
            self._archive(req, rec, name)
            objects[name] = obj
            rec["last_modified"] = obj["last_modified"]
            self.store.changed()
            return Response(201, None, {"Etag": str(obj["hash"])}, content_type="text/html")
        found = objects.get(name)
        if found is None:
            raise ApiError(404, _NOT_FOUND)
        if req.method == "HEAD":
            return Response(200, None, self._object_headers(found), str(found["content_type"]))
        if req.method == "GET":
            body = str(found["data"]).encode("latin-1")
            return Response(200, body, self._object_headers(found), str(found["content_type"]))
        if req.method == "POST":
            self._apply_meta(found["meta"], req.headers, "object")
            self.store.changed()
            return Response(202, None)
        if req.method == "DELETE":
            del objects[name]
            self._restore(req, rec, name)
            self.store.changed()
            return Response(204, None)
        raise ApiError(405, f"The method {req.method} is not allowed for this resource.")

    # -- versioning -------------------------------------------------------------------------

    def _versions(self, req: Request, rec: Rec) -> Rec | None:
        location = rec.get("versions")
        return self._container(req, str(location)) if location else None

    def _archive(self, req: Request, rec: Rec, name: str) -> None:
        """The object about to be overwritten, copied into the versions container."""
        old = rec["objects"].get(name)
        versions = self._versions(req, rec)
        if old is not None and versions is not None:
            versions["objects"][f"{len(name):03x}{name}/{old['created']}"] = dict(old)

    def _restore(self, req: Request, rec: Rec, name: str) -> None:
        """After a delete, the newest archived version becomes the object again."""
        versions = self._versions(req, rec)
        if versions is None:
            return
        prefix = f"{len(name):03x}{name}/"
        archived = sorted(k for k in versions["objects"] if k.startswith(prefix))
        if archived:
            rec["objects"][name] = versions["objects"].pop(archived[-1])


def _page(req: Request, items: list[Rec]) -> list[Rec]:
    """Swift's listing window: names after ``marker``, before ``end_marker``, ``limit`` many."""
    marker, end = req.arg("marker"), req.arg("end_marker")
    if marker:
        items = [i for i in items if str(i["name"]) > marker]
    if end:
        items = [i for i in items if str(i["name"]) < end]
    raw = req.arg("limit")
    try:
        limit = min(int(raw), CONTAINER_LISTING_LIMIT) if raw else CONTAINER_LISTING_LIMIT
    except ValueError as exc:
        raise ApiError(412, "Value of limit must be a positive integer") from exc
    return items[:limit]


def _http_date() -> str:
    return formatdate(now(), usegmt=True)
