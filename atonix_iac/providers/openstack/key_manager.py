"""Barbican: secrets, the three container types and orders, as Heat's barbican plugins make
them.

Heat gives none of them a handle_update, so any change replaces. The physical id is
Barbican's href (``.../v1/secrets/<uuid>``), which Heat stores as the resource id and templates
pass on (``get_resource`` of a secret is a container's ``ref``). Barbican objects carry no
metadata or tags, so an interrupted create is found by its natural key: the name (defaulted to
``<stack>-<address>`` when the template gives none) and a creation time no earlier than the
intent. The payload and the order's pass phrase are sensitive properties, the decrypted
payload and the generated private key sensitive attributes: state encrypts them, plans and
errors never show them. An order's destroy also deletes what the order generated (Heat's
leaves them behind, an orphan per stack).
"""

from __future__ import annotations

import base64
from collections.abc import Collection, Mapping
from datetime import datetime
from types import SimpleNamespace
from typing import Any, ClassVar

from atonix_iac.errors import Diagnostic, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _barbican
from atonix_iac.providers.openstack._base import ReplacedOnChange, default_name
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import created_since
from atonix_iac.providers.openstack._wait import wait_for_status

_SECRET_FIELDS = (
    "name",
    "payload",
    "payload_content_type",
    "payload_content_encoding",
    "algorithm",
    "bit_length",
    "mode",
    "secret_type",
    "expiration",
)
_ORDER_META = (
    "name",
    "payload_content_type",
    "mode",
    "expiration",
    "algorithm",
    "bit_length",
    "request_type",
    "subject_dn",
    "source_container_ref",
    "ca_id",
    "profile",
    "request_data",
    "pass_phrase",
)


def _text(data: bytes | None, content_type: str) -> str | None:
    """A payload as state can hold it: text as text, binary as base64 (Heat's encoding)."""
    if data is None:
        return None
    if content_type.startswith("text/"):
        return data.decode("utf-8", errors="replace")
    return base64.b64encode(data).decode()


