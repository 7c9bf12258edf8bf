"""Plan-time quotas: what a plan adds and frees, checked against live limits with GETs only."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError, QuotaExceededError
from atonix_iac.planner.plan import Action, ResourceChange
from atonix_iac.providers.openstack.quota import quota_demand
from atonix_iac.template.values import UNKNOWN
from atonix_iac.workspace.quota import check_quotas

pytestmark = pytest.mark.timeout(120)

FLAVORS = {"m1.small": (1, 2048), "m1.large": (4, 8192), "m1.xlarge": (8, 16384)}


def change(
    type_name: str,
    action: Action,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> ResourceChange:
    return ResourceChange(f"r{id(before)}{id(after)}", type_name, action, before, after)


def server(flavor: str, networks: Any = None) -> dict[str, Any]:
    return {"flavor": flavor, "image": "cirros", "networks": networks or [{"port": UNKNOWN}]}


def test_creates_count_flavors_volumes_and_network_objects() -> None:
    demand = quota_demand(
        [
            change("OS::Nova::Server", Action.CREATE, after=server("m1.large")),
            change("OS::Nova::Server", Action.CREATE, after=server("m1.small", [{"network": "n"}])),
            change("OS::Cinder::Volume", Action.CREATE, after={"size": 10}),
            change("OS::Neutron::FloatingIP", Action.CREATE, after={"floating_network": "p"}),
            change("OS::Neutron::Port", Action.CREATE, after={"network": UNKNOWN}),
            change("OS::Neutron::Net", Action.NOOP, before={}, after={}),
            change("OS::Heat::Value", Action.CREATE, after={"value": 1}),
        ],
        FLAVORS.get,
    )
    expected = {
        "instances": 2,
        "vcpus": 5,
        "ram_mb": 10240,
        "volumes": 1,
        "gigabytes": 10,
        "floating_ips": 1,
        "ports": 2,  # one explicit, one Nova makes for the network-only server
    }
    assert demand.peak == expected
    assert demand.net == expected


def test_replacements_count_their_peak() -> None:
    old, new = server("m1.small"), server("m1.large")
    cbd = quota_demand(
        [change("OS::Nova::Server", Action.CREATE_THEN_DELETE, old, new)], FLAVORS.get
    )
    # Both servers exist at once: the new one counts whole at the peak.
    assert cbd.peak == {"instances": 1, "vcpus": 4, "ram_mb": 8192}
    assert cbd.net == {"vcpus": 3, "ram_mb": 6144}
    dtc = quota_demand(
        [change("OS::Nova::Server", Action.DELETE_THEN_CREATE, old, new)], FLAVORS.get
    )
    # The old one is gone first: only the growth counts.
    assert dtc.peak == {"vcpus": 3, "ram_mb": 6144}
    assert dtc.net == {"vcpus": 3, "ram_mb": 6144}


def test_updates_and_deletes() -> None:
    demand = quota_demand(
        [
            change("OS::Cinder::Volume", Action.UPDATE, {"size": 10}, {"size": 25}),
            change("OS::Nova::Server", Action.UPDATE, server("m1.large"), server("m1.small")),
            change("OS::Nova::Server", Action.DELETE, before=server("m1.xlarge")),
        ],
        FLAVORS.get,
    )
    assert demand.peak == {"gigabytes": 15}
    assert demand.net == {
        "gigabytes": 15,
        "vcpus": -11,
        "ram_mb": -(6144 + 16384),
        "instances": -1,
    }


def test_unknown_flavor_counts_the_instance_only() -> None:
    demand = quota_demand(
        [change("OS::Nova::Server", Action.CREATE, after=server(UNKNOWN))], FLAVORS.get
    )
    assert demand.peak == {"instances": 1}


def test_over_quota_fails_at_plan_time_with_zero_writes(cloud: Any) -> None:
    provider = cloud.provider()
    binding = cloud.binding()
    changes = [
        change("OS::Nova::Server", Action.CREATE, after=server(cloud.small_flavor))
        for _ in range(3)
    ]
    if cloud.sim is not None:
        cloud.sim.clear_request_log()
    demand = provider.quota_demand(changes)
    live = provider.live_limits()
    assert demand.peak["instances"] == 3
    assert live.limits["instances"] >= 0 and "vcpus" in live.usage
    with pytest.raises(QuotaExceededError) as info:
        check_quotas(demand, {"instances": 2}, live, f"binding {binding.label}", "project")
    assert "instances: apply needs" in info.value.message
    assert f"binding {binding.label} limit of 2" in info.value.message
    if cloud.sim is not None:
        log = cloud.sim.request_log()
        assert log, "the quota check should have read the cloud"
        assert cloud.sim.request_log(writes_only=True) == []
        assert {r.method for r in log if r.service != "identity"} == {"GET"}


def test_project_limit_overrun_names_the_project_limit(cloud: Any) -> None:
    sim = cloud.require_sim()
    sim.set_quota("other", "compute", cores=3)
    try:
        provider = cloud.provider("other")
        changes = [
            change("OS::Nova::Server", Action.CREATE, after=server("m1.medium")) for _ in range(2)
        ]
        live = provider.live_limits()
        assert live.limits["vcpus"] == 3
        with pytest.raises(QuotaExceededError, match="over the project other limit of 3"):
            check_quotas(provider.quota_demand(changes), {}, live, "b", "project other")
    finally:
        sim.set_quota("other", "compute", cores=20)


def test_live_over_quota_surfaces_novas_message(cloud: Any, ident: Any) -> None:
    sim = cloud.require_sim()
    sim.set_quota("other", "compute", instances=0)
    try:
        provider = cloud.provider("other")
        types = provider.resource_types()
        net = types["OS::Neutron::Net"].create(ident("net"), {})
        subnet = types["OS::Neutron::Subnet"].create(
            ident("subnet"), {"network": net.physical_id, "cidr": "10.60.0.0/24"}
        )
        with pytest.raises(ProviderError) as info:
            types["OS::Nova::Server"].create(
                ident("server"),
                {
                    "flavor": cloud.small_flavor,
                    "image": cloud.image,
                    "networks": [{"network": net.physical_id}],
                },
            )
        assert "Quota exceeded for instances" in str(info.value)
        assert "(HTTP 403)" in str(info.value)
        types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
        types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})
    finally:
        sim.set_quota("other", "compute", instances=10)
