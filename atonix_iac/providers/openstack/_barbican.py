"""Barbican's JSON read through the key_manager proxy, for what the SDK's resources hide.

The SDK's ``Secret.fetch`` reads the body without checking the status (a missing secret comes
back as an empty object, not a 404) and its ``Order`` drops ``container_ref``; so reads here
GET the documents themselves. References are Barbican's hrefs (``.../v1/secrets/<uuid>``), as
Heat stores them; a bare UUID is accepted too.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.providers.openstack._errors import sdk_errors

PAGE = 100


def uuid_of(ref: str) -> str:
    """The UUID at the end of a Barbican href (or the text itself)."""
    return str(ref).rstrip("/").rsplit("/", 1)[-1]


def is_uuid(text: str) -> bool:
    try:
        return str(uuid.UUID(text)) == text.lower()
    except ValueError:
        return False


def get_json(conn: Any, kind: str, ref: str) -> dict[str, Any] | None:
    """``GET /v1/<kind>/<uuid>``'s document, or None if Barbican says 404."""
    key = uuid_of(ref)
    if not is_uuid(key):
        return None
    with sdk_errors(f"reading {kind[:-1]} {key}"):
        response = conn.key_manager.get(f"{kind}/{key}", raise_exc=False)
        if response.status_code == 404:
            return None
        os_exceptions.raise_from_response(response)
        body: dict[str, Any] = response.json()
    return body


def payload(conn: Any, ref: str, content_type: str) -> bytes | None:
    """A secret's payload, asked for in its own content type; None if it has none."""
    with sdk_errors(f"reading the payload of secret {uuid_of(ref)}"):
        response = conn.key_manager.get(
            f"secrets/{uuid_of(ref)}/payload", headers={"Accept": content_type}, raise_exc=False
        )
        if response.status_code == 404:
            return None
        os_exceptions.raise_from_response(response)
        data: bytes = response.content
    return data


def list_all(conn: Any, kind: str, params: Mapping[str, str] | None = None) -> Iterator[Any]:
    """Every document of ``kind`` in the project, following ``next`` links."""
    query: dict[str, Any] = {"limit": PAGE, "offset": 0, **(params or {})}
    with sdk_errors(f"listing {kind}"):
        while True:
            response = conn.key_manager.get(kind, params=query, raise_exc=False)
            os_exceptions.raise_from_response(response)
            body = response.json()
            items = body.get(kind) or []
            yield from items
            if not body.get("next") or not items:
                return
            query["offset"] = int(query["offset"]) + len(items)


def find(conn: Any, kind: str, name_or_ref: str) -> dict[str, Any] | None:
    """By href or UUID, else by name (several of that name: the newest)."""
    if is_uuid(uuid_of(name_or_ref)):
        return get_json(conn, kind, name_or_ref)
    named = [i for i in list_all(conn, kind, {"name": name_or_ref}) if i.get("name") == name_or_ref]
    return named[-1] if named else None


def names(conn: Any, kind: str) -> list[str]:
    return [str(i["name"]) for i in list_all(conn, kind) if i.get("name")]
