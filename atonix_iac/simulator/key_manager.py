"""Barbican v1: secrets (with their payloads), containers and orders.

Pinned to Barbican's API as openstacksdk's ``key_manager`` reads it: creates answer 201 with
only a reference (``{"secret_ref": "<href>"}``; an order 202 with ``order_ref``); reads show
the metadata, never the payload, which is fetched from ``/secrets/{id}/payload`` with the
``Accept`` header naming its content type (``content_types.default`` in the metadata). A
payload may be given later, once, with ``PUT /secrets/{id}``. Orders are ``PENDING`` and turn
``ACTIVE`` (or ``ERROR``) after the ``order`` delay: a key order makes a symmetric secret, an
asymmetric order an RSA container of generated keys; certificate orders need a certificate
authority, which this cloud has none of (they end in ``ERROR``, as on a Barbican without a CA
plugin). Errors are Barbican's JSON ``{"code", "title", "description"}``; lists are
``{"secrets": [...], "total": n}`` paged by ``limit``/``offset``.
"""

from __future__ import annotations

import base64
import secrets as random_secrets
from typing import Any

from . import lifecycle, rsa_keys
from .backend import Backend
from .common import iso, new_id
from .errors import ApiError
from .protocol import Rec, Request, Response, ok
from .routing import Router

SECRET_TYPES = ("symmetric", "public", "private", "passphrase", "certificate", "opaque")
CONTAINER_TYPES = ("generic", "rsa", "certificate")
CONTENT_TYPES = (
    "text/plain",
    "application/octet-stream",
    "application/pkcs8",
    "application/pkix-cert",
)
# The secret names each container type allows (barbican/common/validators.py).
CONTAINER_SECRET_NAMES = {
    "rsa": {"public_key", "private_key", "private_key_passphrase"},
    "certificate": {"certificate", "private_key", "private_key_passphrase", "intermediates"},
}
MAX_PAYLOAD_BYTES = 10000


