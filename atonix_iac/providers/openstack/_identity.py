"""The stack identity every created cloud object carries, so it can be found again.

Neutron objects get tags ``atonix:<field>=<value>`` (Neutron tags are plain strings); Nova
servers and Cinder volumes get metadata keys ``atonix:<field>`` with the value. The fields are
workspace, environment, stack and address (the logical name, dotted through nested stacks).
Keypairs, server groups, security group rules and the relation types (router interface,
floating IP association, volume attachment) have no tags or metadata to carry it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity

PREFIX = "atonix:"
FIELDS = ("workspace", "environment", "stack", "address")


def identity_metadata(identity: ResourceIdentity) -> dict[str, str]:
    """Nova/Cinder metadata: ``{"atonix:stack": "web", ...}`` (values cut to Nova's 255)."""
    return {f"{PREFIX}{name}": str(getattr(identity, name))[:255] for name in FIELDS}


def identity_tags(identity: ResourceIdentity) -> list[str]:
    """Neutron tags: ``["atonix:stack=web", ...]`` (cut to Neutron's 255 characters)."""
    return [f"{PREFIX}{name}={getattr(identity, name)}"[:255] for name in FIELDS]


def user_metadata(metadata: Mapping[str, Any] | None) -> dict[str, Any]:
    """Metadata without our identity keys (what the template asked for)."""
    return {k: v for k, v in (metadata or {}).items() if not str(k).startswith(PREFIX)}


def user_tags(tags: Iterable[str] | None) -> list[str]:
    return [t for t in (tags or []) if not t.startswith(PREFIX)]


def with_identity_tags(tags: Iterable[str] | None, identity: ResourceIdentity) -> list[str]:
    return sorted(set(user_tags(tags)) | set(identity_tags(identity)))
