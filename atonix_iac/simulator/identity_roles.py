"""Keystone v3 role assignments: grant, check, revoke and list a role of a user or group on a
project or a domain, and ``GET /role_assignments`` with Keystone's filters.

``PUT /projects/{p}/users/{u}/roles/{r}`` (and the group and domain forms) answer 204; ``HEAD``
204 or 404; ``DELETE`` 204 or 404 (``Could not find role assignment``). Grants are kept by role
name on the user or group record (``_roles`` per project, ``_domain_roles`` per domain), which
is what token validation reads, so a user granted a role here can scope a token to the project.
"""

from __future__ import annotations

from typing import Any

from .backend import Backend
from .errors import ApiError
from .identity_admin import DOMAINS, PROJECTS, ROLES, IdentityAdmin, forbidden
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

_TARGETS = {"projects": ("project", "_roles"), "domains": ("domain", "_domain_roles")}
_ACTORS = {"users": "user", "groups": "group"}


class RoleAssignments:
    def __init__(self, admin: IdentityAdmin, backend: Backend) -> None:
        self.admin = admin
        self.store = backend.store

    def install(self, r: Router) -> None:
        for target in _TARGETS:
            for actor in _ACTORS:
                pattern = f"/{target}/{{target}}/{actor}/{{actor}}/roles"
                r.add("GET", pattern, self._lister(target, actor))
                for method in ("PUT", "HEAD", "DELETE"):
                    r.add(method, pattern + "/{role}", self._handler(target, actor, method))
        r.add("GET", "/role_assignments", self.list_assignments)

    def _resolve(
        self, req: Request, target: str, actor: str, params: dict[str, str]
    ) -> tuple[Rec, list[str]]:
        """The actor record and its list of role names on the target (created if needed)."""
        kind, scope = _TARGETS[target]
        self.admin.get(req, PROJECTS if kind == "project" else DOMAINS, params["target"])
        holder = self.store.get(_ACTORS[actor], params["actor"])
        if holder is None:
            raise ApiError(404, f"Could not find {_ACTORS[actor]}: {params['actor']}.")
        names: list[str] = holder.setdefault(scope, {}).setdefault(params["target"], [])
        return holder, names

    def _handler(self, target: str, actor: str, method: str) -> Any:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if not req.auth.is_admin:
                raise forbidden(f"identity:{'create' if method == 'PUT' else 'check'}_grant")
            _holder, names = self._resolve(req, target, actor, params)
            role = self.admin.get(req, ROLES, params["role"])
            if method == "PUT":
                if role["name"] not in names:
                    names.append(role["name"])
                    self.store.changed()
                return empty()
            if role["name"] not in names:
                raise ApiError(404, f"Could not find role assignment with role: {role['id']}.")
            if method == "DELETE":
                names.remove(role["name"])
                self.store.changed()
            return empty()

        return handler

    def _lister(self, target: str, actor: str) -> Any:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if not req.auth.is_admin:
                raise forbidden("identity:list_grants")
            _holder, names = self._resolve(req, target, actor, params)
            roles = [r for r in self.admin.records(req, ROLES) if r["name"] in names]
            return ok({"roles": [self.admin.view(req, ROLES, r) for r in roles]})

        return handler

    def list_assignments(self, req: Request, params: dict[str, str]) -> Response:
        want_user = req.arg("user.id")
        if not req.auth.is_admin and want_user != req.auth.user_id:
            raise forbidden("identity:list_role_assignments")
        role_ids = {r["name"]: r["id"] for r in self.admin.records(req, ROLES)}
        wanted = {
            "user": want_user,
            "group": req.arg("group.id"),
            "project": req.arg("scope.project.id"),
            "domain": req.arg("scope.domain.id"),
            "role": req.arg("role.id"),
        }
        items: list[Rec] = []
        for actor in ("user", "group"):
            for holder in self.store.table(actor).values():
                if wanted[actor] and holder["id"] != wanted[actor]:
                    continue
                if wanted["user" if actor == "group" else "group"]:
                    continue
                for scope, field in (("project", "_roles"), ("domain", "_domain_roles")):
                    for target_id, names in holder.get(field, {}).items():
                        if wanted[scope] and target_id != wanted[scope]:
                            continue
                        if wanted["domain" if scope == "project" else "project"]:
                            continue
                        for name in names:
                            role_id = role_ids.get(name)
                            if role_id is None or wanted["role"] not in (None, role_id):
                                continue
                            items.append(
                                {
                                    "role": {"id": role_id, "name": name},
                                    actor: {"id": holder["id"]},
                                    "scope": {scope: {"id": target_id}},
                                }
                            )
        return ok({"role_assignments": items, "links": {"self": None, "next": None}})
