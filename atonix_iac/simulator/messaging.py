"""Zaqar v2: queues, their metadata, subscriptions and pre-signed URLs (``/messaging/v2``).

Pinned to Zaqar's wsgi v2 transport: every request needs a ``Client-ID`` header (400 without);
``PUT /queues/{name}`` creates a queue (201) and leaves an existing one as it is (204); its
metadata changes with a JSON-patch ``PATCH`` (``...-v2.0-json-patch``);
names match ``^[a-zA-Z0-9_-]{1,64}$``. A subscription is unique per queue and subscriber
(409), its ``ttl`` at least 60 seconds; ``POST /queues/{name}/share`` signs a URL with the
project's key (HMAC-SHA256 over paths, methods, project and expiry, as zaqar/common/urls.py).
Deleting a queue deletes its subscriptions; deletes answer 204 even when nothing was there.
Errors are falcon's ``{"title", "description"}``.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from .backend import Backend
from .common import iso, new_id, now
from .errors import ApiError
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

QUEUE, SUBSCRIPTION = "zaqar_queue", "zaqar_subscription"
_NAME = re.compile(r"^[a-zA-Z0-9_-]{1,64}$")
SUBSCRIBER_SCHEMES = ("http", "https", "mailto", "trust+http", "trust+https")
SHARE_PATHS = ("messages", "subscriptions", "claims")
SHARE_METHODS = ("GET", "HEAD", "OPTIONS", "POST", "PUT", "PATCH", "DELETE")
DEFAULT_METADATA = {
    "_max_messages_post_size": 262144,
    "_default_message_ttl": 3600,
    "_default_message_delay": 0,
}
_SIGNING_KEY = b"atonix-sim-zaqar-signing-key"


def _bad(message: str) -> ApiError:
    return ApiError(400, message)


def _queue_key(project_id: str, name: str) -> str:
    return f"{project_id}/{name}"


def sign(project: str, paths: list[str], methods: list[str], expires: str) -> str:
    """Zaqar's signature: HMAC-SHA256 of the paths, methods, project and expiry."""
    text = "\n".join([*sorted(paths), *sorted(methods), project, expires])
    return hmac.new(_SIGNING_KEY, text.encode(), hashlib.sha256).hexdigest()


