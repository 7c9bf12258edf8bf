"""Nova flavors (OS::Nova::Flavor) and the project quotas of Nova and Cinder
(OS::Nova::Quota, OS::Cinder::Quota), as Heat's plugins manage them.

A flavor's extra specs and project access list change in place; everything else replaces it.
Its create carries the token in the flavor's description (microversion 2.55), so an
interrupted create is found by name and token. A quota resource sets the given limits of one
project and, on destroy, returns the project to the defaults (Nova's and Cinder's
``DELETE os-quota-sets/{project}``); setting limits is idempotent, so a create is simply sent
again rather than looked for.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _keystone
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import token_tag

_FLAVOR_FIELDS = ("ram", "vcpus", "disk", "ephemeral", "swap", "rxtx_factor", "is_public")


class Flavor(OpenStackResource):
    type_name = "OS::Nova::Flavor"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def _get(self, flavor_id: str) -> Any:
        return self.fetch(self.conn.compute.get_flavor, flavor_id, "flavor")

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = {k: properties[k] for k in _FLAVOR_FIELDS if properties.get(k) is not None}
        body["name"] = properties.get("name") or default_name(identity)
        if properties.get("flavorid"):
            body["id"] = properties["flavorid"]
        if identity.token:
            body["description"] = token_tag(identity.token)
        with sdk_errors(f"creating flavor {body['name']}"):
            flavor = self.conn.compute.create_flavor(**body)
        return ResourceResult(str(flavor.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        flavor_id = started.physical_id
        specs = {str(k): str(v) for k, v in (properties.get("extra_specs") or {}).items()}
        with sdk_errors(f"setting up flavor {flavor_id}", flavor_id):
            if specs:
                self.conn.compute.create_flavor_extra_specs(flavor_id, specs)
            if properties.get("is_public") is False:
                for project in self._project_ids(properties.get("tenants")):
                    if project not in self._access(flavor_id):
                        self.conn.compute.flavor_add_tenant_access(flavor_id, project)
        return self._result(flavor_id)

    def _project_ids(self, tenants: Any) -> list[str]:
        return [_keystone.require_id(self.conn, "keystone.project", str(t)) for t in tenants or []]

    def _access(self, flavor_id: str) -> set[str]:
        with sdk_errors(f"reading the access list of flavor {flavor_id}"):
            return {str(a["tenant_id"]) for a in self.conn.compute.get_flavor_access(flavor_id)}

    def _result(self, flavor_id: str) -> ResourceResult:
        flavor = self._get(flavor_id)
        if flavor is None:
            raise ProviderError(f"flavor {flavor_id} is gone")
        with sdk_errors(f"reading the extra specs of flavor {flavor_id}"):
            specs = dict(self.conn.compute.fetch_flavor_extra_specs(flavor_id).extra_specs or {})
        attrs = {"extra_specs": specs, "is_public": flavor.is_public, "show": show(flavor)}
        return ResourceResult(flavor_id, attrs)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        if not identity.token:
            return None
        name = properties.get("name") or default_name(identity)
        with sdk_errors("looking for an interrupted flavor create"):
            for flavor in self.conn.compute.flavors(is_public=None):
                if (
                    flavor.name == name
                    and flavor.description == token_tag(identity.token)
                    and str(flavor.id) not in claimed
                ):
                    return str(flavor.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        if self._get(physical_id) is None:
            return None
        result = self._result(physical_id)
        flavor = self._get(physical_id)
        live: dict[str, Any] = {k: getattr(flavor, k, None) for k in _FLAVOR_FIELDS}
        live["name"] = flavor.name
        live["extra_specs"] = result.attributes["extra_specs"]
        if properties.get("tenants") is not None and not flavor.is_public:
            live["tenants"] = sorted(self._access(physical_id))

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "extra_specs":
                return bool({str(k): str(v) for k, v in given.items()} == value)
            if name == "tenants":
                return set(self._project_ids(given)) == set(value)
            return bool(given == value)

        result.properties = report(properties, live, same)
        return result

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        compute = self.conn.compute
        with sdk_errors(f"updating flavor {physical_id}", physical_id):
            if "extra_specs" in changed:
                wanted = {str(k): str(v) for k, v in (new.get("extra_specs") or {}).items()}
                for key in old.get("extra_specs") or {}:
                    if key not in wanted:
                        compute.delete_flavor_extra_specs_property(physical_id, key)
                if wanted:
                    compute.create_flavor_extra_specs(physical_id, wanted)
            if "tenants" in changed and new.get("is_public") is False:
                have, want = self._access(physical_id), set(self._project_ids(new.get("tenants")))
                for project in sorted(have - want):
                    compute.flavor_remove_tenant_access(physical_id, project)
                for project in sorted(want - have):
                    compute.flavor_add_tenant_access(physical_id, project)
        return self._result(physical_id)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.compute.delete_flavor(physical_id, ignore_missing=False),
            f"flavor {physical_id}",
        )


class _Quota(OpenStackResource):
    """One project's quota set: the properties other than ``project`` are its limits."""

    proxy: ClassVar[str]
    what: ClassVar[str]

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def _project(self, properties: Mapping[str, Any]) -> str:
        return _keystone.require_id(self.conn, "keystone.project", str(properties["project"]))

    def _limits(self, properties: Mapping[str, Any]) -> dict[str, int]:
        return {k: int(v) for k, v in properties.items() if k != "project" and v is not None}

    def _path(self, project_id: str) -> str:
        return f"/os-quota-sets/{project_id}"

    def _put(self, project_id: str, limits: Mapping[str, int]) -> dict[str, Any]:
        found = self._request("put", project_id, {"quota_set": dict(limits)})
        return dict(found.get("quota_set") or {})

    def _request(self, method: str, project_id: str, body: Any = None) -> dict[str, Any]:
        with sdk_errors(f"{method} {self.what} of project {project_id}"):
            proxy = getattr(self.conn, self.proxy)
            response = getattr(proxy, method)(self._path(project_id), json=body, raise_exc=False)
            if response.status_code == 404 and method == "get":
                return {}
            os_exceptions.raise_from_response(response)
            found: dict[str, Any] = response.json() if response.content else {}
        return found

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        project_id = self._project(properties)
        self._put(project_id, self._limits(properties))
        return ResourceResult(project_id)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        found = self.read(identity, started.physical_id, properties)
        if found is None:
            raise ProviderError(f"project {started.physical_id} is gone")
        return ResourceResult(started.physical_id, found.attributes)

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        quota_set = dict(self._request("get", physical_id).get("quota_set") or {})
        if not quota_set:
            return None
        live = {k: v for k, v in quota_set.items() if k != "id"}
        live["project"] = properties.get("project")
        return ResourceResult(
            physical_id, {"show": quota_set}, report(properties, live, lambda n, g, v: g == v)
        )

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        self._put(physical_id, self._limits(new))
        found = self.read(identity, physical_id, new)
        return ResourceResult(physical_id, found.attributes if found else {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self._request("delete", physical_id)


class NovaQuota(_Quota):
    type_name = "OS::Nova::Quota"
    proxy, what = "compute", "compute quotas"
    map_constraints = {"project": "keystone.project"}


class CinderQuota(_Quota):
    type_name = "OS::Cinder::Quota"
    proxy, what = "block_storage", "block storage quotas"
    map_constraints = {"project": "keystone.project"}


TYPES = (Flavor, NovaQuota, CinderQuota)
