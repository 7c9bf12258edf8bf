"""Zaqar: queues, subscriptions, Mistral triggers and pre-signed queue URLs.

Zaqar wants a ``Client-ID`` header on every request: one UUID per provider instance. A
queue's physical id is its name (``name`` or ``<stack>-<address>``, as Heat's
physical_resource_name); ``PUT`` creates it and is idempotent, so an interrupted create is
found again by its name carrying the create token in its metadata. Metadata changes go as a
JSON patch. A subscription is unique per queue and subscriber (Zaqar answers 409), which is
its natural key for an interrupted create. A Mistral trigger is a subscription whose
subscriber is Mistral's executions URL (``trust+<mistral>/executions``) and whose
``post_data`` starts the workflow, as Heat builds it. A signed URL is computed by Zaqar
once; deleting it does nothing (Zaqar cannot revoke one).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Collection, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar
from urllib.parse import quote, urlencode

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ResourceFailedError, suggest
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import (
    CloudSession,
    OpenStackResource,
    default_name,
    report,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import TOKEN
from atonix_iac.providers.openstack._json_api import call
from atonix_iac.providers.openstack.mistral import check_workflow

PATCH_TYPE = "application/openstack-messaging-v2.0-json-patch"
SUBSCRIBER_SCHEMES = ("http", "https", "mailto", "trust+http", "trust+https")
#: Zaqar's internal metadata (leading underscore): not the template's.
_INTERNAL = "_"


def queue_exists(conn: Any, client_id: str, name: str) -> bool:
    try:
        call(conn.message, "GET", f"/queues/{quote(name)}", headers={"Client-ID": client_id})
    except os_exceptions.NotFoundException:
        return False
    return True


def check_queue(session: CloudSession, client_id: str, name: Any, prop: str) -> list[Diagnostic]:
    """A queue the template names must exist (queues are made by ``PUT``, so a typo would
    otherwise silently make a new, empty one): "not found (did you mean ...)"."""
    if not isinstance(name, str) or not name:
        return []
    exists = session.cached(
        "check:zaqar.queue", name, lambda: queue_exists(session.conn, client_id, name)
    )
    if exists:
        return []
    with sdk_errors("listing queues"):
        listed = call(session.conn.message, "GET", "/queues", headers={"Client-ID": client_id})
    names = [q.get("name") for q in (listed or {}).get("queues") or []]
    return [Diagnostic(f"`{prop}`: queue `{name}` not found", hint=suggest(name, names))]


class _Zaqar(OpenStackResource):
    def __init__(self, session: CloudSession) -> None:
        super().__init__(session)
        self.client_id = str(uuid.uuid4())

    def zaqar(self, method: str, url: str, body: Any = None, **kwargs: Any) -> Any:
        headers = {"Client-ID": self.client_id, **kwargs.pop("headers", {})}
        return call(self.conn.message, method, url, body, headers=headers, **kwargs)

    def check_queue(self, name: Any, prop: str) -> list[Diagnostic]:
        return check_queue(self.session, self.client_id, name, prop)


class Queue(_Zaqar):
    type_name = "OS::Zaqar::Queue"

    def _name(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> str:
        return str(properties.get("name") or default_name(identity))

    def _metadata(self, physical_id: str) -> dict[str, Any] | None:
        with sdk_errors(f"reading queue {physical_id}", physical_id):
            try:
                found: dict[str, Any] = self.zaqar("GET", f"/queues/{quote(physical_id)}")
            except os_exceptions.NotFoundException:
                return None
        return found

    def _attributes(self, name: str, metadata: Mapping[str, Any]) -> dict[str, Any]:
        endpoint = str(self.conn.message.get_endpoint()).rstrip("/")
        return {
            "queue_id": name,
            "href": f"{endpoint}/queues/{quote(name)}",
            "show": {"metadata": show(dict(metadata))},
        }

    @staticmethod
    def user_metadata(metadata: Mapping[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in metadata.items() if not k.startswith(_INTERNAL) and k != TOKEN}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = self._name(identity, properties)
        metadata = dict(properties.get("metadata") or {})
        if identity.token:
            metadata[TOKEN] = identity.token
        with sdk_errors(f"creating queue {name}"):
            if queue_exists(self.conn, self.client_id, name):
                # PUT on an existing queue changes nothing: taking it over silently would
                # adopt another stack's queue.
                raise ResourceFailedError(f"queue `{name}` already exists", physical_id=name)
            self.zaqar("PUT", f"/queues/{quote(name)}", metadata)
        return ResourceResult(name)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        metadata = self._metadata(started.physical_id)
        if metadata is None:
            raise ResourceFailedError(f"queue {started.physical_id} is gone")
        return ResourceResult(started.physical_id, self._attributes(started.physical_id, metadata))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        name = self._name(identity, properties)
        if not identity.token or name in claimed:
            return None
        metadata = self._metadata(name)
        if metadata is not None and metadata.get(TOKEN) == identity.token:
            return name
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        metadata = self._metadata(physical_id)
        if metadata is None:
            return None
        live = {"name": physical_id, "metadata": self.user_metadata(metadata)}
        drift = report(properties, live, lambda _p, given, value: bool(given == value))
        return ResourceResult(physical_id, self._attributes(physical_id, metadata), drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        current = self._metadata(physical_id)
        if current is None:
            raise ResourceFailedError(f"queue {physical_id} is gone", physical_id=physical_id)
        wanted = dict(new.get("metadata") or {})
        have = self.user_metadata(current)
        ops: list[dict[str, Any]] = [
            {"op": "remove", "path": f"/metadata/{k}"} for k in sorted(set(have) - set(wanted))
        ]
        ops += [
            {"op": "add", "path": f"/metadata/{k}", "value": v}
            for k, v in sorted(wanted.items())
            if have.get(k) != v or k not in have
        ]
        with sdk_errors(f"updating queue {physical_id}", physical_id):
            if ops:
                self.zaqar(
                    "PATCH",
                    f"/queues/{quote(physical_id)}",
                    ops,
                    headers={"Content-Type": PATCH_TYPE},
                )
        metadata = self._metadata(physical_id) or {}
        return ResourceResult(physical_id, self._attributes(physical_id, metadata))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.zaqar("DELETE", f"/queues/{quote(physical_id)}"), f"queue {physical_id}"
        )


class Subscription(_Zaqar):
    type_name = "OS::Zaqar::Subscription"
    check_subscriber: ClassVar[bool] = True

    def subscriber(self, properties: Mapping[str, Any]) -> str:
        return str(properties.get("subscriber") or "")

    def options(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return dict(properties.get("options") or {})

    def data(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "subscriber": self.subscriber(properties),
            "ttl": properties.get("ttl"),
            "options": self.options(properties),
        }

    def url(self, properties: Mapping[str, Any], physical_id: str = "") -> str:
        base = f"/queues/{quote(str(properties['queue_name']))}/subscriptions"
        return f"{base}/{physical_id}" if physical_id else base

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        diagnostics += self.check_queue(properties.get("queue_name"), "queue_name")
        subscriber = properties.get("subscriber")
        if self.check_subscriber and isinstance(subscriber, str) and subscriber:
            scheme = subscriber.split(":", 1)[0]
            if scheme not in SUBSCRIBER_SCHEMES:
                hint = suggest(scheme, SUBSCRIBER_SCHEMES) or "use one of " + ", ".join(
                    SUBSCRIBER_SCHEMES
                )
                diagnostics.append(
                    Diagnostic(f"subscriber type `{scheme}` is not supported", hint=hint)
                )
        return diagnostics

    def _get(self, physical_id: str, properties: Mapping[str, Any]) -> dict[str, Any] | None:
        with sdk_errors(f"reading subscription {physical_id}", physical_id):
            try:
                found: dict[str, Any] = self.zaqar("GET", self.url(properties, physical_id))
            except os_exceptions.NotFoundException:
                return None
        return found

    def live(self, sub: Mapping[str, Any]) -> dict[str, Any]:
        return {
            "queue_name": sub.get("source"),
            "subscriber": sub.get("subscriber"),
            "ttl": sub.get("ttl"),
            "options": sub.get("options"),
        }

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        with sdk_errors(f"creating a subscription on queue {properties['queue_name']}"):
            answer = self.zaqar("POST", self.url(properties), self.data(properties))
        return ResourceResult(str(answer["subscription_id"]))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        sub = self._get(started.physical_id, properties)
        if sub is None:
            raise ResourceFailedError(f"subscription {started.physical_id} is gone")
        return ResourceResult(started.physical_id, {"show": show(sub)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """Zaqar keeps one subscription per queue and subscriber: that one, if unclaimed."""
        wanted = self.subscriber(properties)
        with sdk_errors("looking for an interrupted subscription create"):
            try:
                listed = self.zaqar("GET", self.url(properties)) or {}
            except os_exceptions.NotFoundException:
                return None
        for sub in listed.get("subscriptions") or []:
            if sub.get("subscriber") == wanted and str(sub.get("id")) not in claimed:
                return str(sub["id"])
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        sub = self._get(physical_id, properties)
        if sub is None:
            return None
        drift = report(properties, self.live(sub), lambda _p, given, value: given == value)
        return ResourceResult(physical_id, {"show": show(sub)}, drift)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        with sdk_errors(f"updating subscription {physical_id}", physical_id):
            self.zaqar("PATCH", self.url(new, physical_id), self.data(new))
        sub = self._get(physical_id, new) or {}
        return ResourceResult(physical_id, {"show": show(sub)})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.zaqar("DELETE", self.url(properties, physical_id)),
            f"subscription {physical_id}",
        )


class MistralTrigger(Subscription):
    """A subscription that starts a Mistral workflow for each message (Heat's post_data)."""

    type_name = "OS::Zaqar::MistralTrigger"
    check_subscriber = False

    def subscriber(self, properties: Mapping[str, Any]) -> str:
        endpoint = str(self.conn.workflow.get_endpoint()).rstrip("/")
        return f"trust+{endpoint}/executions"

    def options(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        params = dict(properties.get("params") or {})
        params["env"] = {**(params.get("env") or {}), "notification": "$zaqar_message$"}
        post_data = {
            "workflow_id": properties.get("workflow_id"),
            "params": params,
            "input": dict(properties.get("input") or {}),
        }
        return {"post_data": json.dumps(post_data)}

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        workflow = properties.get("workflow_id")
        if isinstance(workflow, str) and workflow:
            diagnostics += check_workflow(self.session, workflow, "workflow_id")
        return diagnostics

    def live(self, sub: Mapping[str, Any]) -> dict[str, Any]:
        options = sub.get("options") or {}
        post = json.loads(options.get("post_data") or "{}")
        params = dict(post.get("params") or {})
        env = dict(params.get("env") or {})
        env.pop("notification", None)
        if env:
            params["env"] = env
        else:
            params.pop("env", None)
        return {
            "queue_name": sub.get("source"),
            "ttl": sub.get("ttl"),
            "workflow_id": post.get("workflow_id"),
            "params": params,
            "input": post.get("input"),
        }


class SignedQueueURL(_Zaqar):
    """Zaqar signs the URL once; the signature, expiry, paths and methods live in state."""

    type_name = "OS::Zaqar::SignedQueueURL"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        return super().check(properties) + self.check_queue(properties.get("queue"), "queue")

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        queue = str(properties["queue"])
        body: dict[str, Any] = {}
        for name in ("paths", "methods"):
            if properties.get(name):
                body[name] = list(properties[name])
        if properties.get("ttl") is not None:
            expires = datetime.now(UTC) + timedelta(seconds=int(properties["ttl"]))
            body["expires"] = expires.strftime("%Y-%m-%dT%H:%M:%S")
        with sdk_errors(f"signing a URL for queue {queue}"):
            signed = self.zaqar("POST", f"/queues/{quote(queue)}/share", body)
        query = {
            "signature": signed["signature"],
            "expires": signed["expires"],
            "paths": ",".join(signed["paths"]),
            "methods": ",".join(signed["methods"]),
            "project_id": signed["project"],
            "queue_name": queue,
        }
        attributes = {
            "signature": signed["signature"],
            "expires": signed["expires"],
            "paths": list(signed["paths"]),
            "methods": list(signed["methods"]),
            "project": signed["project"],
            "query_str": urlencode(query),
            "show": show(signed),
        }
        return ResourceResult(default_name(identity), attributes)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        return None  # nothing lives in the cloud: signing again is harmless

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        """The URL stands while its queue does."""
        exists = queue_exists(self.conn, self.client_id, str(properties.get("queue") or ""))
        return ResourceResult(physical_id) if exists else None

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ResourceFailedError("a signed queue URL cannot change: it is replaced")

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        return None  # Zaqar cannot revoke a signed URL; it expires


TYPES: tuple[type[_Zaqar], ...] = (Queue, Subscription, MistralTrigger, SignedQueueURL)