class KeyManager:
    """``/v1/secrets``, ``/v1/containers``, ``/v1/orders``."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("Not Found. Sorry but your princess is in another castle.")
        r.add("GET", "/secrets", self.list_secrets)
        r.add("POST", "/secrets", self.create_secret)
        r.add("GET", "/secrets/{id}", self.show_secret)
        r.add("PUT", "/secrets/{id}", self.put_payload)
        r.add("DELETE", "/secrets/{id}", self.delete_secret)
        r.add("GET", "/secrets/{id}/payload", self.get_payload)
        r.add("GET", "/containers", self.list_containers)
        r.add("POST", "/containers", self.create_container)
        r.add("GET", "/containers/{id}", self.show_container)
        r.add("DELETE", "/containers/{id}", self.delete_container)
        r.add("GET", "/orders", self.list_orders)
        r.add("POST", "/orders", self.create_order)
        r.add("GET", "/orders/{id}", self.show_order)
        r.add("DELETE", "/orders/{id}", self.delete_order)
        r.add("GET", "/quotas", self.own_quotas)
        self.router = r

    @staticmethod
    def discovery(req: Request, versioned: bool) -> Response:
        entry = {
            "id": "v1",
            "status": "stable",
            "updated": "2015-04-28T00:00:00Z",
            "media-types": [
                {
                    "base": "application/json",
                    "type": "application/vnd.openstack.key-manager-v1+json",
                }
            ],
            "links": [{"rel": "self", "href": f"{req.base_url}/key-manager/v1/"}],
        }
        if versioned:
            return ok({"version": entry})
        return ok({"versions": {"values": [entry]}}, 300)

    # -- helpers ----------------------------------------------------------------------------

    def _href(self, req: Request, kind: str, rid: str) -> str:
        return f"{req.base_url}/key-manager/v1/{kind}/{rid}"

    def _owned(self, req: Request, kind: str, rid: str, what: str) -> Rec:
        rec = self.store.get(kind, rid)
        if rec is None or rec["_project"] != req.auth.project_id:
            raise ApiError(404, f"{what} not found.")
        if lifecycle.settle(rec):
            self.store.changed()
        return rec

    def _page(self, req: Request, key: str, items: list[Rec]) -> Response:
        try:
            offset = int(req.arg("offset") or 0)
            limit = int(req.arg("limit") or 10)
        except ValueError as exc:
            raise ApiError(400, "Invalid limit or offset") from exc
        page = items[offset : offset + limit]
        body: Rec = {key: page, "total": len(items)}
        if offset + limit < len(items):
            body["next"] = req.url_with(offset=str(offset + limit), limit=str(limit))
        if offset > 0:
            body["previous"] = req.url_with(offset=str(max(0, offset - limit)), limit=str(limit))
        return ok(body)

    def _check_quota(self, req: Request, kind: str, quota: str) -> None:
        limit = int(self.backend.quota(req.auth.project_id, "key-manager").get(quota, -1))
        if 0 <= limit <= self.store.count(kind, req.auth.project_id):
            raise ApiError(
                403,
                f"Quota reached for project {req.auth.project_id}. Only {limit} {quota} "
                "are allowed.",
            )

    @staticmethod
    def _by_created(items: list[Rec]) -> list[Rec]:
        return sorted(items, key=lambda rec: (str(rec["created"]), str(rec["id"])))

    # -- secrets ----------------------------------------------------------------------------

    def _secret_view(self, req: Request, rec: Rec) -> Rec:
        view = {
            k: rec[k]
            for k in (
                "name",
                "status",
                "created",
                "updated",
                "expiration",
                "algorithm",
                "bit_length",
                "mode",
                "secret_type",
                "creator_id",
            )
        }
        view["secret_ref"] = self._href(req, "secrets", rec["id"])
        if rec.get("_payload") is not None:
            view["content_types"] = {"default": rec["_content_type"]}
        return view

    def _new_secret(self, req: Request, body: Rec, payload: bytes | None, content_type: str) -> Rec:
        stamp = iso(micro=True)
        rec: Rec = {
            "id": new_id(),
            "_project": req.auth.project_id,
            "name": body.get("name"),
            "status": "ACTIVE",
            "created": stamp,
            "updated": stamp,
            "expiration": body.get("expiration"),
            "algorithm": body.get("algorithm"),
            "bit_length": body.get("bit_length"),
            "mode": body.get("mode"),
            "secret_type": body.get("secret_type") or "opaque",
            "creator_id": req.auth.user_id,
            "_payload": None if payload is None else base64.b64encode(payload).decode(),
            "_content_type": content_type,
        }
        return self.store.put("key_secret", rec)

    def create_secret(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        self._check_quota(req, "key_secret", "secrets")
        secret_type = body.get("secret_type") or "opaque"
        if secret_type not in SECRET_TYPES:
            raise ApiError(
                400,
                f"Provided object does not match schema 'Secret': "
                f"'{secret_type}' is not one of {list(SECRET_TYPES)}",
            )
        bit_length = body.get("bit_length")
        if bit_length is not None and (not isinstance(bit_length, int) or bit_length < 0):
            raise ApiError(400, "Provided object does not match schema 'Secret': bit_length")
        payload_text = body.get("payload")
        payload: bytes | None = None
        content_type = str(body.get("payload_content_type") or "")
        if payload_text not in (None, ""):
            if not content_type:
                raise ApiError(
                    400,
                    "Provided object does not match schema 'Secret': If 'payload' is "
                    "supplied, 'payload_content_type' must also be supplied.",
                )
            payload = self._decode(str(payload_text), content_type, body)
        elif payload_text == "":
            raise ApiError(
                400,
                "Provided object does not match schema 'Secret': "
                "If 'payload' specified, must be non empty",
            )
        rec = self._new_secret(req, body, payload, content_type or "application/octet-stream")
        return ok({"secret_ref": self._href(req, "secrets", rec["id"])}, 201)

    @staticmethod
    def _decode(text: str, content_type: str, body: Rec) -> bytes:
        if content_type.split(";")[0].strip() not in CONTENT_TYPES:
            raise ApiError(415, f"Wrong payload content-type: {content_type}")
        encoding = body.get("payload_content_encoding")
        if content_type == "text/plain":
            if encoding:
                raise ApiError(400, "Invalid payload_content_encoding for text/plain")
            payload = text.encode()
        elif encoding == "base64":
            try:
                payload = base64.b64decode(text, validate=True)
            except ValueError as exc:
                raise ApiError(400, "Invalid payload for payload_content_encoding") from exc
        else:
            raise ApiError(400, "payload_content_encoding must be base64 for binary payloads")
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise ApiError(413, "Could not add secret data as it was too large")
        return payload

    def list_secrets(self, req: Request, params: dict[str, str]) -> Response:
        items = self._by_created(self.store.owned("key_secret", req.auth.project_id))
        name = req.arg("name")
        if name is not None:
            items = [s for s in items if s["name"] == name]
        return self._page(req, "secrets", [self._secret_view(req, s) for s in items])

    def show_secret(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_secret", params["id"], "Secret")
        return ok(self._secret_view(req, rec))

    def get_payload(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_secret", params["id"], "Secret")
        if rec.get("_payload") is None:
            raise ApiError(404, "Secret payload not found.")
        accept = req.headers.get("accept", "*/*").split(";")[0].strip()
        if accept not in ("*/*", rec["_content_type"]):
            raise ApiError(406, f"Wrong payload content-type: {accept}")
        data = base64.b64decode(rec["_payload"])
        return Response(200, data, content_type=str(rec["_content_type"]))

    def put_payload(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_secret", params["id"], "Secret")
        if rec.get("_payload") is not None:
            raise ApiError(409, "Secret already has data, cannot modify it.")
        content_type = req.headers.get("content-type", "").split(";")[0].strip()
        if content_type not in CONTENT_TYPES:
            raise ApiError(415, f"Wrong payload content-type: {content_type}")
        if not req.body:
            raise ApiError(400, "No payload provided")
        rec["_payload"] = base64.b64encode(req.body).decode()
        rec["_content_type"] = content_type
        rec["updated"] = iso(micro=True)
        self.store.changed()
        return Response(204, None)

    def delete_secret(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_secret", params["id"], "Secret")
        self.store.delete("key_secret", rec["id"])
        return Response(204, None)

    # -- containers -------------------------------------------------------------------------

    def _container_view(self, req: Request, rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_") and k != "id"}
        view["container_ref"] = self._href(req, "containers", rec["id"])
        view["secret_refs"] = [
            {"name": ref["name"], "secret_ref": self._href(req, "secrets", ref["secret_id"])}
            for ref in rec["_refs"]
        ]
        return view

    def _secret_id(self, req: Request, ref: str) -> str:
        secret_id = ref.rstrip("/").rsplit("/", 1)[-1]
        rec = self.store.get("key_secret", secret_id)
        if rec is None or rec["_project"] != req.auth.project_id:
            raise ApiError(404, f"Secret provided for '{ref}' doesn't exist.")
        return secret_id

    def _new_container(self, req: Request, name: Any, kind: str, refs: list[Rec]) -> Rec:
        stamp = iso(micro=True)
        return self.store.put(
            "key_container",
            {
                "id": new_id(),
                "_project": req.auth.project_id,
                "name": name,
                "type": kind,
                "status": "ACTIVE",
                "created": stamp,
                "updated": stamp,
                "creator_id": req.auth.user_id,
                "consumers": [],
                "_refs": refs,
            },
        )

    def create_container(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        self._check_quota(req, "key_container", "containers")
        kind = body.get("type")
        if kind not in CONTAINER_TYPES:
            raise ApiError(
                400,
                f"Provided object does not match schema 'Container': "
                f"'{kind}' is not one of {list(CONTAINER_TYPES)}",
            )
        refs: list[Rec] = []
        for item in body.get("secret_refs") or []:
            if not isinstance(item, dict) or not item.get("secret_ref"):
                raise ApiError(
                    400,
                    "Provided object does not match schema 'Container': "
                    "secret_ref is a required property",
                )
            name = item.get("name")
            allowed = CONTAINER_SECRET_NAMES.get(str(kind))
            if allowed is not None and name not in allowed:
                raise ApiError(
                    400,
                    f"Provided object does not match schema 'Container': "
                    f"only 'private_key', 'public_key' and 'private_key_passphrase' "
                    f"style names are allowed for {kind} containers, not {name!r}",
                )
            refs.append({"name": name, "secret_id": self._secret_id(req, str(item["secret_ref"]))})
        names = [r["name"] for r in refs]
        if len(names) != len(set(names)):
            raise ApiError(400, "Duplicate reference names are not allowed.")
        rec = self._new_container(req, body.get("name"), str(kind), refs)
        return ok({"container_ref": self._href(req, "containers", rec["id"])}, 201)

    def list_containers(self, req: Request, params: dict[str, str]) -> Response:
        items = self._by_created(self.store.owned("key_container", req.auth.project_id))
        name = req.arg("name")
        if name is not None:
            items = [c for c in items if c["name"] == name]
        return self._page(req, "containers", [self._container_view(req, c) for c in items])

    def show_container(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_container", params["id"], "Container")
        return ok(self._container_view(req, rec))

    def delete_container(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_container", params["id"], "Container")
        self.store.delete("key_container", rec["id"])
        return Response(204, None)

    # -- orders -----------------------------------------------------------------------------

    def _order_view(self, req: Request, rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_") and k != "id"}
        view["order_ref"] = self._href(req, "orders", rec["id"])
        for field, kind in (("secret_id", "secrets"), ("container_id", "containers")):
            if rec.get(field):
                view[field.replace("_id", "_ref")] = self._href(req, kind, rec[field])
            view.pop(field, None)
        return view

    def create_order(self, req: Request, params: dict[str, str]) -> Response:
        body = req.json_object()
        self._check_quota(req, "key_order", "orders")
        kind = body.get("type")
        if kind not in ("key", "asymmetric", "certificate"):
            raise ApiError(
                400,
                "Provided object does not match schema 'Order': "
                f"'{kind}' is not one of ['key', 'asymmetric', 'certificate']",
            )
        meta = body.get("meta") or {}
        if not isinstance(meta, dict):
            raise ApiError(400, "Provided object does not match schema 'Order': meta")
        if kind in ("key", "asymmetric") and (
            not meta.get("algorithm") or meta.get("bit_length") is None
        ):
            raise ApiError(
                400,
                "Provided object does not match schema 'Order': "
                "'algorithm' and 'bit_length' are required properties",
            )
        stamp = iso(micro=True)
        rec: Rec = {
            "id": new_id(),
            "_project": req.auth.project_id,
            "type": kind,
            "meta": meta,
            "status": "PENDING",
            "sub_status": "Unknown",
            "sub_status_message": "Unknown",
            "created": stamp,
            "updated": stamp,
            "creator_id": req.auth.user_id,
        }
        outcome = self.backend.outcome("order", str(meta.get("name") or ""))
        result = self._fulfil(req, rec) if outcome != "error" else {}
        if outcome == "error" or not result:
            result = {
                "sub_status": "cert_generation_error" if kind == "certificate" else "error",
                "sub_status_message": (
                    "No certificate authority plugin is configured"
                    if kind == "certificate"
                    else "Simulated order failure"
                ),
                "error_status_code": "500",
                "error_reason": "Process TypeOrder failure seen",
            }
        final = "ERROR" if "error_reason" in result else "ACTIVE"
        lifecycle.begin(
            rec, "PENDING", final, self.backend.delay("order"), result, stuck=outcome == "stuck"
        )
        self.store.put("key_order", rec)
        return ok({"order_ref": self._href(req, "orders", rec["id"])}, 202)

    def _fulfil(self, req: Request, rec: Rec) -> Rec:
        """The secret (or RSA container) the order makes, created now and shown once ACTIVE."""
        meta: Rec = rec["meta"]
        name = meta.get("name")
        base = {
            "name": name,
            "algorithm": meta.get("algorithm"),
            "bit_length": meta.get("bit_length"),
            "mode": meta.get("mode"),
            "expiration": meta.get("expiration"),
        }
        if rec["type"] == "key":
            size = int(meta.get("bit_length") or 256)
            data = random_secrets.token_bytes(max(1, size // 8))
            secret = self._new_secret(
                req, {**base, "secret_type": "symmetric"}, data, "application/octet-stream"
            )
            return {"secret_id": secret["id"], "sub_status": "Unknown"}
        if rec["type"] == "asymmetric":
            size = int(meta.get("bit_length") or 2048)
            if size < 1024:
                return {}
            private, public = rsa_keys.generate(size)
            passphrase = meta.get("pass_phrase")
            octets = "application/octet-stream"
            refs = [
                {
                    "name": "private_key",
                    "secret_id": self._new_secret(
                        req, {**base, "secret_type": "private"}, private, octets
                    )["id"],
                },
                {
                    "name": "public_key",
                    "secret_id": self._new_secret(
                        req, {**base, "secret_type": "public"}, public, octets
                    )["id"],
                },
            ]
            if passphrase:
                refs.append(
                    {
                        "name": "private_key_passphrase",
                        "secret_id": self._new_secret(
                            req,
                            {**base, "secret_type": "passphrase"},
                            str(passphrase).encode(),
                            "text/plain",
                        )["id"],
                    }
                )
            container = self._new_container(req, name, "rsa", refs)
            return {"container_id": container["id"]}
        return {}

    def list_orders(self, req: Request, params: dict[str, str]) -> Response:
        items = self._by_created(self.store.owned("key_order", req.auth.project_id))
        for rec in items:
            lifecycle.settle(rec)
        return self._page(req, "orders", [self._order_view(req, o) for o in items])

    def show_order(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_order", params["id"], "Order")
        return ok(self._order_view(req, rec))

    def delete_order(self, req: Request, params: dict[str, str]) -> Response:
        rec = self._owned(req, "key_order", params["id"], "Order")
        self.store.delete("key_order", rec["id"])
        return Response(204, None)

    def own_quotas(self, req: Request, params: dict[str, str]) -> Response:
        limits = self.backend.quota(req.auth.project_id, "key-manager")
        keys = ("secrets", "orders", "containers", "consumers", "cas")
        return ok({"quotas": {k: int(limits.get(k, -1)) for k in keys}})
