"""Contract tests for Octavia availability zones and their profiles (admin types)."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError

from .conftest import require_service

pytestmark = pytest.mark.timeout(120)


def test_zone_and_profile(cloud: Any, ident: Any, unique: str) -> None:
    cloud.require_sim()  # admin-only: a real cloud's zones are its operator's
    require_service(cloud, "load-balancer")
    types = cloud.provider().resource_types()
    profile_type = types["OS::Octavia::AvailabilityZoneProfile"]
    profile_props = {
        "name": f"azp-{unique}",
        "availability_zone_data": '{"compute_zone": "nova"}',
    }
    profile = profile_type.create(ident("profile"), profile_props)
    read = profile_type.read(ident("profile"), profile.physical_id, profile_props)
    assert read is not None and read.properties == profile_props

    zone_type = types["OS::Octavia::AvailabilityZone"]
    zone_props = {"name": f"az-{unique}", "availability_zone_profile": f"azp-{unique}"}
    assert zone_type.check(zone_props) == []
    typo = zone_type.check({**zone_props, "availability_zone_profile": f"azp-{unique}x"})
    assert [d.message for d in typo] == [f"availability zone profile `azp-{unique}x` not found"]
    zone = zone_type.create(ident("zone"), zone_props)
    assert zone.physical_id == f"az-{unique}"
    assert zone.attributes["availability_zone_profile_id"] == profile.physical_id
    assert zone_type.find_created(ident("zone"), zone_props, None, frozenset()) == zone.physical_id
    read = zone_type.read(ident("zone"), zone.physical_id, zone_props)
    assert read is not None and read.properties == zone_props

    off = {**zone_props, "enabled": False, "description": "drained"}
    zone_type.update(ident("zone"), zone.physical_id, zone_props, off, frozenset({"enabled"}))
    read = zone_type.read(ident("zone"), zone.physical_id, off)
    assert read is not None and read.attributes["show"]["enabled"] is False
    with pytest.raises(ProviderError, match="cannot be renamed"):
        zone_type.update(
            ident("zone"), zone.physical_id, off, {**off, "name": "other"}, frozenset({"name"})
        )

    with pytest.raises(ProviderError, match="in use"):
        profile_type.delete(ident("profile"), profile.physical_id, profile_props)
    zone_type.delete(ident("zone"), zone.physical_id, off)
    zone_type.delete(ident("zone"), zone.physical_id, off)
    profile_type.delete(ident("profile"), profile.physical_id, profile_props)
    assert profile_type.read(ident("profile"), profile.physical_id, profile_props) is None
