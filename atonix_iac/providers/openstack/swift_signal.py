"""OS::Heat::SwiftSignalHandle and OS::Heat::SwiftSignal: a wait condition over a Swift TempURL,
as Heat's ``heat/engine/resources/openstack/heat/swiftsignal.py`` builds it.

The handle makes a versioned container for the stack (``X-Versions-Location`` on itself), an
object holding ``in progress`` and a PUT TempURL to it, signed with the account's
``Temp-URL-Key`` (set to a random key if the account has none); the URL is its reference
(``get_resource``) and ``endpoint``, ``curl_cli`` the command a server appends its JSON to.
Each PUT archives the previous body as a version, so the signal reads the object and its
versions (every object of the container whose name holds the handle's): it waits, up to
``timeout`` seconds, for ``count`` SUCCESS signals, fails on a FAILURE one, and exposes the
signals' data by id in ``data``. The URL expires at the end of the 32-bit epoch, as Heat's.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import secrets
import time
from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, Final
from urllib.parse import quote, unquote, urlparse

from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderError, ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import OpenStackResource, ReplacedOnChange
from atonix_iac.providers.openstack._errors import sdk_errors

IN_PROGRESS: Final = "in progress"
MAX_EPOCH: Final = 2147483647
POLL_INTERVAL_S: Final = 0.5


def _name(text: str) -> str:
    return "".join(c if c.isalnum() or c in "-_." else "-" for c in text)[:255]


class SwiftSignalHandle(ReplacedOnChange):
    type_name = "OS::Heat::SwiftSignalHandle"

    def _where(self, identity: ResourceIdentity) -> tuple[str, str]:
        """(container, object): one container per stack, one object per handle."""
        container = _name(f"{identity.workspace}-{identity.environment}-{identity.stack}")
        return container, _name(identity.address)

    def _key(self) -> str:
        store = self.conn.object_store
        with sdk_errors("reading the account's TempURL key"):
            found = store.get_account_metadata().meta_temp_url_key
            if found:
                return str(found)
            store.set_account_temp_url_key(secrets.token_hex(16))
            return str(store.get_account_metadata().meta_temp_url_key)

    def _url(self, container: str, obj: str) -> str:
        """The PUT TempURL: the signed path is the one Swift sees (from ``/v1/``)."""
        endpoint = str(self.conn.object_store.get_endpoint()).rstrip("/")
        full = urlparse(f"{endpoint}/{quote(container)}/{quote(obj)}")
        path = unquote(full.path)
        swift_path = path[path.index("/v1/") :] if "/v1/" in path else path
        expires = MAX_EPOCH - 60
        body = f"PUT\n{expires}\n{swift_path}".encode()
        sig = hmac.new(self._key().encode(), body, hashlib.sha256).hexdigest()
        return f"{full.scheme}://{full.netloc}{full.path}?temp_url_sig={sig}&temp_url_expires={expires}"

    @staticmethod
    def _attributes(url: str) -> dict[str, Any]:
        return {"endpoint": url, "token": "", "curl_cli": f"curl -i -X PUT '{url}'", "show": {}}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        container, obj = self._where(identity)
        store = self.conn.object_store
        with sdk_errors(f"creating signal object {container}/{obj}"):
            store.create_container(container, versions_location=container)
            store.create_object(container, obj, data=IN_PROGRESS)
        url = self._url(container, obj)
        return ResourceResult(url, self._attributes(url))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The object exists: the URL is the same (fixed expiry, the account's key)."""
        container, obj = self._where(identity)
        if self._head(container, obj) is None:
            return None
        url = self._url(container, obj)
        return None if url in claimed else url

    def _head(self, container: str, obj: str) -> Any:
        return self.fetch(
            lambda name: self.conn.object_store.get_object_metadata(name, container), obj, "object"
        )

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        container, obj = self._where(identity)
        if self._head(container, obj) is None:
            return None
        return ResourceResult(physical_id, self._attributes(physical_id), {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        """Every version of the object (each delete brings the previous one back), then the
        container unless another handle still uses it."""
        container, obj = self._where(identity)
        store = self.conn.object_store
        for _ in range(10_000):
            if not self.gone_ok(
                lambda: store.delete_object(obj, container=container, ignore_missing=False),
                f"signal object {container}/{obj}",
            ):
                break
        with sdk_errors(f"deleting signal container {container}"):
            gone_or_shared = (os_exceptions.NotFoundException, os_exceptions.ConflictException)
            with contextlib.suppress(*gone_or_shared):
                store.delete_container(container, ignore_missing=False)


class SwiftSignal(OpenStackResource):
    """Waits on a handle's object; not a cloud object itself (its id is the handle's)."""

    type_name = "OS::Heat::SwiftSignal"
    recoverable = False

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        url = str(properties["handle"])
        return ResourceResult(url, self.wait(url, properties))

    def _location(self, url: str) -> tuple[str, str]:
        parts = unquote(urlparse(url).path).split("/")
        if "v1" not in parts or len(parts) < parts.index("v1") + 4:
            raise ResourceFailedError(f"{url!r} is not a SwiftSignalHandle URL")
        at = parts.index("v1")
        return parts[at + 2], "/".join(parts[at + 3 :])

    def signals(self, url: str) -> list[dict[str, Any]]:
        """Heat's ``get_signals``: the object and its versions, parsed, defaults set, a
        signal repeating an earlier id replacing it."""
        container, obj = self._location(url)
        store = self.conn.object_store
        with sdk_errors(f"reading signals in {container}"):
            try:
                names = sorted(o.name for o in store.objects(container) if obj in o.name)
            except os_exceptions.NotFoundException:
                return []
            bodies = []
            for name in names:
                try:
                    raw = store.download_object(name, container=container)
                except os_exceptions.NotFoundException:
                    continue
                text = raw.decode() if isinstance(raw, bytes) else str(raw)
                if text == IN_PROGRESS:
                    continue
                try:
                    bodies.append(json.loads(text) if text else {})
                except ValueError as exc:
                    raise ResourceFailedError(f"Failed to parse JSON data: {text}") from exc
        signals: list[dict[str, Any]] = []
        for number, body in enumerate(bodies, start=1):
            signal = dict(body) if isinstance(body, Mapping) else {"data": body}
            if "id" in signal:
                signals = [s for s in signals if s.get("id") != signal["id"]]
            signal.setdefault("data", None)
            unique = signal.setdefault("id", number)
            signal.setdefault("reason", f"Signal {unique} received")
            signal.setdefault("status", "SUCCESS")
            signals.append(signal)
        return signals

    def wait(self, url: str, properties: Mapping[str, Any]) -> dict[str, Any]:
        count = int(properties.get("count") or 1)
        timeout = float(properties["timeout"])
        deadline = time.monotonic() + timeout
        while True:
            signals = self.signals(url)
            for signal in signals:
                if signal["status"] == "FAILURE":
                    raise ResourceFailedError(f"SwiftSignal failed: {signal['reason']}")
                if signal["status"] != "SUCCESS":
                    raise ResourceFailedError(f"Unknown status: {signal['status']}")
            if len(signals) >= count:
                data = {str(s["id"]): s["data"] for s in signals}
                return {"data": json.dumps(data), "show": {}}
            if time.monotonic() >= deadline:
                raise ProviderTimeoutError(
                    f"SwiftSignal timed out after {timeout:g}s with {len(signals)} of"
                    f" {count} signals"
                )
            time.sleep(POLL_INTERVAL_S)

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        """Nothing to read back: ``data`` stays as the create recorded it."""
        return ResourceResult(physical_id, {"show": {}}, {})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:  # pragma: no cover - has_handle_update is false: always replaced
        raise ProviderError(f"{self.type_name} cannot be updated in place")

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        return None


TYPES = (SwiftSignalHandle, SwiftSignal)
