"""Keystone's JSON through the identity proxy, and the role-assignment reconciling the
Keystone types share.

Objects are created and read as Keystone's documents rather than SDK resources because
Keystone keeps unknown attributes ("extra") and returns them, and the SDK's resources drop
them: the create token rides as the extra attribute ``atonix_token``, so an interrupted create
is found by its natural key (name within its domain) *and* the token, never by name alone (a
same-named object made by someone else is not adopted).

A ``roles`` property is a list of ``{role, project}`` or ``{role, domain}`` (Heat's
KeystoneRoleAssignmentMixin): an update grants what the new list adds and revokes what it
drops, leaving grants made outside the template alone.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.errors import ProviderError
from atonix_iac.providers.openstack import _lookup
from atonix_iac.providers.openstack._errors import sdk_errors

TOKEN_ATTRIBUTE = "atonix_token"
Grant = tuple[str, str, str]  # (role id, "projects" | "domains", target id)


def call(conn: Any, method: str, path: str, action: str, body: Any = None) -> Any:
    """One request; the JSON answer (None for 204), or None for a 404 on GET/DELETE."""
    with sdk_errors(action):
        response = getattr(conn.identity, method)(path, json=body, raise_exc=False)
        if response.status_code == 404 and method in ("get", "delete", "head"):
            return None
        os_exceptions.raise_from_response(response)
        return response.json() if response.content else {}


def listing(conn: Any, plural: str, query: Mapping[str, str]) -> list[dict[str, Any]]:
    from urllib.parse import urlencode

    found = call(conn, "get", f"/{plural}?{urlencode(dict(query))}", f"listing {plural}") or {}
    items: list[dict[str, Any]] = found.get(plural) or []
    return items


def require_id(conn: Any, constraint: str, name_or_id: str) -> str:
    return str(_lookup.require(conn, constraint, name_or_id).id)


def grants(conn: Any, roles: Iterable[Mapping[str, Any]] | None) -> set[Grant]:
    """The template's ``roles`` as (role id, scope, target id) triples."""
    out: set[Grant] = set()
    for item in roles or []:
        role = require_id(conn, "keystone.role", str(item["role"]))
        if item.get("project"):
            out.add((role, "projects", require_id(conn, "keystone.project", str(item["project"]))))
        elif item.get("domain"):
            out.add((role, "domains", require_id(conn, "keystone.domain", str(item["domain"]))))
        else:
            raise ProviderError(f"role `{item['role']}` needs a `project` or a `domain`")
    return out


def live_grants(conn: Any, actor: str, actor_id: str) -> set[Grant]:
    query = {f"{actor}.id": actor_id}
    found = listing(conn, "role_assignments", query)
    out: set[Grant] = set()
    for item in found:
        scope = item.get("scope") or {}
        for kind, plural in (("project", "projects"), ("domain", "domains")):
            if kind in scope:
                out.add((str(item["role"]["id"]), plural, str(scope[kind]["id"])))
    return out


def apply_grants(
    conn: Any, actor_plural: str, actor_id: str, add: set[Grant], drop: set[Grant]
) -> None:
    for role, scope, target in sorted(drop):
        path = f"/{scope}/{target}/{actor_plural}/{actor_id}/roles/{role}"
        call(conn, "delete", path, f"revoking role {role} on {scope[:-1]} {target}")
    for role, scope, target in sorted(add):
        path = f"/{scope}/{target}/{actor_plural}/{actor_id}/roles/{role}"
        call(conn, "put", path, f"granting role {role} on {scope[:-1]} {target}")


def reported_roles(
    conn: Any, given: list[Mapping[str, Any]], actor: str, actor_id: str
) -> list[Mapping[str, Any]]:
    """The given roles still granted (all of them: the list unchanged, so no drift)."""
    live = live_grants(conn, actor, actor_id)
    kept = []
    for item in given:
        try:
            wanted = grants(conn, [item])
        except ProviderError:
            continue  # the role or its target is gone: the grant is too
        if wanted <= live:
            kept.append(item)
    return given if len(kept) == len(given) else kept
