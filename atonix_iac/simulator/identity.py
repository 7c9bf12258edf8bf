"""Keystone v3: version discovery, password/token auth, catalog, projects, users, roles.

Tokens are self-validating (payload + HMAC with a per-state secret) so they survive a
restart without being stored, and validation costs no table scans.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import uuid
from typing import Any

from .backend import Backend
from .common import hex_id, iso, now
from .errors import ApiError
from .protocol import AuthContext, Rec, Request, Response, empty, ok
from .routing import Router

TOKEN_LIFETIME = 8 * 3600.0
DOMAIN = {"id": "default", "name": "Default"}
ROLE_NAMES = ("admin", "member", "reader")
ADMIN_ROLES = ["admin", "member", "reader"]
MEMBER_ROLES = ["member", "reader"]

#: (catalog type, service name, path template) — see the surface doc's topology table.
CATALOG = (
    ("identity", "keystone", "/identity"),
    ("compute", "nova", "/compute/v2.1"),
    ("network", "neutron", "/networking"),
    ("block-storage", "cinder", "/volume/v3/{project_id}"),
    ("volumev3", "cinderv3", "/volume/v3/{project_id}"),
    ("image", "glance", "/image"),
    ("object-store", "swift", "/swift/v1/AUTH_{project_id}"),
    ("key-manager", "barbican", "/key-manager"),
    ("dns", "designate", "/dns"),
    ("load-balancer", "octavia", "/load-balancer"),
    ("container-infra", "magnum", "/container-infra/v1"),
    ("shared-file-system", "manilav2", "/share/v2"),
    ("database", "trove", "/database/v1.0/{project_id}"),
    ("container", "zun", "/container/v1"),
    ("reservation", "blazar", "/reservation/v1"),
)
REGION = "RegionOne"
#: Names for services hosted outside the simulator (``SimConfig.extra_catalog``).
EXTRA_SERVICE_NAMES = {"orchestration": "heat"}
_UNAUTHORIZED = "The request you have made requires authentication."


def _stable_id(*parts: str) -> str:
    return uuid.uuid5(uuid.NAMESPACE_URL, "atonix-sim:" + ":".join(parts)).hex


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


# -- identity records (also used by seeding) ---------------------------------------------------


def ensure_role(backend: Backend, name: str) -> Rec:
    roles = backend.store.table("role")
    for role in roles.values():
        if role["name"] == name:
            return role
    return backend.store.put("role", {"id": _stable_id("role", name), "name": name})


def find_by_name(backend: Backend, kind: str, name: str) -> Rec | None:
    for rec in backend.store.table(kind).values():
        if rec["name"] == name:
            return rec
    return None


def ensure_user(backend: Backend, name: str, password: str) -> Rec:
    user = find_by_name(backend, "user", name)
    if user is None:
        user = backend.store.put(
            "user",
            {
                "id": hex_id(),
                "name": name,
                "domain_id": "default",
                "enabled": True,
                "password_expires_at": None,
                "options": {},
                "_password": password,
                "_roles": {},
            },
        )
    return user


def grant(backend: Backend, user: Rec, project_id: str, roles: list[str]) -> None:
    current: list[str] = user["_roles"].setdefault(project_id, [])
    for role in roles:
        if role not in current:
            current.append(role)
    backend.store.changed()


def ensure_project(backend: Backend, name: str, description: str = "") -> Rec:
    """Create the project if needed; admin becomes admin of it, as the brief requires."""
    project = find_by_name(backend, "project", name)
    if project is None:
        project = backend.store.put(
            "project",
            {
                "id": hex_id(),
                "name": name,
                "domain_id": "default",
                "description": description,
                "enabled": True,
                "parent_id": "default",
                "is_domain": False,
                "tags": [],
                "options": {},
            },
        )
    for role in ROLE_NAMES:
        ensure_role(backend, role)
    grant(backend, ensure_user(backend, "admin", "admin"), project["id"], ADMIN_ROLES)
    member = ensure_user(backend, f"{name}-user", "password")
    grant(backend, member, project["id"], MEMBER_ROLES)
    return project


class Identity:
    """Keystone handlers plus the token checks the app uses for every other service."""

    def __init__(self, backend: Backend) -> None:
        self.backend = backend
        self.store = backend.store
        r = Router("Could not find the requested resource.")
        r.add("POST", "/auth/tokens", self.issue_token)
        r.add("GET", "/auth/tokens", self.check_token)
        r.add("HEAD", "/auth/tokens", self.check_token)
        r.add("DELETE", "/auth/tokens", lambda req, p: empty())
        r.add("GET", "/auth/projects", self.auth_projects)
        r.add("GET", "/auth/catalog", self.auth_catalog)
        r.add("GET", "/projects", self.list_projects)
        r.add("GET", "/projects/{id}", self.get_project)
        r.add("GET", "/users", self.list_users)
        r.add("GET", "/users/{id}", self.get_user)
        r.add("GET", "/users/{id}/projects", self.user_projects)
        # Writes, roles, domains, the catalog's services/endpoints/regions and role
        # assignments: identity_admin.IdentityAdmin and identity_roles.RoleAssignments.
        self.router = r

    # -- discovery --------------------------------------------------------------------------

    @staticmethod
    def version_entry(base_url: str) -> Rec:
        return {
            "id": "v3.14",
            "status": "stable",
            "updated": "2020-04-07T00:00:00Z",
            "links": [{"rel": "self", "href": f"{base_url}/identity/v3/"}],
            "media-types": [
                {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
            ],
        }

    def discovery(self, req: Request, versioned: bool) -> Response:
        entry = self.version_entry(req.base_url)
        if versioned:
            return ok({"version": entry})
        return ok({"versions": {"values": [entry]}}, 300)

    # -- tokens -----------------------------------------------------------------------------

    def _sign(self, payload: bytes) -> str:
        secret = str(self.store.meta["secret"]).encode()
        return _b64(hmac.new(secret, payload, hashlib.sha256).digest()[:18])

    def make_token(self, user_id: str, project_id: str, issued: float) -> str:
        payload = json.dumps(
            {"u": user_id, "p": project_id, "i": issued, "e": issued + TOKEN_LIFETIME},
            separators=(",", ":"),
        ).encode()
        return f"{_b64(payload)}.{self._sign(payload)}"

    def _decode(self, token: str) -> Rec | None:
        try:
            body, sig = token.split(".", 1)
            payload = _unb64(body)
        except ValueError:
            return None
        if not hmac.compare_digest(sig, self._sign(payload)):
            return None
        data: Rec = json.loads(payload)
        if data["e"] < now():
            return None
        return data

    def authenticate(self, token: str | None) -> AuthContext | None:
        """AuthContext for a valid token (caller holds the store lock), else None."""
        if not token:
            return None
        data = self._decode(token)
        if data is None:
            return None
        user = self.store.get("user", data["u"])
        if user is None or not user["enabled"]:
            return None
        project_id = data["p"] or ""
        project = self.store.get("project", project_id) if project_id else None
        if project_id and project is None:
            return None
        roles = tuple(user["_roles"].get(project_id, [])) if project_id else ()
        if project_id and not roles:
            return None
        return AuthContext(
            user["id"], user["name"], project_id, project["name"] if project else "", roles
        )

    def _find_user(self, spec: Rec) -> Rec | None:
        if "id" in spec:
            return self.store.get("user", str(spec["id"]))
        domain = spec.get("domain") or {}
        if (
            domain
            and domain.get("id", "default") != "default"
            and domain.get("name")
            not in (
                None,
                "Default",
            )
        ):
            return None
        return find_by_name(self.backend, "user", str(spec.get("name")))

    def issue_token(self, req: Request, params: dict[str, str]) -> Response:
        auth = req.json_object("auth")
        ident = auth.get("identity") or {}
        methods = ident.get("methods") or []
        if "password" in methods:
            spec = (ident.get("password") or {}).get("user") or {}
            user = self._find_user(spec)
            if user is None or not hmac.compare_digest(
                str(user["_password"]), str(spec.get("password"))
            ):
                raise ApiError(401, _UNAUTHORIZED)
        elif "token" in methods:
            data = self._decode(str((ident.get("token") or {}).get("id", "")))
            user = self.store.get("user", data["u"]) if data else None
            if user is None:
                raise ApiError(401, _UNAUTHORIZED)
        else:
            raise ApiError(401, _UNAUTHORIZED)
        if not user["enabled"]:
            raise ApiError(401, _UNAUTHORIZED)
        project = self._scope_project(auth.get("scope"))
        project_id = project["id"] if project else ""
        if project and not user["_roles"].get(project_id):
            raise ApiError(401, _UNAUTHORIZED)
        issued = now()
        token = self.make_token(user["id"], project_id, issued)
        resp = ok({"token": self._token_body(req, user, project, issued)}, 201)
        resp.headers["X-Subject-Token"] = token
        return resp

    def _scope_project(self, scope: Any) -> Rec | None:
        if not isinstance(scope, dict) or "project" not in scope:
            return None
        spec = scope["project"]
        if "id" in spec:
            project = self.store.get("project", str(spec["id"]))
        else:
            project = find_by_name(self.backend, "project", str(spec.get("name")))
        if project is None or not project["enabled"]:
            raise ApiError(401, _UNAUTHORIZED)
        return project

    def _token_body(self, req: Request, user: Rec, project: Rec | None, issued: float) -> Rec:
        body: Rec = {
            "methods": ["password"],
            "user": {
                "id": user["id"],
                "name": user["name"],
                "domain": dict(DOMAIN),
                "password_expires_at": None,
            },
            "audit_ids": [hex_id()[:22]],
            "issued_at": iso(issued, micro=True) + "Z",
            "expires_at": iso(issued + TOKEN_LIFETIME, micro=True) + "Z",
        }
        if project is not None:
            roles = self._role_refs(user["_roles"].get(project["id"], []))
            body.update(
                project={"id": project["id"], "name": project["name"], "domain": dict(DOMAIN)},
                is_domain=False,
                roles=roles,
                catalog=self.catalog(req.base_url, project["id"]),
            )
        return body

    def _role_refs(self, names: list[str]) -> list[Rec]:
        return [{"id": _stable_id("role", n), "name": n} for n in names]

    def catalog(self, base_url: str, project_id: str) -> list[Rec]:
        services = []
        hosted = [(kind, name, base_url + path) for kind, name, path in CATALOG]
        extra = self.backend.engine.config.extra_catalog
        hosted += [(kind, EXTRA_SERVICE_NAMES.get(kind, kind), url) for kind, url in extra.items()]
        for kind, name, template in hosted:
            url = template.format(project_id=project_id)
            endpoints = [
                {
                    "id": _stable_id("endpoint", kind, iface),
                    "interface": iface,
                    "region_id": REGION,
                    "region": REGION,
                    "url": url,
                }
                for iface in ("public", "internal", "admin")
            ]
            services.append(
                {
                    "type": kind,
                    "name": name,
                    "id": _stable_id("service", kind),
                    "endpoints": endpoints,
                }
            )
        return services

    def check_token(self, req: Request, params: dict[str, str]) -> Response:
        subject = req.headers.get("x-subject-token", "")
        data = self._decode(subject)
        user = self.store.get("user", data["u"]) if data else None
        if data is None or user is None:
            raise ApiError(404, f"Could not find token: {subject}.")
        project = self.store.get("project", data["p"]) if data["p"] else None
        return ok({"token": self._token_body(req, user, project, data["i"])})

    # -- projects, users, roles -------------------------------------------------------------

    def _require_admin(self, req: Request, action: str) -> None:
        if not req.auth.is_admin:
            raise ApiError(
                403, f"You are not authorized to perform the requested action: identity:{action}."
            )

    def _project_view(self, req: Request, rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_")}
        view["links"] = {"self": f"{req.base_url}/identity/v3/projects/{rec['id']}"}
        return view

    def _user_view(self, req: Request, rec: Rec) -> Rec:
        view = {k: v for k, v in rec.items() if not k.startswith("_")}
        view["links"] = {"self": f"{req.base_url}/identity/v3/users/{rec['id']}"}
        return view

    def _user_project_ids(self, user_id: str) -> list[str]:
        user = self.store.get("user", user_id)
        return [p for p, roles in user["_roles"].items() if roles] if user else []

    def _projects(self, req: Request, ids: list[str] | None) -> Response:
        items = [
            self._project_view(req, p)
            for p in self.store.table("project").values()
            if ids is None or p["id"] in ids
        ]
        name = req.arg("name")
        if name is not None:
            items = [p for p in items if p["name"] == name]
        return ok({"projects": items, "links": {"self": None, "next": None, "previous": None}})

    def auth_projects(self, req: Request, params: dict[str, str]) -> Response:
        return self._projects(req, self._user_project_ids(req.auth.user_id))

    def auth_catalog(self, req: Request, params: dict[str, str]) -> Response:
        return ok({"catalog": self.catalog(req.base_url, req.auth.project_id)})

    def list_projects(self, req: Request, params: dict[str, str]) -> Response:
        self._require_admin(req, "list_projects")
        return self._projects(req, None)

    def get_project(self, req: Request, params: dict[str, str]) -> Response:
        pid = params["id"]
        if not req.auth.is_admin and pid not in self._user_project_ids(req.auth.user_id):
            self._require_admin(req, "get_project")
        rec = self.store.get("project", pid)
        if rec is None:
            raise ApiError(404, f"Could not find project: {pid}.")
        return ok({"project": self._project_view(req, rec)})

    def list_users(self, req: Request, params: dict[str, str]) -> Response:
        self._require_admin(req, "list_users")
        items = [self._user_view(req, u) for u in self.store.table("user").values()]
        name = req.arg("name")
        if name is not None:
            items = [u for u in items if u["name"] == name]
        return ok({"users": items, "links": {"self": None, "next": None, "previous": None}})

    def get_user(self, req: Request, params: dict[str, str]) -> Response:
        if params["id"] != req.auth.user_id:
            self._require_admin(req, "get_user")
        rec = self.store.get("user", params["id"])
        if rec is None:
            raise ApiError(404, f"Could not find user: {params['id']}.")
        return ok({"user": self._user_view(req, rec)})

    def user_projects(self, req: Request, params: dict[str, str]) -> Response:
        if params["id"] != req.auth.user_id:
            self._require_admin(req, "list_user_projects")
        if self.store.get("user", params["id"]) is None:
            raise ApiError(404, f"Could not find user: {params['id']}.")
        return self._projects(req, self._user_project_ids(params["id"]))
