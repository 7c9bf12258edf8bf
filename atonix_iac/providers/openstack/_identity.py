"""The stack identity every created cloud object carries, so it can be found again.

Neutron objects get tags ``atonix:<field>=<value>`` (Neutron tags are plain strings); Nova
servers and Cinder volumes get metadata keys ``atonix:<field>`` with the value. The fields are
workspace, environment, stack and address (the logical name, dotted through nested stacks).
Keypairs, server groups, security group rules and the relation types (router interface,
floating IP association, volume attachment) have no tags or metadata to carry it.

While an object is being created it also carries the create's token (``atonix:token``), by
which an object whose create outlived its run is found again; objects that carry nothing are
found by their natural key instead, created no earlier than the intent (``created_since``).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from atonix_iac.providers.base import ResourceIdentity

PREFIX = "atonix:"
FIELDS = ("workspace", "environment", "stack", "address")
TOKEN = f"{PREFIX}token"
# How much earlier than the intent a cloud's clock may stamp an object that is still ours.
CLOCK_SLACK = timedelta(seconds=120)


def identity_metadata(identity: ResourceIdentity) -> dict[str, str]:
    """Nova/Cinder metadata: ``{"atonix:stack": "web", ...}`` (values cut to Nova's 255)."""
    metadata = {f"{PREFIX}{name}": str(getattr(identity, name))[:255] for name in FIELDS}
    if identity.token:
        metadata[TOKEN] = identity.token
    return metadata


def identity_tags(identity: ResourceIdentity) -> list[str]:
    """Neutron tags: ``["atonix:stack=web", ...]`` (cut to Neutron's 255 characters)."""
    tags = [f"{PREFIX}{name}={getattr(identity, name)}"[:255] for name in FIELDS]
    if identity.token:
        tags.append(token_tag(identity.token))
    return tags


def token_tag(token: str) -> str:
    return f"{TOKEN}={token}"


def identity_tagged(tags: Iterable[str] | None) -> bool:
    """Whether an object already carries atonix tags (so it is not an untagged orphan)."""
    return any(str(t).startswith(PREFIX) for t in tags or [])


def created_since(created_at: Any, since: datetime | None) -> bool:
    """Whether a cloud object's ``created_at`` (ISO text, maybe without zone) is no earlier
    than ``since`` less the clock slack. Unknown times count as recent: the other filters
    (natural key, no atonix tags, not claimed) still apply."""
    if since is None or not created_at:
        return True
    try:
        stamp = datetime.fromisoformat(str(created_at).replace("Z", "+00:00"))
    except ValueError:
        return True
    if stamp.tzinfo is None:
        stamp = stamp.replace(tzinfo=UTC)
    if since.tzinfo is None:
        since = since.replace(tzinfo=UTC)
    return stamp >= since - CLOCK_SLACK


def user_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Metadata without our identity keys (what the template asked for)."""
    return {k: v for k, v in (metadata or {}).items() if not str(k).startswith(PREFIX)}


def user_tags(tags: Iterable[str] | None) -> list[str]:
    return [t for t in (tags or []) if not t.startswith(PREFIX)]


def with_identity_tags(tags: Iterable[str] | None, identity: ResourceIdentity) -> list[str]:
    return sorted(set(user_tags(tags)) | set(identity_tags(identity)))