class Messaging:
    """``/v2/queues``, ``/v2/queues/{name}`` (+ ``/subscriptions``, ``/share``)."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("Not found")
        r.add("GET", "/queues", self.list_queues)
        r.add("PUT", "/queues/{name}", self.create_queue)
        r.add("GET", "/queues/{name}", self.show_queue)
        r.add("PATCH", "/queues/{name}", self.patch_queue)
        r.add("DELETE", "/queues/{name}", self.delete_queue)
        r.add("POST", "/queues/{name}/share", self.share)
        r.add("GET", "/queues/{name}/subscriptions", self.list_subscriptions)
        r.add("POST", "/queues/{name}/subscriptions", self.create_subscription)
        r.add("GET", "/queues/{name}/subscriptions/{id}", self.show_subscription)
        r.add("PATCH", "/queues/{name}/subscriptions/{id}", self.update_subscription)
        r.add("DELETE", "/queues/{name}/subscriptions/{id}", self.delete_subscription)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "2",
            "status": "CURRENT",
            "updated": "2014-9-24T04:06:47Z",
            "links": [{"rel": "self", "href": f"{req.base_url}/messaging/v2/"}],
        }
        if versioned:
            return ok({"version": entry})
        return ok({"versions": [entry]}, 300)

    # -- helpers ----------------------------------------------------------------------------

    @staticmethod
    def _client(req: Request) -> None:
        if not req.headers.get("client-id"):
            raise _bad("The Client-ID header is required.")

    def _queue(self, req: Request, name: str) -> Rec:
        self._client(req)
        rec = self.store.get(QUEUE, _queue_key(req.auth.project_id, name))
        if rec is None:
            raise ApiError(404, "Queue metadata could not be retrieved.")
        return rec

    def _subscription(self, req: Request, queue: str, sid: str) -> Rec:
        self._client(req)
        rec = self.store.get(SUBSCRIPTION, sid)
        if rec is None or rec["_key"] != _queue_key(req.auth.project_id, queue):
            raise ApiError(404, "Subscription not found")
        return rec

    def _view(self, rec: Rec) -> Rec:
        out = {k: v for k, v in rec.items() if not k.startswith("_") and k != "project_id"}
        out["age"] = int(now() - float(rec["_created"]))
        return out

    # -- queues -----------------------------------------------------------------------------

    def list_queues(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        detailed = (req.arg("detailed") or "").lower() == "true"
        out = []
        for rec in sorted(self.store.owned(QUEUE, req.auth.project_id), key=lambda r: r["name"]):
            item: Rec = {"name": rec["name"], "href": f"/v2/queues/{rec['name']}"}
            if detailed:
                item["metadata"] = dict(rec["metadata"])
            out.append(item)
        return ok({"queues": out, "links": [{"rel": "next", "href": "/v2/queues?marker="}]})

    def create_queue(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        name = params["name"]
        if not _NAME.match(name):
            raise _bad(
                "Queue names may not be more than 64 characters long and may only contain "
                "ASCII letters, digits, underscores and dashes."
            )
        key = _queue_key(req.auth.project_id, name)
        if self.store.get(QUEUE, key) is not None:
            return empty(204)
        metadata = req.json_object() if req.body else {}
        rec: Rec = {
            "id": key,
            "name": name,
            "project_id": req.auth.project_id,
            "metadata": {**DEFAULT_METADATA, **metadata},
            "created_at": iso(),
        }
        self.store.put(QUEUE, rec)
        return empty(201)

    def show_queue(self, req: Request, params: dict[str, str]) -> Response:
        return ok(dict(self._queue(req, params["name"])["metadata"]))

    def patch_queue(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._queue(req, params["name"])
        content_type = req.headers.get("content-type", "")
        if "openstack-messaging-v2.0-json-patch" not in content_type:
            raise ApiError(
                415,
                "Accepted media type for PATCH: application/openstack-messaging-v2.0-json-patch.",
            )
        ops = req.json()
        if not isinstance(ops, list):
            raise _bad("Request body must be a JSON array of operations.")
        metadata = dict(rec["metadata"])
        for op in ops:
            path = str(op.get("path") if isinstance(op, dict) else "")
            if not path.startswith("/metadata/") or op.get("op") not in (
                "add",
                "replace",
                "remove",
            ):
                raise _bad(f"Invalid JSON patch operation: {op!r}")
            key = path.removeprefix("/metadata/")
            if op["op"] == "remove":
                if key not in metadata:
                    raise ApiError(409, f"Can't remove non-existent object {key}.")
                metadata.pop(key)
            elif op["op"] == "replace" and key not in metadata:
                raise ApiError(409, f"Can't replace non-existent object {key}.")
            else:
                metadata[key] = op.get("value")
        rec["metadata"] = metadata
        return ok(dict(metadata))

    def delete_queue(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        key = _queue_key(req.auth.project_id, params["name"])
        self.store.delete(QUEUE, key)
        for sub in [s for s in self.store.table(SUBSCRIPTION).values() if s["_key"] == key]:
            self.store.delete(SUBSCRIPTION, sub["id"])
        return empty(204)

    def share(self, req: Request, params: dict[str, str]) -> Response:
        self._queue(req, params["name"])
        body = req.json_object() if req.body else {}
        unknown = set(body) - {"methods", "expires", "paths"}
        if unknown:
            raise _bad(f"Unknown keys: {', '.join(sorted(unknown))}")
        paths = body.get("paths") or ["messages"]
        methods = body.get("methods") or ["GET"]
        if any(p not in SHARE_PATHS for p in paths):
            raise _bad(f"Invalid paths: {paths}; allowed: {', '.join(SHARE_PATHS)}")
        if any(m not in SHARE_METHODS for m in methods):
            raise _bad(f"Invalid methods: {methods}; allowed: {', '.join(SHARE_METHODS)}")
        expires = body.get("expires")
        if expires is None:
            expires = (datetime.now(UTC) + timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%S")
        try:
            moment = datetime.fromisoformat(str(expires))
        except ValueError as exc:
            raise _bad(f"Invalid expires value: {expires}") from exc
        if moment.replace(tzinfo=moment.tzinfo or UTC) <= datetime.now(UTC):
            raise _bad("Expiration date cannot be in the past.")
        full = [f"/v2/queues/{params['name']}/{p}" for p in paths]
        project = req.auth.project_id
        return ok(
            {
                "project": project,
                "paths": full,
                "methods": list(methods),
                "expires": str(expires),
                "signature": sign(project, full, list(methods), str(expires)),
            }
        )

    # -- subscriptions ----------------------------------------------------------------------

    def list_subscriptions(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        key = _queue_key(req.auth.project_id, params["name"])
        subs = [self._view(s) for s in self.store.table(SUBSCRIPTION).values() if s["_key"] == key]
        return ok({"subscriptions": subs, "links": []})

    def _check_subscription(self, body: Rec) -> None:
        if "subscriber" in body:
            scheme = urlsplit(str(body["subscriber"])).scheme
            if scheme not in SUBSCRIBER_SCHEMES:
                raise _bad(f"The subscriber type of subscription must be supported: {scheme}")
        ttl = body.get("ttl")
        if ttl is not None and (not isinstance(ttl, int) or isinstance(ttl, bool) or ttl < 60):
            raise _bad("The TTL for a subscription must be at least 60 seconds long.")
        if not isinstance(body.get("options", {}), dict):
            raise _bad("Options must be a dict.")

    def create_subscription(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        body = req.json_object()
        if not body.get("subscriber"):
            raise _bad("Missing subscriber parameter in the request body.")
        self._check_subscription(body)
        name = params["name"]
        key = _queue_key(req.auth.project_id, name)
        if any(
            s["_key"] == key and s["subscriber"] == body["subscriber"]
            for s in self.store.table(SUBSCRIPTION).values()
        ):
            raise ApiError(409, "Such subscription already exists. Subscriptions are unique "
                           "by project + queue + subscriber URI.")  # fmt: skip
        rec: Rec = {
            "id": new_id().replace("-", ""),
            "_key": key,
            "_created": now(),
            "project_id": req.auth.project_id,
            "source": name,
            "subscriber": body["subscriber"],
            "ttl": int(body.get("ttl") or 3600),
            "options": dict(body.get("options") or {}),
            "confirmed": not str(body["subscriber"]).startswith("mailto"),
        }
        self.store.put(SUBSCRIPTION, rec)
        return ok({"subscription_id": rec["id"]}, 201)

    def show_subscription(self, req: Request, params: dict[str, str]) -> Response:
        return ok(self._view(self._subscription(req, params["name"], params["id"])))

    def update_subscription(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._subscription(req, params["name"], params["id"])
        body = req.json_object()
        unknown = set(body) - {"subscriber", "ttl", "options"}
        if unknown:
            raise _bad(f"Unknown keys: {', '.join(sorted(unknown))}")
        self._check_subscription(body)
        rec.update(body)
        return empty(204)

    def delete_subscription(self, req: Request, params: dict[str, str]) -> Response:
        self._client(req)
        rec = self.store.get(SUBSCRIPTION, params["id"])
        if rec is not None and rec["_key"] == _queue_key(req.auth.project_id, params["name"]):
            self.store.delete(SUBSCRIPTION, rec["id"])
        return empty(204)
