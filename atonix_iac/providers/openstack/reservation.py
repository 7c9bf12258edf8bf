"""Blazar: OS::Blazar::Lease and OS::Blazar::Host, replaced on any change (Heat gives neither
a handle_update).

Blazar takes unwrapped bodies and answers wrapped ones. Neither object carries tags or
metadata: an interrupted lease create is found by its name (unique in a project), a host by
the compute host it enrolls (enrolled once). The lease body is built as Heat builds it: dates
renamed, and each reservation stripped of the keys that do not apply to its resource type.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import ReplacedOnChange
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._rest import Body, RestResource

_NOT_FOR = {
    "physical:host": ("vcpus", "memory_mb", "disk_gb", "affinity", "amount"),
    "virtual:instance": ("hypervisor_properties", "max", "min", "before_end"),
}
_LEASE_ATTRIBUTES = (
    "created_at",
    "degraded",
    "end_date",
    "events",
    "name",
    "project_id",
    "reservations",
    "start_date",
    "status",
    "trust_id",
    "updated_at",
    "user_id",
)
_HOST_ATTRIBUTES = (
    "cpu_info",
    "created_at",
    "hypervisor_hostname",
    "hypervisor_type",
    "hypervisor_version",
    "local_gb",
    "memory_mb",
    "reservable",
    "service_name",
    "status",
    "trust_id",
    "updated_at",
    "vcpus",
)


def _minute(value: Any) -> str | None:
    """A Blazar date ("2026-12-07T10:00:00.000000" or "2026-12-07 10:00") to the minute."""
    text = str(value or "").replace("T", " ")
    return text[:16] if len(text) >= 16 else None


class _Blazar(ReplacedOnChange, RestResource):
    service = "reservation"

    def wrap(self, body: dict[str, Any]) -> Any:
        return body  # Blazar's requests are unwrapped; its answers are not


class Lease(_Blazar):
    type_name = "OS::Blazar::Lease"
    path = "/leases"
    key, plural, what = "lease", "leases", "lease"
    fields = {
        "name": "name",
        "start_date": "start_date",
        "end_date": "end_date",
        "before_end_date": "before_end_date",
    }
    attribute_fields = {name: name for name in _LEASE_ATTRIBUTES}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        reservations = []
        for given in props.get("reservations") or []:
            kind = given.get("resource_type")
            dropped = _NOT_FOR.get(str(kind), ())
            reservations.append(
                {k: v for k, v in given.items() if k not in dropped and v is not None}
            )
        body["reservations"] = reservations
        body["events"] = list(props.get("events") or [])
        return body

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop in ("start_date", "end_date", "before_end_date"):
            return given == "now" or _minute(given) == _minute(value)
        return super().same(prop, given, value)


class Host(_Blazar):
    type_name = "OS::Blazar::Host"
    path = "/os-hosts"
    key, plural, what = "host", "hosts", "reservable host"
    named = False
    attribute_fields = {name: name for name in _HOST_ATTRIBUTES}

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        extra = {k: v for k, v in (props.get("extra_capability") or {}).items() if k != "name"}
        return {**extra, "name": props["name"]}

    def attributes(self, obj: Body) -> dict[str, Any]:
        attrs = super().attributes(obj)
        known = {"id", "hypervisor_hostname", *_HOST_ATTRIBUTES}
        attrs["extra_capability"] = {k: v for k, v in obj.items() if k not in known}
        return attrs

    def live(self, obj: Body) -> dict[str, Any]:
        return {
            "name": obj.get("hypervisor_hostname"),
            "extra_capability": self.attributes(obj)["extra_capability"],
        }

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop == "extra_capability" and isinstance(given, Mapping):
            wanted = {k: v for k, v in given.items() if k != "name"}
            live = value if isinstance(value, Mapping) else {}
            return all(str(live.get(k)) == str(v) for k, v in wanted.items())
        return super().same(prop, given, value)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        with sdk_errors(f"looking for an interrupted {self.what} create"):
            answer = self.call("GET", self.path) or {}
        for raw in answer.get(self.plural) or []:
            found = str(raw.get("id"))
            if raw.get("hypervisor_hostname") == properties.get("name") and found not in claimed:
                return found
        return None


TYPES: tuple[type[RestResource], ...] = (Lease, Host)
