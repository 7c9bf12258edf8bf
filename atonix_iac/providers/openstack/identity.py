"""Keystone: projects, users, groups, roles, domains, services, endpoints, regions and role
assignments, as Heat's keystone plugins make them.

Managing identity needs an admin: every type's plan-time check reads the binding's token and,
when it holds no ``admin`` role, fails the plan with that said plainly (rather than a 403
halfway through an apply). Every create carries the create token as a Keystone extra attribute
(see ``_keystone``), so an interrupted create is found by its natural key (name within the
domain; a service's type and name; an endpoint's service, interface and URL; a region's id)
together with the token. A domain is disabled before it is deleted, as Keystone requires.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _keystone
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._keystone import TOKEN_ATTRIBUTE, call


class _Keystone(OpenStackResource):
    """One Keystone collection; subclasses say how properties map onto its documents."""

    plural: ClassVar[str]
    singular: ClassVar[str]
    # property -> document field copied as is
    passthrough: ClassVar[Mapping[str, str]] = {}
    # property -> (constraint, document field) resolved from a name to an id
    references: ClassVar[Mapping[str, tuple[str, str]]] = {}
    named: ClassVar[bool] = True  # a ``name`` defaulted to <stack>-<address>
    actor: ClassVar[str | None] = None  # "user" / "group": has a ``roles`` property

    # -- plan time --------------------------------------------------------------------------

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    # -- documents --------------------------------------------------------------------------

    def body(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        for prop, field in self.passthrough.items():
            if properties.get(prop) is not None:
                body[field] = properties[prop]
        for prop, (constraint, field) in self.references.items():
            if properties.get(prop):
                body[field] = _keystone.require_id(self.conn, constraint, str(properties[prop]))
        if self.named:
            body["name"] = properties.get("name") or default_name(identity)
        return body

    def natural_key(self, body: Mapping[str, Any]) -> dict[str, str]:
        key = {"name": str(body["name"])} if "name" in body else {}
        if "domain_id" in body:
            key["domain_id"] = str(body["domain_id"])
        return key

    def get(self, physical_id: str) -> dict[str, Any] | None:
        found = call(self.conn, "get", f"/{self.plural}/{physical_id}", f"reading {self.singular}")
        return None if found is None else dict(found[self.singular])

    def attributes(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        show = {k: v for k, v in doc.items() if k not in ("links", TOKEN_ATTRIBUTE)}
        return {"show": show}

    def live(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        """Properties as the document shows them (references as ids)."""
        out = {prop: doc.get(field) for prop, field in self.passthrough.items()}
        out.update({prop: doc.get(field) for prop, (_c, field) in self.references.items()})
        if self.named:
            out["name"] = doc.get("name")
        return out

    # -- lifecycle --------------------------------------------------------------------------

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = self.body(identity, properties)
        if identity.token:
            body[TOKEN_ATTRIBUTE] = identity.token
        made = call(
            self.conn, "post", f"/{self.plural}", f"creating {self.singular}", {self.singular: body}
        )
        return ResourceResult(str(made[self.singular]["id"]))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        self.after_create(started.physical_id, properties)
        doc = self.get(started.physical_id)
        if doc is None:
            raise ResourceFailedError(f"{self.singular} {started.physical_id} is gone")
        return ResourceResult(started.physical_id, self.attributes(doc))

    def after_create(self, physical_id: str, properties: Mapping[str, Any]) -> None:
        if self.actor and properties.get("roles"):
            add = _keystone.grants(self.conn, properties["roles"])
            _keystone.apply_grants(self.conn, f"{self.actor}s", physical_id, add, set())

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        if not identity.token:
            return None
        key = self.natural_key(self.body(identity, properties))
        for doc in _keystone.listing(self.conn, self.plural, key):
            if doc.get(TOKEN_ATTRIBUTE) == identity.token and str(doc["id"]) not in claimed:
                return str(doc["id"])
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        doc = self.get(physical_id)
        if doc is None:
            return None
        reported = report(properties, self.live(doc), self.same)
        if self.actor and isinstance(properties.get("roles"), list):
            reported["roles"] = _keystone.reported_roles(
                self.conn, properties["roles"], self.actor, physical_id
            )
        return ResourceResult(physical_id, self.attributes(doc), reported)

    def same(self, name: str, given: Any, value: Any) -> bool:
        if name in self.references and given != value:
            constraint = self.references[name][0]
            found = _keystone.require_id(self.conn, constraint, str(given))
            return bool(found == value)
        if isinstance(given, list) and isinstance(value, list):
            return sorted(map(str, given)) == sorted(map(str, value))
        return bool(given == value)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        full = self.body(identity, new)
        fields = {f for p, f in self.passthrough.items() if p in changed}
        fields |= {f for p, (_c, f) in self.references.items() if p in changed}
        if self.named and "name" in changed:
            fields.add("name")
        patch = {f: full.get(f) for f in fields}
        if patch:
            call(
                self.conn,
                "patch",
                f"/{self.plural}/{physical_id}",
                f"updating {self.singular} {physical_id}",
                {self.singular: patch},
            )
        self.after_update(physical_id, old, new, changed)
        doc = self.get(physical_id)
        if doc is None:
            raise ResourceFailedError(f"{self.singular} {physical_id} is gone")
        return ResourceResult(physical_id, self.attributes(doc))

    def after_update(
        self,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> None:
        if self.actor and "roles" in changed:
            before = _keystone.grants(self.conn, old.get("roles"))
            after = _keystone.grants(self.conn, new.get("roles"))
            _keystone.apply_grants(
                self.conn, f"{self.actor}s", physical_id, after - before, before - after
            )

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        call(
            self.conn,
            "delete",
            f"/{self.plural}/{physical_id}",
            f"deleting {self.singular} {physical_id}",
        )


class Project(_Keystone):
    type_name = "OS::Keystone::Project"
    plural, singular = "projects", "project"
    passthrough = {"description": "description", "enabled": "enabled", "tags": "tags"}
    references = {
        "domain": ("keystone.domain", "domain_id"),
        "parent": ("keystone.project", "parent_id"),
    }

    def attributes(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        fields = ("name", "domain_id", "enabled", "parent_id", "is_domain")
        return {**{k: doc.get(k) for k in fields}, **super().attributes(doc)}


class User(_Keystone):
    type_name = "OS::Keystone::User"
    plural, singular = "users", "user"
    passthrough = {
        "description": "description",
        "enabled": "enabled",
        "email": "email",
        "password": "password",
    }
    references = {
        "domain": ("keystone.domain", "domain_id"),
        "default_project": ("keystone.project", "default_project_id"),
    }
    actor = "user"

    def live(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        out = super().live(doc)
        out.pop("password")  # never shown: a changed password cannot be seen as drift
        out["groups"] = [g["id"] for g in self._groups(str(doc["id"]))]
        return out

    def same(self, name: str, given: Any, value: Any) -> bool:
        if name == "groups":
            wanted = {_keystone.require_id(self.conn, "keystone.group", str(g)) for g in given}
            return wanted == set(value)
        return super().same(name, given, value)

    def _groups(self, user_id: str) -> list[dict[str, Any]]:
        found = call(self.conn, "get", f"/users/{user_id}/groups", "listing the user's groups")
        return list((found or {}).get("groups") or [])

    def _set_groups(self, user_id: str, add: set[str], drop: set[str]) -> None:
        for group in sorted(drop):
            call(self.conn, "delete", f"/groups/{group}/users/{user_id}", "leaving a group")
        for group in sorted(add):
            call(self.conn, "put", f"/groups/{group}/users/{user_id}", "joining a group")

    def _group_ids(self, groups: Any) -> set[str]:
        return {_keystone.require_id(self.conn, "keystone.group", str(g)) for g in groups or []}

    def after_create(self, physical_id: str, properties: Mapping[str, Any]) -> None:
        self._set_groups(physical_id, self._group_ids(properties.get("groups")), set())
        super().after_create(physical_id, properties)

    def after_update(
        self,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> None:
        if "groups" in changed:
            before, after = self._group_ids(old.get("groups")), self._group_ids(new.get("groups"))
            self._set_groups(physical_id, after - before, before - after)
        super().after_update(physical_id, old, new, changed)

    def attributes(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        fields = ("name", "default_project_id", "domain_id", "enabled", "password_expires_at")
        return {**{k: doc.get(k) for k in fields}, **super().attributes(doc)}


class Group(_Keystone):
    type_name = "OS::Keystone::Group"
    plural, singular = "groups", "group"
    passthrough = {"description": "description"}
    references = {"domain": ("keystone.domain", "domain_id")}
    actor = "group"


class Role(_Keystone):
    type_name = "OS::Keystone::Role"
    plural, singular = "roles", "role"
    references = {"domain": ("keystone.domain", "domain_id")}


class Domain(_Keystone):
    type_name = "OS::Keystone::Domain"
    plural, singular = "domains", "domain"
    passthrough = {"description": "description", "enabled": "enabled"}

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        path = f"/domains/{physical_id}"
        body = {"domain": {"enabled": False}}
        with sdk_errors(f"disabling domain {physical_id}"):
            response = self.conn.identity.patch(path, json=body, raise_exc=False)
        if response.status_code == 404:
            return
        super().delete(identity, physical_id, properties)


class Service(_Keystone):
    type_name = "OS::Keystone::Service"
    plural, singular = "services", "service"
    passthrough = {"type": "type", "description": "description", "enabled": "enabled"}

    def natural_key(self, body: Mapping[str, Any]) -> dict[str, str]:
        return {"type": str(body["type"])}


class Endpoint(_Keystone):
    type_name = "OS::Keystone::Endpoint"
    plural, singular = "endpoints", "endpoint"
    passthrough = {"interface": "interface", "url": "url", "enabled": "enabled", "name": "name"}
    references = {
        "service": ("keystone.service", "service_id"),
        "region": ("keystone.region", "region_id"),
    }
    named = False
    map_constraints = {"service": "keystone.service", "region": "keystone.region"}

    def natural_key(self, body: Mapping[str, Any]) -> dict[str, str]:
        return {"service_id": str(body["service_id"]), "interface": str(body["interface"])}


class Region(_Keystone):
    type_name = "OS::Keystone::Region"
    plural, singular = "regions", "region"
    passthrough = {
        "id": "id",
        "description": "description",
        "enabled": "enabled",
    }
    references = {"parent_region": ("keystone.region", "parent_region_id")}
    named = False
    map_constraints = {"parent_region": "keystone.region"}

    def natural_key(self, body: Mapping[str, Any]) -> dict[str, str]:
        return {}

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        if properties.get("id"):  # the id is the natural key; ours if it carries the token
            doc = self.get(str(properties["id"]))
            ours = doc is not None and doc.get(TOKEN_ATTRIBUTE) == identity.token
            return str(properties["id"]) if ours and properties["id"] not in claimed else None
        return super().find_created(identity, properties, since, claimed)


class _Assignment(_Keystone):
    """UserRoleAssignment / GroupRoleAssignment: grants on an existing user or group; the
    physical id is the user's (group's) id, and destroy revokes exactly the listed grants."""

    named = False

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        assert self.actor is not None
        actor_id = _keystone.require_id(
            self.conn, f"keystone.{self.actor}", str(properties[self.actor])
        )
        return ResourceResult(actor_id)

    def get(self, physical_id: str) -> dict[str, Any] | None:
        found = call(self.conn, "get", f"/{self.actor}s/{physical_id}", f"reading {self.actor}")
        return None if found is None else dict(found[str(self.actor)])

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        return None  # grants are idempotent: the create is simply run again

    def live(self, doc: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        assert self.actor is not None
        if self.actor in changed:  # another user: revoke here, grant there
            self.delete(identity, physical_id, old)
            started = self.start_create(identity, new)
            return self.finish_create(identity, started, new)
        return super().update(identity, physical_id, old, new, changed)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        if self.get(physical_id) is None:
            return
        live = _keystone.live_grants(self.conn, str(self.actor), physical_id)
        wanted = set()
        for item in properties.get("roles") or []:
            try:
                wanted |= _keystone.grants(self.conn, [item])
            except ProviderError:  # a role or project already gone: nothing to revoke
                continue
        _keystone.apply_grants(self.conn, f"{self.actor}s", physical_id, set(), wanted & live)


class UserRoleAssignment(_Assignment):
    type_name = "OS::Keystone::UserRoleAssignment"
    plural, singular = "users", "user"
    actor = "user"
    map_constraints = {"user": "keystone.user"}


class GroupRoleAssignment(_Assignment):
    type_name = "OS::Keystone::GroupRoleAssignment"
    plural, singular = "groups", "group"
    actor = "group"
    map_constraints = {"group": "keystone.group"}


TYPES = (
    Project,
    User,
    Group,
    Role,
    Domain,
    Service,
    Endpoint,
    Region,
    UserRoleAssignment,
    GroupRoleAssignment,
)
