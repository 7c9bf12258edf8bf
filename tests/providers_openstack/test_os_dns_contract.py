"""Contract tests for the Designate types: zones and recordsets created, waited on until
ACTIVE, updated in place, read for drift, found again after an interrupted create, checked
at plan time (did-you-mean for a zone name), and deleted (waited on until gone)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from _services import require_service

from atonix_iac.errors import ProviderError, ResourceFailedError

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _needs_designate(cloud: Any) -> None:
    require_service(cloud, "dns")


def test_zone_and_recordset_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    if cloud.sim is not None:
        cloud.sim.configure(delays={"zone": 0.2, "recordset": 0.2, "zone_delete": 0.2})
    types = cloud.provider().resource_types()
    zone_type, rs_type = types["OS::Designate::Zone"], types["OS::Designate::RecordSet"]
    sdk = cloud.sdk()
    zone_name = f"z{unique}.example.com."
    zone_props = {"name": zone_name, "email": "ops@example.com", "ttl": 600}
    assert zone_type.check(zone_props) == []
    zone = zone_type.create(ident("zone"), zone_props)
    live = sdk.dns.get_zone(zone.physical_id)
    assert (live.status, live.name, live.ttl) == ("ACTIVE", zone_name, 600)
    assert zone.attributes["serial"] == live.serial

    rs_props = {"zone": zone_name, "name": "www", "type": "A", "records": ["10.0.0.1"], "ttl": 300}
    assert rs_type.check(rs_props) == []
    recordset = rs_type.create(ident("www"), rs_props)
    assert recordset.attributes["show"]["name"] == f"www.{zone_name}"
    assert recordset.attributes["show"]["status"] == "ACTIVE"
    read = rs_type.read(ident("www"), recordset.physical_id, rs_props)
    assert read is not None and read.properties == rs_props

    new_rs = {**rs_props, "records": ["10.0.0.2", "10.0.0.3"], "ttl": 60}
    updated = rs_type.update(
        ident("www"), recordset.physical_id, rs_props, new_rs, frozenset({"records", "ttl"})
    )
    assert sorted(updated.attributes["show"]["records"]) == ["10.0.0.2", "10.0.0.3"]
    new_zone = {**zone_props, "ttl": 300, "description": "edge"}
    changed = zone_type.update(
        ident("zone"), zone.physical_id, zone_props, new_zone, frozenset({"ttl", "description"})
    )
    assert changed.attributes["serial"] > zone.attributes["serial"]

    # Drift behind our back.
    current = sdk.dns.get_recordset(recordset.physical_id, zone.physical_id)
    sdk.dns.update_recordset(current, records=["192.0.2.9"])
    drift = rs_type.read(ident("www"), recordset.physical_id, new_rs)
    assert drift is not None and drift.properties is not None
    assert drift.properties["records"] == ["192.0.2.9"]

    rs_type.delete(ident("www"), recordset.physical_id, new_rs)
    assert rs_type.read(ident("www"), recordset.physical_id, new_rs) is None
    rs_type.delete(ident("www"), recordset.physical_id, new_rs)
    zone_type.delete(ident("zone"), zone.physical_id, new_zone)
    assert zone_type.read(ident("zone"), zone.physical_id, new_zone) is None
    zone_type.delete(ident("zone"), zone.physical_id, new_zone)


def test_plan_time_checks(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    zone_type, rs_type = types["OS::Designate::Zone"], types["OS::Designate::RecordSet"]
    assert [d.message for d in zone_type.check({"name": "example.org"})] == [
        "`email` is required for a PRIMARY zone",
        "zone name `example.org` is not fully qualified",
    ]
    zone_name = f"checks{unique}.example.net."
    zone = zone_type.create(ident("zone"), {"name": zone_name, "email": "a@example.net"})
    typo = zone_name.replace("checks", "chekcs")
    found = rs_type.check({"zone": typo, "type": "A", "records": ["10.0.0.1"]})
    assert [(d.message, d.hint) for d in found] == [
        (f"zone `{typo}` not found", f"did you mean `{zone_name}`?")
    ]
    # The zone named without its trailing dot is found too.
    assert rs_type.check({"zone": zone_name.rstrip("."), "type": "A", "records": ["1.1.1.1"]}) == []
    with pytest.raises(ProviderError, match="not found"):
        rs_type.create(ident("rs"), {"zone": typo, "type": "A", "records": ["10.0.0.1"]})
    zone_type.delete(ident("zone"), zone.physical_id, {})


def test_interrupted_creates_are_found_by_natural_key(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    zone_type, rs_type = types["OS::Designate::Zone"], types["OS::Designate::RecordSet"]
    since = datetime.now(UTC)
    zone_props = {"name": f"lost{unique}.example.org.", "email": "a@example.org"}
    started = zone_type.start_create(ident("zone"), zone_props)
    assert zone_type.find_created(ident("zone"), zone_props, since, ()) == started.physical_id
    assert zone_type.find_created(ident("zone"), zone_props, since, (started.physical_id,)) is None
    zone_type.finish_create(ident("zone"), started, zone_props)
    rs_props = {"zone": started.physical_id, "type": "TXT", "records": ['"hello"']}
    rs = rs_type.start_create(ident("txt"), rs_props)
    assert rs_type.find_created(ident("txt"), rs_props, since, ()) == rs.physical_id
    done = rs_type.finish_create(ident("txt"), rs, rs_props)
    assert done.attributes["show"]["name"] == f"{ident('txt').stack}-txt.lost{unique}.example.org."
    zone_type.delete(ident("zone"), started.physical_id, zone_props)
    # The zone took its recordsets with it: deleting one now is a success.
    rs_type.delete(ident("txt"), rs.physical_id, rs_props)


def test_zone_in_error_fails_the_create(cloud: Any, ident: Any, unique: str) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "zone", "name": f"bad{unique}*", "outcome": "error"}])
    zone_type = cloud.provider().resource_types()["OS::Designate::Zone"]
    props = {"name": f"bad{unique}.example.com.", "email": "a@example.com"}
    with pytest.raises(ResourceFailedError, match="ERROR") as failed:
        zone_type.create(ident("zone"), props)
    assert failed.value.physical_id is not None  # kept in state (tainted), to be replaced
    zone_type.delete(ident("zone"), str(failed.value.physical_id), props)
