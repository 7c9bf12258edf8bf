"""The plan-time refusal of a type that needs an admin (identity, flavors, quotas, volume
types) when the binding's token holds no ``admin`` role: said plainly before anything is
created, rather than as a 403 halfway through an apply."""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import Diagnostic
from atonix_iac.providers.openstack._errors import sdk_errors

ADMIN_ROLE = "admin"


def token_roles(conn: Any) -> frozenset[str]:
    with sdk_errors("reading the binding's roles"):
        access = conn.session.auth.get_access(conn.session)
    return frozenset(access.role_names or ())


def admin_diagnostic(resource: Any) -> Diagnostic | None:
    """None when the binding is an admin; else the error, for ``resource`` (an
    ``OpenStackResource``: its session caches the roles, read once per provider)."""
    session = resource.session
    roles = session.cached("token-roles", "token", lambda: token_roles(session.conn))
    if ADMIN_ROLE in roles:
        return None
    return Diagnostic(
        f"{resource.type_name} needs an admin binding: the token of "
        f"{session.target.describe()} holds roles {', '.join(sorted(roles)) or 'none'}, "
        f"not `{ADMIN_ROLE}`",
        hint="bind this environment to a cloud whose user has the admin role",
    )
