"""Contract tests for Blazar: a reservable host and a lease reserving it, read without drift,
found again after an interrupted create, deleted twice."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceResult

from .conftest import require_service

pytestmark = pytest.mark.timeout(120)


def test_host_and_lease(cloud: Any, ident: Any, unique: str) -> None:
    cloud.require_sim()  # enrolling a compute host is an operator's act
    require_service(cloud, "reservation")
    types = cloud.provider().resource_types()
    host_type = types["OS::Blazar::Host"]
    host_props = {"name": "sim-compute-1", "extra_capability": {"gpu": "true"}}
    assert host_type.check(host_props) == []
    started = host_type.start_create(ident("host"), host_props)
    assert host_type.find_created(ident("host"), host_props, None, frozenset()) == (
        started.physical_id
    )
    host = host_type.finish_create(ident("host"), ResourceResult(started.physical_id), host_props)
    assert host.attributes["hypervisor_hostname"] == "sim-compute-1"
    assert host.attributes["extra_capability"] == {"gpu": "true"}
    read = host_type.read(ident("host"), host.physical_id, host_props)
    assert read is not None and read.properties == host_props
    with pytest.raises(ProviderError, match="already enrolled"):
        host_type.create(ident("again"), host_props)

    lease_type = types["OS::Blazar::Lease"]
    start = datetime.now(UTC) + timedelta(days=1)
    lease_props = {
        "name": f"lease-{unique}",
        "start_date": start.strftime("%Y-%m-%d %H:%M"),
        "end_date": (start + timedelta(hours=4)).strftime("%Y-%m-%d %H:%M"),
        "reservations": [
            {
                "resource_type": "physical:host",
                "min": 1,
                "max": 1,
                "hypervisor_properties": "",
                "resource_properties": '["=", "$gpu", "true"]',
                "vcpus": None,
                "amount": None,
            }
        ],
    }
    lease = lease_type.create(ident("lease"), lease_props)
    assert lease.attributes["status"] == "PENDING"
    reservation = lease.attributes["reservations"][0]
    assert "vcpus" not in reservation and reservation["min"] == 1
    assert lease_type.find_created(ident("lease"), lease_props, None, frozenset()) == (
        lease.physical_id
    )
    read = lease_type.read(ident("lease"), lease.physical_id, lease_props)
    assert read is not None and read.properties == {
        k: v for k, v in lease_props.items() if k != "reservations"
    }
    # A reserved host cannot go before its lease.
    with pytest.raises(ProviderError, match="reserved by lease"):
        host_type.delete(ident("host"), host.physical_id, host_props)
    lease_type.delete(ident("lease"), lease.physical_id, lease_props)
    lease_type.delete(ident("lease"), lease.physical_id, lease_props)
    assert lease_type.read(ident("lease"), lease.physical_id, lease_props) is None
    host_type.delete(ident("host"), host.physical_id, host_props)
    assert host_type.read(ident("host"), host.physical_id, host_props) is None
