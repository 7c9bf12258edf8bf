"""Plan-time quotas of the DNS and key manager services: the demand a plan's zones, secrets
and orders make, the live limits read only when the plan holds some, and an overrun caught
before anything is created."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import QuotaExceededError
from atonix_iac.planner.plan import Action, ResourceChange
from atonix_iac.workspace.quota import check_quotas

pytestmark = pytest.mark.timeout(120)


def _create(address: str, type_name: str, after: dict[str, Any]) -> ResourceChange:
    return ResourceChange(address, type_name, Action.CREATE, None, after)


def test_demand_counts_what_orders_generate(cloud: Any) -> None:
    provider = cloud.provider()
    demand = provider.quota_demand(
        [
            _create("a", "OS::Designate::Zone", {"name": "a.example."}),
            _create("s", "OS::Barbican::Secret", {}),
            _create("k", "OS::Barbican::Order", {"type": "key"}),
            _create("r", "OS::Barbican::Order", {"type": "asymmetric", "pass_phrase": "x"}),
            _create("c", "OS::Barbican::GenericContainer", {}),
        ]
    )
    assert demand.peak == {"zones": 1, "secrets": 5, "orders": 2, "containers": 2}


def test_zone_quota_overrun_is_caught_at_plan_time(cloud: Any, unique: str) -> None:
    sim = cloud.require_sim()
    sim.set_quota(cloud.project, "dns", zones=1)
    provider = cloud.provider()
    try:
        changes = [
            _create(f"z{i}", "OS::Designate::Zone", {"name": f"z{i}{unique}.example."})
            for i in range(2)
        ]
        demand = provider.quota_demand(changes)
        sim.clear_request_log()
        limits = provider.live_limits()
        zones_now = len(list(cloud.sdk().dns.zones()))
        assert (limits.limits["zones"], limits.usage["zones"]) == (1, zones_now)
        assert any(r.service == "dns" for r in sim.request_log())
        assert sim.request_log(writes_only=True) == []
        with pytest.raises(QuotaExceededError, match="zones"):
            check_quotas(demand, {}, limits)
    finally:
        sim.set_quota(cloud.project, "dns", zones=10)


def test_plans_without_service_types_do_not_read_their_quotas(cloud: Any) -> None:
    sim = cloud.require_sim()
    provider = cloud.provider()
    provider.quota_demand([_create("v", "OS::Cinder::Volume", {"size": 1})])
    sim.clear_request_log()
    limits = provider.live_limits()
    assert "zones" not in limits.limits and "secrets" not in limits.limits
    assert {r.service for r in sim.request_log()} <= {
        "identity",
        "compute",
        "network",
        "block-storage",
    }
