"""Designate zones and recordsets (OS::Designate::Zone, OS::Designate::RecordSet).

As Heat's designate plugins do: a zone's email, ttl, description and primaries (``masters``)
change in place, a recordset's records, ttl and description too; everything else replaces.
Every create, update and delete is asynchronous in Designate (``PENDING`` until the backend
has it), so each waits for ``ACTIVE`` (or for the object to be gone) and an ``ERROR`` fails
the step. Designate objects carry no tags or metadata: an interrupted create is found by its
natural key (a zone's name, unique in the cloud; a recordset's zone, name and type, unique in
its zone) created no earlier than the intent. A recordset name without a trailing dot is
relative to its zone (``www`` in ``example.com.`` is ``www.example.com.``), as
python-designateclient makes it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack import _lookup
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, report, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._identity import created_since
from atonix_iac.providers.openstack._wait import wait_for_status, wait_until_gone


def fqdn(name: str, zone_name: str) -> str:
    """``www`` in ``example.com.`` -> ``www.example.com.``; absolute names unchanged."""
    if name.endswith("."):
        return name
    return f"{name}.{zone_name}" if name else zone_name


class _Designate(OpenStackResource):
    what: str = "zone"

    def _wait_active(self, fetch: Any, physical_id: str, action: str) -> Any:
        return wait_for_status(
            fetch,
            ("ACTIVE",),
            what=f"{action} {self.what} {physical_id}",
            timeout_s=self.timeout_s,
            failed=("ERROR",),
            physical_id=physical_id,
        )


class Zone(_Designate):
    type_name = "OS::Designate::Zone"
    what = "zone"

    def _get(self, zone_id: str) -> Any:
        return self.fetch(self.conn.dns.get_zone, zone_id, "zone")

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = super().check(properties)
        if "name" not in properties:
            return diagnostics  # an update in place: only the changing properties are here
        kind = properties.get("type") or "PRIMARY"
        if kind == "PRIMARY" and properties.get("email") is None:
            diagnostics.append(Diagnostic("`email` is required for a PRIMARY zone"))
        primaries = properties.get("primaries") or properties.get("masters")
        if kind == "SECONDARY" and not primaries:
            diagnostics.append(Diagnostic("`primaries` is required for a SECONDARY zone"))
        name = properties.get("name")
        if isinstance(name, str) and not name.endswith("."):
            diagnostics.append(
                Diagnostic(f"zone name `{name}` is not fully qualified", hint=f"write `{name}.`")
            )
        return diagnostics

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        body: dict[str, Any] = {
            "name": properties["name"],
            "type": properties.get("type") or "PRIMARY",
        }
        for name in ("email", "ttl", "description", "attributes"):
            if properties.get(name):
                body[name] = properties[name]
        primaries = properties.get("primaries") or properties.get("masters")
        if primaries:
            body["masters"] = list(primaries)
        with sdk_errors(f"creating zone {properties['name']}"):
            zone = self.conn.dns.create_zone(**body)
        return ResourceResult(str(zone.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        zone = self._wait_active(lambda: self._get(started.physical_id), started.physical_id, "new")
        return ResourceResult(started.physical_id, self.attributes(zone))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        with sdk_errors("looking for an interrupted zone create"):
            for zone in self.conn.dns.zones(name=properties["name"]):
                if (
                    zone.name == properties["name"]
                    and str(zone.id) not in claimed
                    and created_since(zone.created_at, since)
                ):
                    return str(zone.id)
        return None

    @staticmethod
    def attributes(zone: Any) -> dict[str, Any]:
        return {"serial": zone.serial, "show": show(zone)}

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        zone = self._get(physical_id)
        if zone is None or zone.action == "DELETE":
            return None
        masters = list(zone.masters or [])
        live = {
            "name": zone.name,
            "email": zone.email,
            "ttl": zone.ttl,
            "description": zone.description,
            "type": zone.type,
            "masters": masters,
            "primaries": masters,
        }
        return ResourceResult(physical_id, self.attributes(zone), report(properties, live, _same))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        body: dict[str, Any] = {
            k: new.get(k) for k in ("email", "ttl", "description") if k in changed
        }
        if {"primaries", "masters"} & changed:
            body["masters"] = list(new.get("primaries") or new.get("masters") or [])
        if body:
            with sdk_errors(f"updating zone {physical_id}", physical_id):
                self.conn.dns.update_zone(physical_id, **body)
        zone = self._wait_active(lambda: self._get(physical_id), physical_id, "updated")
        return ResourceResult(physical_id, self.attributes(zone))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        if not self.gone_ok(
            lambda: self.conn.dns.delete_zone(physical_id, ignore_missing=False),
            f"zone {physical_id}",
        ):
            return
        wait_until_gone(
            lambda: self._get(physical_id), what=f"zone {physical_id}", timeout_s=self.timeout_s
        )


def _same(name: str, given: Any, value: Any) -> bool:
    if name in ("records", "masters", "primaries"):
        return sorted(map(str, given or [])) == sorted(map(str, value or []))
    return bool(given == value)


class RecordSet(_Designate):
    type_name = "OS::Designate::RecordSet"
    what = "recordset"

    def _zone(self, name_or_id: str) -> Any:
        found = self.session.cached(
            "zone", name_or_id, lambda: _lookup.dns_zone(self.conn, name_or_id)
        )
        if found is None:
            raise ProviderError(_lookup.not_found_message(self.conn, "designate.zone", name_or_id))
        return found

    def _get(self, zone_id: str, recordset_id: str) -> Any:
        return self.fetch(
            lambda rid: self.conn.dns.get_recordset(rid, zone_id), recordset_id, "recordset"
        )

    def _name(self, identity: ResourceIdentity, properties: Mapping[str, Any], zone: Any) -> str:
        given = properties.get("name") or default_name(identity).lower().replace("_", "-")
        return fqdn(str(given), str(zone.name))

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        zone = self._zone(str(properties["zone"]))
        body: dict[str, Any] = {
            "name": self._name(identity, properties, zone),
            "type": properties["type"],
            "records": list(properties["records"]),
        }
        for name in ("ttl", "description"):
            if properties.get(name):
                body[name] = properties[name]
        with sdk_errors(f"creating recordset {body['name']} {body['type']}"):
            recordset = self.conn.dns.create_recordset(zone, **body)
        return ResourceResult(str(recordset.id))

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        zone_id = str(self._zone(str(properties["zone"])).id)
        recordset = self._wait_active(
            lambda: self._get(zone_id, started.physical_id), started.physical_id, "new"
        )
        return ResourceResult(started.physical_id, {"show": show(recordset)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        zone = self._zone(str(properties["zone"]))
        name = self._name(identity, properties, zone)
        with sdk_errors("looking for an interrupted recordset create"):
            for recordset in self.conn.dns.recordsets(zone, name=name, type=properties["type"]):
                if (
                    (recordset.name, recordset.type) == (name, properties["type"])
                    and str(recordset.id) not in claimed
                    and created_since(recordset.created_at, since)
                ):
                    return str(recordset.id)
        return None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        zone = self.session.cached(
            "zone",
            str(properties.get("zone")),
            lambda: _lookup.dns_zone(self.conn, str(properties.get("zone"))),
        )
        if zone is None:
            return None
        recordset = self._get(str(zone.id), physical_id)
        if recordset is None or recordset.action == "DELETE":
            return None
        live = {
            "records": list(recordset.records or []),
            "ttl": recordset.ttl,
            "description": recordset.description,
            "type": recordset.type,
            "name": recordset.name,
            "zone": properties.get("zone"),  # found through it, so it still names the zone
        }
        reported = report(properties, live, _same)
        if "name" in reported and fqdn(str(properties["name"]), str(zone.name)) == recordset.name:
            reported["name"] = properties["name"]
        return ResourceResult(physical_id, {"show": show(recordset)}, reported)

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        zone_id = str(self._zone(str(new["zone"])).id)
        body = {k: new.get(k) for k in ("records", "ttl", "description") if k in changed}
        if body:
            with sdk_errors(f"updating recordset {physical_id}", physical_id):
                current = self.conn.dns.get_recordset(physical_id, zone_id)
                self.conn.dns.update_recordset(current, **body)
        recordset = self._wait_active(
            lambda: self._get(zone_id, physical_id), physical_id, "updated"
        )
        return ResourceResult(physical_id, {"show": show(recordset)})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        zone = _lookup.dns_zone(self.conn, str(properties.get("zone")))
        if zone is None:
            return  # the zone (and every recordset in it) is gone already
        zone_id = str(zone.id)
        if not self.gone_ok(
            lambda: self.conn.dns.delete_recordset(physical_id, zone_id, ignore_missing=False),
            f"recordset {physical_id}",
        ):
            return
        wait_until_gone(
            lambda: self._get(zone_id, physical_id),
            what=f"recordset {physical_id}",
            timeout_s=self.timeout_s,
        )


TYPES = (Zone, RecordSet)
