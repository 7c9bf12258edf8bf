"""Cinder QoS specs, their association with volume types, and volume type encryption
(OS::Cinder::QoSSpecs, OS::Cinder::QoSAssociation, OS::Cinder::EncryptedVolumeType), as
Heat's plugins manage them, through the block storage proxy's own requests.

A QoS spec's keys change in place (keys the template drops are deleted); its destroy first
lets go of every volume type. An association's physical id is the QoS spec's id, and its
volume types change in place. An encryption's physical id is its volume type's id; its
provider, cipher, key size and control location change in place. QoS specs carry nothing for
a create token and their names are unique: an interrupted create is found by name. All of
them need an admin binding.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from openstack import exceptions as os_exceptions

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._admin import admin_diagnostic
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report
from atonix_iac.providers.openstack._errors import sdk_errors

_ENCRYPTION_FIELDS = ("provider", "cipher", "key_size", "control_location")


class _Cinder(OpenStackResource):
    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        refusal = admin_diagnostic(self)
        return [refusal] if refusal else super().check(properties)

    def call(self, method: str, path: str, action: str, body: Any = None, **params: Any) -> Any:
        """One request; the JSON answer ({} for none), or None for a 404 on a read."""
        with sdk_errors(action):
            response = getattr(self.conn.block_storage, method)(
                path, json=body, params=params or None, raise_exc=False
            )
            if response.status_code == 404 and method in ("get", "delete"):
                return None
            os_exceptions.raise_from_response(response)
            return response.json() if response.content else {}

    def type_id(self, name_or_id: str) -> str:
        return self.resolve("cinder.vtype", name_or_id)


class QoSSpecs(_Cinder):
    type_name = "OS::Cinder::QoSSpecs"

    def _get(self, spec_id: str) -> dict[str, Any] | None:
        found = self.call("get", f"/qos-specs/{spec_id}", f"reading QoS specs {spec_id}")
        return None if found is None else dict(found["qos_specs"])

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        name = properties.get("name") or default_name(identity)
        body = {"name": name, **{str(k): str(v) for k, v in properties["specs"].items()}}
        made = self.call("post", "/qos-specs", f"creating QoS specs {name}", {"qos_specs": body})
        return ResourceResult(str(made["qos_specs"]["id"]))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        name = properties.get("name") or default_name(identity)
        found = self.call("get", "/qos-specs", "looking for an interrupted QoS specs create")
        for spec in (found or {}).get("qos_specs") or []:
            if spec["name"] == name and str(spec["id"]) not in claimed:
                return str(spec["id"])
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        spec = self._get(physical_id)
        if spec is None:
            return None
        live = {"name": spec["name"], "specs": spec["specs"]}

        def same(name: str, given: Any, value: Any) -> bool:
            if name == "specs":
                return bool({str(k): str(v) for k, v in given.items()} == value)
            return bool(given == value)

        return ResourceResult(physical_id, {"show": spec}, report(properties, live, same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        wanted = {str(k): str(v) for k, v in (new.get("specs") or {}).items()}
        stale = [k for k in (old.get("specs") or {}) if k not in wanted]
        path = f"/qos-specs/{physical_id}"
        if stale:
            self.call("put", f"{path}/delete_keys", "deleting QoS keys", {"keys": stale})
        self.call(
            "put", path, f"setting the keys of QoS specs {physical_id}", {"qos_specs": wanted}
        )
        found = self.read(identity, physical_id, new)
        if found is None:
            raise ProviderError(f"QoS specs {physical_id} are gone")
        return ResourceResult(physical_id, found.attributes)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.call("delete", f"/qos-specs/{physical_id}", "deleting QoS specs", force="true")


class QoSAssociation(_Cinder):
    type_name = "OS::Cinder::QoSAssociation"

    def _spec_id(self, properties: Mapping[str, Any]) -> str:
        name_or_id = str(properties["qos_specs"])
        found = self.call("get", "/qos-specs", "looking up QoS specs") or {}
        for spec in found.get("qos_specs") or []:
            if name_or_id in (spec["id"], spec["name"]):
                return str(spec["id"])
        raise ProviderError(f"QoS specs `{name_or_id}` not found")

    def _associated(self, spec_id: str) -> set[str] | None:
        found = self.call("get", f"/qos-specs/{spec_id}/associations", "reading associations")
        if found is None:
            return None
        return {str(a["id"]) for a in found.get("qos_associations") or []}

    def _set(self, spec_id: str, add: set[str], drop: set[str]) -> None:
        for type_id in sorted(drop):
            self.call(
                "get", f"/qos-specs/{spec_id}/disassociate", "disassociating", vol_type_id=type_id
            )
        for type_id in sorted(add):
            self.call("get", f"/qos-specs/{spec_id}/associate", "associating", vol_type_id=type_id)

    def _types(self, properties: Mapping[str, Any]) -> set[str]:
        return {self.type_id(str(t)) for t in properties.get("volume_types") or []}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        spec_id = self._spec_id(properties)
        self._set(spec_id, self._types(properties) - (self._associated(spec_id) or set()), set())
        return ResourceResult(spec_id, {"show": {"qos_specs_id": spec_id}})

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        live = self._associated(physical_id)
        if live is None:
            return None
        reported: dict[str, Any] = {"qos_specs": properties.get("qos_specs")}
        wanted = self._types(properties)
        given = properties.get("volume_types")
        reported["volume_types"] = given if wanted <= live else sorted(wanted & live)
        show = {"qos_specs_id": physical_id, "volume_types": sorted(live)}
        return ResourceResult(physical_id, {"show": show}, reported)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        before, after = self._types(old), self._types(new)
        self._set(physical_id, after - before, before - after)
        return ResourceResult(physical_id, {"show": {"qos_specs_id": physical_id}})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        live = self._associated(physical_id)
        if live:
            try:
                mine = self._types(properties)
            except ProviderError:  # a volume type already gone took its association along
                mine = set(live)
            self._set(physical_id, set(), mine & live)


class EncryptedVolumeType(_Cinder):
    type_name = "OS::Cinder::EncryptedVolumeType"
    map_constraints = {"volume_type": "cinder.vtype"}

    def _get(self, type_id: str) -> dict[str, Any] | None:
        found = self.call("get", f"/types/{type_id}/encryption", "reading the encryption")
        return dict(found) if found else None

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        type_id = self.type_id(str(properties["volume_type"]))
        if self._get(type_id) is None:  # a retried create finds its own encryption done
            body = {k: properties[k] for k in _ENCRYPTION_FIELDS if properties.get(k) is not None}
            self.call(
                "post",
                f"/types/{type_id}/encryption",
                "encrypting the volume type",
                {"encryption": body},
            )
        return ResourceResult(type_id)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        found = self._get(started.physical_id)
        if found is None:
            raise ProviderError(f"volume type {started.physical_id} has no encryption")
        return ResourceResult(started.physical_id, {"show": found})

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        found = self._get(physical_id)
        if found is None:
            return None
        live = {k: found.get(k) for k in _ENCRYPTION_FIELDS}
        live["volume_type"] = properties.get("volume_type")
        return ResourceResult(
            physical_id, {"show": found}, report(properties, live, lambda n, g, v: g == v)
        )

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        found = self._get(physical_id)
        if found is None:
            raise ProviderError(f"volume type {physical_id} has no encryption")
        body = {k: new.get(k) for k in _ENCRYPTION_FIELDS if k in changed}
        self.call(
            "put",
            f"/types/{physical_id}/encryption/{found['encryption_id']}",
            "updating the encryption",
            {"encryption": body},
        )
        return self.finish_create(identity, ResourceResult(physical_id), new)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        found = self._get(physical_id)
        if found is not None:
            self.call(
                "delete",
                f"/types/{physical_id}/encryption/{found['encryption_id']}",
                "removing the encryption",
            )


TYPES = (QoSSpecs, QoSAssociation, EncryptedVolumeType)