class _Barbican(ReplacedOnChange):
    """What the secret, container and order types share: href ids, reads, natural keys."""

    kind: ClassVar[str]  # secrets, containers, orders
    ref_key: ClassVar[str]  # secret_ref, container_ref, order_ref
    what: ClassVar[str]

    def name(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> str:
        return str(properties.get("name") or default_name(identity))

    @staticmethod
    def listed_name(item: Mapping[str, Any]) -> Any:
        return item.get("name")

    def get(self, physical_id: str) -> dict[str, Any] | None:
        return _barbican.get_json(self.conn, self.kind, physical_id)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The newest object of our name created since the intent and not already in state."""
        name = self.name(identity, properties)
        query = {} if self.kind == "orders" else {"name": name}
        found = [
            str(item[self.ref_key])
            for item in _barbican.list_all(self.conn, self.kind, query)
            if self.listed_name(item) == name
            and str(item.get(self.ref_key)) not in claimed
            and created_since(item.get("created"), since)
        ]
        return found[-1] if found else None

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        found = self.read(identity, started.physical_id, properties)
        if found is None:
            raise ResourceFailedError(f"{self.what} {started.physical_id} is gone")
        return ResourceResult(started.physical_id, found.attributes)

    def attributes(self, doc: dict[str, Any]) -> dict[str, Any]:
        return {"status": doc.get("status"), "show": doc}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        doc = self.get(physical_id)
        if doc is None:
            return None
        reported: dict[str, Any] = {}
        if properties.get("name") is not None:
            live = self.listed_name(doc)
            reported["name"] = properties["name"] if live == properties["name"] else live
        return ResourceResult(physical_id, self.attributes(doc), reported)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        key = _barbican.uuid_of(physical_id)
        if not _barbican.is_uuid(key):
            return
        self.gone_ok(lambda: self._delete_now(key), f"{self.what} {key}")

    def _delete_now(self, key: str) -> None:
        getattr(self.conn.key_manager, f"delete_{self.kind[:-1]}")(key, ignore_missing=False)


class Secret(_Barbican):
    type_name = "OS::Barbican::Secret"
    kind, ref_key, what = "secrets", "secret_ref", "secret"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        payload = properties.get("payload")
        content_type = properties.get("payload_content_type")
        if isinstance(payload, str) and payload and content_type is None:
            diagnostics.append(
                Diagnostic(
                    "`payload_content_type` must be given with `payload`",
                    hint="text/plain for text, application/octet-stream with "
                    "payload_content_encoding: base64 for binary",
                )
            )
        if properties.get("payload_content_encoding") == "base64" and content_type == "text/plain":
            diagnostics.append(
                Diagnostic(
                    "`payload_content_encoding: base64` needs "
                    "`payload_content_type: application/octet-stream`"
                )
            )
        return diagnostics

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = {k: properties[k] for k in _SECRET_FIELDS if properties.get(k) not in (None, "")}
        body["name"] = self.name(identity, properties)
        with sdk_errors("creating secret"):
            created = self.conn.key_manager.create_secret(**body)
        return ResourceResult(str(created.secret_ref))

    def attributes(self, doc: dict[str, Any]) -> dict[str, Any]:
        content_type = (doc.get("content_types") or {}).get("default")
        data = None
        if content_type:
            data = _barbican.payload(self.conn, str(doc["secret_ref"]), str(content_type))
        return {
            "status": doc.get("status"),
            "decrypted_payload": _text(data, str(content_type or "")),
            "show": doc,
        }


class _Container(_Barbican):
    kind, ref_key, what = "containers", "container_ref", "container"
    container_type: ClassVar[str]
    # property -> the secret's name in the container (the RSA and certificate types)
    ref_properties: ClassVar[Mapping[str, str]] = {}

    def secret_refs(self, properties: Mapping[str, Any]) -> list[dict[str, str]]:
        return [
            {"name": name, "secret_ref": str(properties[prop])}
            for prop, name in self.ref_properties.items()
            if properties.get(prop)
        ]

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = {
            "name": self.name(identity, properties),
            "type": self.container_type,
            "secret_refs": self.secret_refs(properties),
        }
        with sdk_errors(f"creating {self.container_type} container"):
            created = self.conn.key_manager.create_container(**body)
        return ResourceResult(str(created.container_ref))

    def attributes(self, doc: dict[str, Any]) -> dict[str, Any]:
        refs = {str(r.get("name")): r.get("secret_ref") for r in doc.get("secret_refs") or []}
        return {
            "status": doc.get("status"),
            "container_ref": doc.get("container_ref"),
            "secret_refs": refs,
            "consumers": doc.get("consumers") or [],
            "show": doc,
        }


class GenericContainer(_Container):
    type_name = "OS::Barbican::GenericContainer"
    container_type = "generic"

    def secret_refs(self, properties: Mapping[str, Any]) -> list[dict[str, str]]:
        return [
            {"name": str(s["name"]), "secret_ref": str(s["ref"])}
            for s in properties.get("secrets") or []
        ]


class CertificateContainer(_Container):
    type_name = "OS::Barbican::CertificateContainer"
    container_type = "certificate"
    ref_properties = {
        "certificate_ref": "certificate",
        "private_key_ref": "private_key",
        "private_key_passphrase_ref": "private_key_passphrase",
        "intermediates_ref": "intermediates",
    }
    map_constraints = {p: "barbican.secret" for p in ref_properties}


class RSAContainer(_Container):
    type_name = "OS::Barbican::RSAContainer"
    container_type = "rsa"
    ref_properties = {
        "private_key_ref": "private_key",
        "private_key_passphrase_ref": "private_key_passphrase",
        "public_key_ref": "public_key",
    }
    map_constraints = {p: "barbican.secret" for p in ref_properties}


class Order(_Barbican):
    type_name = "OS::Barbican::Order"
    kind, ref_key, what = "orders", "order_ref", "order"

    @staticmethod
    def listed_name(item: Mapping[str, Any]) -> Any:
        return (item.get("meta") or {}).get("name")

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        meta = {k: properties[k] for k in _ORDER_META if properties.get(k) not in (None, "")}
        meta["name"] = self.name(identity, properties)
        with sdk_errors("creating order"):
            created = self.conn.key_manager.create_order(type=properties["type"], meta=meta)
        return ResourceResult(str(created.order_ref))

    def _status(self, physical_id: str) -> Any:
        doc = self.get(physical_id)
        if doc is None:
            return None
        reason = doc.get("sub_status_message") or doc.get("error_reason")
        return SimpleNamespace(status=doc.get("status"), fault={"message": reason}, doc=doc)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        wait_for_status(
            lambda: self._status(started.physical_id),
            ("ACTIVE",),
            what=f"order {started.physical_id}",
            timeout_s=self.timeout_s,
            failed=("ERROR",),
            physical_id=started.physical_id,
        )
        return super().finish_create(identity, started, properties)

    def attributes(self, doc: dict[str, Any]) -> dict[str, Any]:
        """Heat's: the refs, and the generated container's keys (read from its secrets)."""
        attrs: dict[str, Any] = {
            "status": doc.get("status"),
            "order_ref": doc.get("order_ref"),
            "secret_ref": doc.get("secret_ref"),
            "container_ref": doc.get("container_ref"),
            "show": {k: v for k, v in doc.items() if k != "meta"}
            | {"meta": {k: v for k, v in (doc.get("meta") or {}).items() if k != "pass_phrase"}},
        }
        for name in ("public_key", "private_key", "certificate", "intermediates"):
            attrs[name] = None
        container = doc.get("container_ref")
        if container:
            found = _barbican.get_json(self.conn, "containers", str(container)) or {}
            for ref in found.get("secret_refs") or []:
                if ref.get("name") in attrs and attrs[ref["name"]] is None:
                    secret = _barbican.get_json(self.conn, "secrets", str(ref["secret_ref"]))
                    kind = ((secret or {}).get("content_types") or {}).get("default")
                    if kind:
                        data = _barbican.payload(self.conn, str(ref["secret_ref"]), str(kind))
                        attrs[ref["name"]] = (
                            data.decode("utf-8", errors="replace") if data is not None else None
                        )
        return attrs

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        doc = self.get(physical_id)
        if doc is not None:
            self._delete_generated(doc)
        super().delete(identity, physical_id, properties)

    def _delete_generated(self, doc: Mapping[str, Any]) -> None:
        manager = self.conn.key_manager
        with sdk_errors(f"deleting what order {doc.get('order_ref')} generated"):
            container = doc.get("container_ref")
            if container:
                found = _barbican.get_json(self.conn, "containers", str(container)) or {}
                manager.delete_container(_barbican.uuid_of(str(container)), ignore_missing=True)
                for ref in found.get("secret_refs") or []:
                    manager.delete_secret(
                        _barbican.uuid_of(str(ref["secret_ref"])), ignore_missing=True
                    )
            if doc.get("secret_ref"):
                manager.delete_secret(
                    _barbican.uuid_of(str(doc["secret_ref"])), ignore_missing=True
                )


TYPES = (Secret, GenericContainer, CertificateContainer, RSAContainer, Order)
