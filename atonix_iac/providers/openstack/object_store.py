"""Swift containers (OS::Swift::Container), as Heat's SwiftContainer makes them.

Heat gives the container no handle_update, so any property change replaces it. The stack
identity rides in container metadata (``X-Container-Meta-Atonix-*``: HTTP header names cannot
hold ``:``), sent with the one PUT that creates the container, so an interrupted create is
found again by its name and token. Swift's PUT is idempotent (an existing container answers
202 and takes the new headers), so the create first checks that the name is free: a container
someone else owns is refused, never silently taken over. Delete refuses a non-empty container
unless ``PurgeOnDelete`` is set, as Heat does. Swift has no project quotas to count (account
quotas are operator-set metadata), so containers add no quota demand.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any
from urllib.parse import quote, urlparse

from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import ReplacedOnChange, default_name
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import identity_metadata

# Swift lower-cases nothing but the SDK does: metadata keys read back are lower case.
IDENTITY_PREFIX = "atonix-"
TOKEN_KEY = f"{IDENTITY_PREFIX}token"
# Headers of a HEAD that describe the container (HeadContainer); the rest is per-request noise.
_HEAD_PREFIXES = ("x-container-", "x-storage-policy", "x-timestamp")


def swift_identity_metadata(identity: ResourceIdentity) -> dict[str, str]:
    """``{"atonix-stack": "web", ...}``: the identity keys with ``:`` made ``-``."""
    return {k.replace(":", "-"): v for k, v in identity_metadata(identity).items()}


def _user_meta(metadata: Mapping[str, Any] | None) -> dict[str, str]:
    """Metadata without the identity keys, keys lower-cased as the SDK reads them back."""
    return {
        str(k).lower(): str(v)
        for k, v in (metadata or {}).items()
        if not str(k).lower().startswith(IDENTITY_PREFIX)
    }


class SwiftContainer(ReplacedOnChange):
    type_name = "OS::Swift::Container"

    def _name(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> str:
        return str(properties.get("name") or default_name(identity))

    def _head(self, name: str) -> Any:
        """The container's HEAD (SDK Container), or None if there is none."""
        return self.fetch(self.conn.object_store.get_container_metadata, name, "container")

    def _headers(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> dict[str, str]:
        headers: dict[str, str] = {}
        meta = {
            **_user_meta(properties.get("X-Container-Meta")),
            **swift_identity_metadata(identity),
        }
        for key, value in meta.items():
            headers[f"X-Container-Meta-{key}"] = value
        for key in ("X-Container-Read", "X-Container-Write"):
            if properties.get(key) is not None:
                headers[key] = str(properties[key])
        return headers

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = self._name(identity, properties)
        existing = self._head(name)
        if existing is not None and (existing.metadata or {}).get(TOKEN_KEY) != identity.token:
            raise ProviderError(
                f"container `{name}` already exists in this project; give the resource "
                "another `name` (Swift would otherwise take it over)"
            )
        store = self.conn.object_store
        with sdk_errors(f"creating container {name}"):
            response = store.put(
                quote(name, safe=""), headers=self._headers(identity, properties), raise_exc=False
            )
            os_exceptions.raise_from_response(response)
            account_meta = {
                str(k): str(v) for k, v in (properties.get("X-Account-Meta") or {}).items()
            }
            if account_meta:
                store.set_account_metadata(**account_meta)
        return ResourceResult(name)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """By name: a container is unique within its account, and ours carries the token."""
        name = self._name(identity, properties)
        if not identity.token or name in claimed:
            return None
        found = self._head(name)
        if found is not None and (found.metadata or {}).get(TOKEN_KEY) == identity.token:
            return name
        return None

    def attributes(self, name: str, head: Any) -> dict[str, Any]:
        endpoint = urlparse(str(self.conn.object_store.get_endpoint()))
        root = f"{endpoint.scheme}://{endpoint.netloc}{endpoint.path}"
        raw = dict(getattr(head, "_last_headers", {}) or {})
        headers = {k.lower(): v for k, v in raw.items() if k.lower().startswith(_HEAD_PREFIXES)}
        return {
            "DomainName": endpoint.hostname,
            "WebsiteURL": f"{root}/{name}",
            "RootURL": root,
            "ObjectCount": head.object_count,
            "BytesUsed": head.bytes_used,
            "HeadContainer": headers,
            "show": {"name": name, **headers},
        }

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        head = self._head(started.physical_id)
        if head is None:
            raise ResourceFailedError(f"container {started.physical_id} is gone")
        return ResourceResult(started.physical_id, self.attributes(started.physical_id, head))

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        head = self._head(physical_id)
        if head is None:
            return None
        reported: dict[str, Any] = {}
        if properties.get("name") is not None:
            reported["name"] = physical_id
        given_meta = properties.get("X-Container-Meta")
        live_meta = _user_meta(head.metadata)
        if given_meta is not None:
            same = _user_meta(given_meta) == live_meta
            reported["X-Container-Meta"] = given_meta if same else live_meta
        for key, live in (
            ("X-Container-Read", head.read_ACL),
            ("X-Container-Write", head.write_ACL),
        ):
            given = properties.get(key)
            if given is not None:
                reported[key] = given if (given or None) == (live or None) else live
        return ResourceResult(physical_id, self.attributes(physical_id, head), reported)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        store = self.conn.object_store
        with sdk_errors(f"deleting container {physical_id}"):
            try:
                objects = [str(o.name) for o in store.objects(physical_id)]
            except os_exceptions.NotFoundException:
                return
            if objects and not properties.get("PurgeOnDelete"):
                raise ProviderError(
                    f"container {physical_id} holds {len(objects)} object(s) and PurgeOnDelete "
                    "is false: empty it, or set `PurgeOnDelete: true` to delete them with it"
                )
            for name in objects:
                store.delete_object(name, container=physical_id, ignore_missing=True)
        self.gone_ok(
            lambda: store.delete_container(physical_id, ignore_missing=False),
            f"container {physical_id}",
        )
