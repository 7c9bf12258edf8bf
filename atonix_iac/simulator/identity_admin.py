"""Keystone v3's administration API: domains, projects, users, groups, roles, services,
endpoints and regions (create, show, update, delete, list), group membership.

Pinned to Keystone as openstacksdk's ``identity`` proxy reads it: bodies wrapped in the
singular key (``{"domain": {...}}``), creates 201, updates ``PATCH`` 200, deletes 204; names
unique within their domain (409 ``Conflict occurred attempting to store ...``); a domain is
deleted only once disabled (403); every write needs the ``admin`` role (403
``identity:<action>``). The built-in catalog's services and endpoints are listed alongside the
ones created here. Role assignments live in :mod:`identity_roles`.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .backend import Backend
from .common import hex_id
from .errors import ApiError
from .identity import REGION, Identity
from .protocol import Rec, Request, Response, empty, ok
from .routing import Router

DEFAULT_DOMAIN: Rec = {
    "id": "default",
    "name": "Default",
    "description": "The default domain",
    "enabled": True,
    "tags": [],
    "options": {},
}


@dataclass(frozen=True)
class Kind:
    """One Keystone collection: its table, wire names and the fields a body may set."""

    table: str
    singular: str
    plural: str
    fields: tuple[str, ...]
    defaults: tuple[tuple[str, Any], ...] = ()
    unique_in_domain: bool = False


DOMAINS = Kind("domain", "domain", "domains", ("name", "description", "enabled", "tags"),
               (("description", ""), ("enabled", True), ("tags", []), ("options", {})))  # fmt: skip
PROJECTS = Kind(
    "project",
    "project",
    "projects",
    ("name", "description", "enabled", "domain_id", "parent_id", "tags", "is_domain"),
    (("description", ""), ("enabled", True), ("domain_id", "default"), ("tags", []),
     ("is_domain", False), ("options", {})),
    unique_in_domain=True,
)  # fmt: skip
USERS = Kind(
    "user",
    "user",
    "users",
    ("name", "description", "enabled", "domain_id", "default_project_id", "email"),
    (("enabled", True), ("domain_id", "default"), ("password_expires_at", None),
     ("options", {})),
    unique_in_domain=True,
)  # fmt: skip
GROUPS = Kind("group", "group", "groups", ("name", "description", "domain_id"),
              (("description", ""), ("domain_id", "default")), unique_in_domain=True)  # fmt: skip
ROLES = Kind("role", "role", "roles", ("name", "description", "domain_id"),
             (("domain_id", None), ("description", None), ("options", {})))  # fmt: skip
SERVICES = Kind("kservice", "service", "services", ("name", "type", "description", "enabled"),
                (("enabled", True),))  # fmt: skip
ENDPOINTS = Kind(
    "kendpoint",
    "endpoint",
    "endpoints",
    ("interface", "url", "service_id", "region_id", "enabled", "name"),
    (("enabled", True),),
)
REGIONS = Kind("region", "region", "regions", ("description", "parent_region_id"),
               (("description", ""), ("parent_region_id", None)))  # fmt: skip
INTERFACES = ("public", "internal", "admin")
_RESERVED = frozenset({"id", "links", "password", "region"})


def forbidden(action: str) -> ApiError:
    return ApiError(403, f"You are not authorized to perform the requested action: {action}.")


class IdentityAdmin:
    """The handlers, installed on the Identity router."""

    def __init__(self, identity: Identity, backend: Backend) -> None:
        self.identity = identity
        self.store = backend.store

    def install(self, r: Router) -> None:
        for kind in (DOMAINS, USERS, GROUPS, ROLES, SERVICES, ENDPOINTS, REGIONS):
            r.add("POST", f"/{kind.plural}", self._create(kind))
            r.add("GET", f"/{kind.plural}/{{id}}", self._show(kind))
            r.add("PATCH", f"/{kind.plural}/{{id}}", self._update(kind))
            r.add("DELETE", f"/{kind.plural}/{{id}}", self._delete(kind))
        for kind in (DOMAINS, GROUPS, ROLES, SERVICES, ENDPOINTS, REGIONS):
            r.add("GET", f"/{kind.plural}", self._list(kind))
        r.add("POST", "/projects", self._create(PROJECTS))
        r.add("PATCH", "/projects/{id}", self._update(PROJECTS))
        r.add("DELETE", "/projects/{id}", self._delete(PROJECTS))
        r.add("GET", "/users/{id}/groups", self.user_groups)
        r.add("GET", "/groups/{id}/users", self.group_users)
        r.add("PUT", "/groups/{id}/users/{uid}", self.add_member)
        r.add("HEAD", "/groups/{id}/users/{uid}", self.check_member)
        r.add("DELETE", "/groups/{id}/users/{uid}", self.remove_member)

    # -- records ----------------------------------------------------------------------------

    def records(self, req: Request, kind: Kind) -> list[Rec]:
        items = list(self.store.table(kind.table).values())
        if kind is DOMAINS and "default" not in self.store.table("domain"):
            items.insert(0, dict(DEFAULT_DOMAIN))
        if kind is SERVICES:
            items = self._builtin_services(req) + items
        if kind is ENDPOINTS:
            items = self._builtin_endpoints(req) + items
        if kind is REGIONS and REGION not in self.store.table("region"):
            items.insert(0, {"id": REGION, "description": "", "parent_region_id": None})
        return items

    def get(self, req: Request, kind: Kind, rid: str) -> Rec:
        for rec in self.records(req, kind):
            if rec["id"] == rid:
                return rec
        raise ApiError(404, f"Could not find {kind.singular}: {rid}.")

    def _builtin_services(self, req: Request) -> list[Rec]:
        project = req.ctx.project_id if req.ctx else ""
        return [
            {"id": s["id"], "type": s["type"], "name": s["name"], "enabled": True, "_builtin": True}
            for s in self.identity.catalog(req.base_url, project)
        ]

    def _builtin_endpoints(self, req: Request) -> list[Rec]:
        project = req.ctx.project_id if req.ctx else ""
        return [
            {**ep, "service_id": s["id"], "enabled": True, "_builtin": True}
            for s in self.identity.catalog(req.base_url, project)
            for ep in s["endpoints"]
        ]

    def view(self, req: Request, kind: Kind, rec: Rec) -> Rec:
        out = {k: v for k, v in rec.items() if not k.startswith("_")}
        if kind is ENDPOINTS:
            out["region"] = out.get("region_id")
        out["links"] = {"self": f"{req.base_url}/identity/v3/{kind.plural}/{rec['id']}"}
        return out

    def _admin(self, req: Request, action: str) -> None:
        if not req.auth.is_admin:
            raise forbidden(f"identity:{action}")

    def _validate(self, req: Request, kind: Kind, rec: Rec, rid: str | None) -> None:
        name = rec.get("name")
        if kind in (DOMAINS, PROJECTS, USERS, GROUPS, ROLES) and not name:
            raise ApiError(400, "Invalid input for field 'name': None is not of type 'string'")
        if kind.unique_in_domain or kind in (DOMAINS, ROLES):
            domain = rec.get("domain_id")
            for other in self.records(req, kind):
                same_scope = kind is DOMAINS or other.get("domain_id") == domain
                if other["id"] != rid and other.get("name") == name and same_scope:
                    where = f" at domain ID {domain}" if kind.unique_in_domain else ""
                    raise ApiError(
                        409,
                        f"Conflict occurred attempting to store {kind.singular} - Duplicate "
                        f"entry found with name {name}{where}.",
                    )
        domain_id = rec.get("domain_id")
        if kind.unique_in_domain and domain_id:
            self.get(req, DOMAINS, str(domain_id))
        if kind is PROJECTS and rec.get("parent_id") not in (None, rec.get("domain_id")):
            self.get(req, PROJECTS, str(rec["parent_id"]))
        if kind is USERS and rec.get("default_project_id"):
            self.get(req, PROJECTS, str(rec["default_project_id"]))
        if kind is ENDPOINTS:
            if rec.get("interface") not in INTERFACES:
                raise ApiError(
                    400, f"Invalid input for field 'interface': {rec.get('interface')!r}"
                )
            if not rec.get("url"):
                raise ApiError(400, "Invalid input for field 'url': None is not of type 'string'")
            self.get(req, SERVICES, str(rec.get("service_id")))
            if rec.get("region_id"):
                self.get(req, REGIONS, str(rec["region_id"]))
        if kind is SERVICES and not rec.get("type"):
            raise ApiError(400, "Invalid input for field 'type': None is not of type 'string'")
        if kind is REGIONS and rec.get("parent_region_id"):
            self.get(req, REGIONS, str(rec["parent_region_id"]))

    # -- generic handlers -------------------------------------------------------------------

    def _create(self, kind: Kind) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req, f"create_{kind.singular}")
            body = req.json_object(kind.singular)
            rid = str(body.get("id") or "") if kind is REGIONS else ""
            rec: Rec = {"id": rid or hex_id(), **dict(kind.defaults)}
            # Keystone keeps attributes it does not know as "extra" and returns them.
            rec.update({k: v for k, v in body.items() if k not in _RESERVED})
            if kind is ENDPOINTS and "region" in body and "region_id" not in body:
                rec["region_id"] = body["region"]
            if kind is PROJECTS and not rec.get("parent_id"):
                rec["parent_id"] = rec["domain_id"]
            if kind is REGIONS and rid in {r["id"] for r in self.records(req, REGIONS)}:
                raise ApiError(
                    409, f"Conflict occurred attempting to store region - Duplicate ID, {rid}."
                )
            self._validate(req, kind, rec, None)
            if kind is USERS:
                rec.update(_password=str(body.get("password") or hex_id()), _roles={})
                rec["_domain_roles"] = {}
            if kind is GROUPS:
                rec.update(_members=[], _roles={}, _domain_roles={})
            self.store.put(kind.table, rec)
            return ok({kind.singular: self.view(req, kind, rec)}, 201)

        return handler

    def _show(self, kind: Kind) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            if kind in (USERS, GROUPS, DOMAINS) and params["id"] != req.auth.user_id:
                # (a user may read itself; everything else here is for admins)
                self._admin(req, f"get_{kind.singular}")
            return ok({kind.singular: self.view(req, kind, self.get(req, kind, params["id"]))})

        return handler

    def _list(self, kind: Kind) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            items = self.records(req, kind)
            for key in ("name", "type", "domain_id", "service_id", "interface", "region_id"):
                wanted = req.arg(key)
                if wanted is not None:
                    items = [i for i in items if str(i.get(key)) == wanted]
            if kind is ROLES and req.arg("domain_id") is None:
                items = [i for i in items if not i.get("domain_id")]
            views = [self.view(req, kind, i) for i in items]
            links = {"self": None, "next": None, "previous": None}
            return ok({kind.plural: views, "links": links})

        return handler

    def _update(self, kind: Kind) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req, f"update_{kind.singular}")
            rec = self.store.get(kind.table, params["id"])
            if rec is None:
                self.get(req, kind, params["id"])  # 404, or a built-in
                raise forbidden(f"identity:update_{kind.singular}")
            body = req.json_object(kind.singular)
            changed = {**rec, **{k: v for k, v in body.items() if k not in _RESERVED}}
            if kind is USERS and "password" in body:
                changed["_password"] = str(body["password"])
            if kind in (PROJECTS, USERS, GROUPS) and changed.get("domain_id") != rec.get(
                "domain_id"
            ):
                raise ApiError(400, f"Cannot change Domain ID of a {kind.singular}")
            self._validate(req, kind, changed, rec["id"])
            rec.update(changed)
            self.store.changed()
            return ok({kind.singular: self.view(req, kind, rec)})

        return handler

    def _delete(self, kind: Kind) -> Callable[[Request, dict[str, str]], Response]:
        def handler(req: Request, params: dict[str, str]) -> Response:
            self._admin(req, f"delete_{kind.singular}")
            rid = params["id"]
            rec = self.store.get(kind.table, rid)
            if rec is None:
                self.get(req, kind, rid)
                raise forbidden(f"identity:delete_{kind.singular}")
            if kind is DOMAINS and rec.get("enabled"):
                raise ApiError(
                    403, "Cannot delete a domain that is enabled, please disable it first."
                )
            self.store.delete(kind.table, rid)
            self._cascade(kind, rec)
            return empty()

        return handler

    def _cascade(self, kind: Kind, rec: Rec) -> None:
        """What Keystone removes with an object: its assignments, memberships, children."""
        holders = list(self.store.table("user").values()) + list(self.store.table("group").values())
        if kind is PROJECTS:
            for holder in holders:
                holder["_roles"].pop(rec["id"], None)
        if kind is DOMAINS:
            for holder in holders:
                holder.get("_domain_roles", {}).pop(rec["id"], None)
            for child in (PROJECTS, USERS, GROUPS):
                for other in list(self.store.table(child.table).values()):
                    if other.get("domain_id") == rec["id"]:
                        self.store.delete(child.table, other["id"])
        if kind is ROLES:
            for holder in holders:
                for scope in ("_roles", "_domain_roles"):
                    for names in holder.get(scope, {}).values():
                        if rec["name"] in names:
                            names.remove(rec["name"])
        if kind is USERS:
            for group in self.store.table("group").values():
                if rec["id"] in group["_members"]:
                    group["_members"].remove(rec["id"])
        if kind is SERVICES:
            for endpoint in list(self.store.table("kendpoint").values()):
                if endpoint.get("service_id") == rec["id"]:
                    self.store.delete("kendpoint", endpoint["id"])
        self.store.changed()

    # -- group membership -------------------------------------------------------------------

    def _group(self, req: Request, gid: str) -> Rec:
        rec = self.store.get("group", gid)
        if rec is None:
            raise ApiError(404, f"Could not find group: {gid}.")
        return rec

    def _user(self, req: Request, uid: str) -> Rec:
        rec = self.store.get("user", uid)
        if rec is None:
            raise ApiError(404, f"Could not find user: {uid}.")
        return rec

    def user_groups(self, req: Request, params: dict[str, str]) -> Response:
        if params["id"] != req.auth.user_id:
            self._admin(req, "list_groups_for_user")
        self._user(req, params["id"])
        groups = [
            self.view(req, GROUPS, g)
            for g in self.store.table("group").values()
            if params["id"] in g["_members"]
        ]
        return ok({"groups": groups, "links": {"self": None, "next": None, "previous": None}})

    def group_users(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "list_users_in_group")
        group = self._group(req, params["id"])
        users = [self.view(req, USERS, self._user(req, uid)) for uid in group["_members"]]
        return ok({"users": users, "links": {"self": None, "next": None, "previous": None}})

    def add_member(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "add_user_to_group")
        group, user = self._group(req, params["id"]), self._user(req, params["uid"])
        if user["id"] not in group["_members"]:
            group["_members"].append(user["id"])
            self.store.changed()
        return empty()

    def check_member(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "check_user_in_group")
        group, user = self._group(req, params["id"]), self._user(req, params["uid"])
        if user["id"] not in group["_members"]:
            raise ApiError(404, f"User {user['id']} is not a member of group {group['id']}.")
        return empty()

    def remove_member(self, req: Request, params: dict[str, str]) -> Response:
        self._admin(req, "remove_user_from_group")
        group, user = self._group(req, params["id"]), self._user(req, params["uid"])
        if user["id"] not in group["_members"]:
            raise ApiError(404, f"User {user['id']} is not a member of group {group['id']}.")
        group["_members"].remove(user["id"])
        self.store.changed()
        return empty()
