"""Nova host aggregates (OS::Nova::HostAggregate), as Heat's NovaHostAggregate manages them:
name and availability zone change in place, hosts are added and removed, metadata keys set
(and dropped keys unset); destroy first takes every host out, as Nova requires. Aggregates
carry nothing for a create token and their names are unique: an interrupted create is found
by name. Managing aggregates needs an admin binding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import OpenStackResource, report, show
from atonix_iac.providers.openstack._errors import sdk_errors


def _metadata(value: Any) -> dict[str, str]:
    return {str(k): str(v) for k, v in (value or {}).items() if k != "availability_zone"}


class HostAggregate(OpenStackResource):
    type_name = "OS::Nova::HostAggregate"

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def _get(self, aggregate_id: str) -> Any:
        return self.fetch(self.conn.compute.get_aggregate, aggregate_id, "aggregate")

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body = {"name": properties["name"]}
        if properties.get("availability_zone"):
            body["availability_zone"] = properties["availability_zone"]
        with sdk_errors(f"creating host aggregate {properties['name']}"):
            made = self.conn.compute.create_aggregate(**body)
        return ResourceResult(str(made.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        aggregate_id = started.physical_id
        self._set_hosts(aggregate_id, set(properties.get("hosts") or []))
        self._set_metadata(aggregate_id, {}, _metadata(properties.get("metadata")))
        return self._result(aggregate_id)

    def _result(self, aggregate_id: str) -> ResourceResult:
        found = self._get(aggregate_id)
        if found is None:
            raise ProviderError(f"host aggregate {aggregate_id} is gone")
        return ResourceResult(aggregate_id, {"show": show(found)})

    def _set_hosts(self, aggregate_id: str, wanted: set[str]) -> None:
        found = self._get(aggregate_id)
        have = set(found.hosts or []) if found is not None else set()
        with sdk_errors(f"setting the hosts of aggregate {aggregate_id}", aggregate_id):
            for host in sorted(have - wanted):
                self.conn.compute.remove_host_from_aggregate(aggregate_id, host)
            for host in sorted(wanted - have):
                self.conn.compute.add_host_to_aggregate(aggregate_id, host)

    def _set_metadata(self, aggregate_id: str, old: dict[str, str], new: dict[str, str]) -> None:
        changes: dict[str, str | None] = {k: None for k in old if k not in new}
        changes.update(new)
        if changes:
            with sdk_errors(f"setting the metadata of aggregate {aggregate_id}", aggregate_id):
                self.conn.compute.set_aggregate_metadata(aggregate_id, changes)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        with sdk_errors("looking for an interrupted host aggregate create"):
            for found in self.conn.compute.aggregates():
                if found.name == properties["name"] and str(found.id) not in claimed:
                    return str(found.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        found = self._get(physical_id)
        if found is None:
            return None
        live = {
            "name": found.name,
            "availability_zone": found.availability_zone,
            "hosts": sorted(found.hosts or []),
            "metadata": _metadata(found.metadata),
        }

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "hosts":
                return bool(sorted(map(str, given)) == value)
            if name == "metadata":
                return bool(_metadata(given) == value)
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
        fields = {k: new.get(k) for k in ("name", "availability_zone") if k in changed}
        if fields:
            with sdk_errors(f"updating host aggregate {physical_id}", physical_id):
                self.conn.compute.update_aggregate(physical_id, **fields)
        if "hosts" in changed:
            self._set_hosts(physical_id, set(new.get("hosts") or []))
        if "metadata" in changed:
            self._set_metadata(
                physical_id, _metadata(old.get("metadata")), _metadata(new.get("metadata"))
            )
        return self._result(physical_id)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        if self._get(physical_id) is None:
            return
        self._set_hosts(physical_id, set())
        self.gone_ok(
            lambda: self.conn.compute.delete_aggregate(physical_id, ignore_missing=False),
            f"host aggregate {physical_id}",
        )


TYPES = (HostAggregate,)
