"""Cinder volume types (OS::Cinder::VolumeType), as Heat's CinderVolumeType manages them.

Name, description and visibility change in place (``PUT /types/{id}``), the ``metadata``
property is the type's extra specs (keys dropped from the template are deleted), and
``projects`` the access list of a private type. Volume types carry nothing to hold a create
token and their names are unique in the cloud: an interrupted create is found by its name,
never one state already records. Managing types needs an admin binding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _keystone
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import OpenStackResource, report, show
from atonix_iac.providers.openstack._errors import sdk_errors


def _specs(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items()}


class VolumeType(OpenStackResource):
    type_name = "OS::Cinder::VolumeType"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def _get(self, type_id: str) -> Any:
        return self.fetch(self.conn.block_storage.get_type, type_id, "volume type")

    def _projects(self, names: Any) -> set[str]:
        return {_keystone.require_id(self.conn, "keystone.project", str(p)) for p in names or []}

    def _access(self, type_id: str) -> set[str]:
        with sdk_errors(f"reading the access list of volume type {type_id}"):
            return {str(a["project_id"]) for a in self.conn.block_storage.get_type_access(type_id)}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {
            "name": properties["name"],
            "is_public": properties.get("is_public") is not False,
            "extra_specs": _specs(properties.get("metadata")),
        }
        if properties.get("description") is not None:
            body["description"] = properties["description"]
        with sdk_errors(f"creating volume type {properties['name']}"):
            created = self.conn.block_storage.create_type(**body)
        return ResourceResult(str(created.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        if properties.get("is_public") is False:
            self._set_access(started.physical_id, self._projects(properties.get("projects")))
        return self._result(started.physical_id)

    def _set_access(self, type_id: str, wanted: set[str]) -> None:
        have = self._access(type_id)
        with sdk_errors(f"setting the access list of volume type {type_id}", type_id):
            for project in sorted(have - wanted):
                self.conn.block_storage.remove_type_access(type_id, project)
            for project in sorted(wanted - have):
                self.conn.block_storage.add_type_access(type_id, project)

    def _result(self, type_id: str) -> ResourceResult:
        found = self._get(type_id)
        if found is None:
            raise ProviderError(f"volume type {type_id} is gone")
        return ResourceResult(type_id, {"show": show(found)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        with sdk_errors("looking for an interrupted volume type create"):
            # Cinder lists public types only unless an admin asks for all with "None".
            for found in self.conn.block_storage.types(is_public="None"):
                if found.name == properties["name"] and str(found.id) not in claimed:
                    return str(found.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        found = self._get(physical_id)
        if found is None:
            return None
        live: dict[str, Any] = {
            "name": found.name,
            "description": found.description,
            "is_public": found.is_public,
            "metadata": _specs(found.extra_specs),
        }
        if properties.get("projects") is not None and not found.is_public:
            live["projects"] = sorted(self._access(physical_id))

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "metadata":
                return bool(_specs(given) == value)
            if name == "projects":
                return self._projects(given) == set(value)
            return bool(given == value)

        return ResourceResult(physical_id, {"show": show(found)}, report(properties, live, same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        storage = self.conn.block_storage
        with sdk_errors(f"updating volume type {physical_id}", physical_id):
            fields: dict[str, Any] = {
                k: new.get(k) for k in ("name", "description") if k in changed
            }
            if "is_public" in changed:
                fields["is_public"] = new.get("is_public") is not False
            if fields:
                storage.update_type(physical_id, **fields)
            if "metadata" in changed:
                wanted = _specs(new.get("metadata"))
                stale = [k for k in _specs(old.get("metadata")) if k not in wanted]
                if stale:
                    storage.delete_type_extra_specs(physical_id, stale)
                if wanted:
                    storage.update_type_extra_specs(physical_id, **wanted)
        if {"projects", "is_public"} & changed and new.get("is_public") is False:
            self._set_access(physical_id, self._projects(new.get("projects")))
        return self._result(physical_id)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.block_storage.delete_type(physical_id, ignore_missing=False),
            f"volume type {physical_id}",
        )


TYPES = (VolumeType,)
