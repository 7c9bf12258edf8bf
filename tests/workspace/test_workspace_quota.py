"""Quota math: a plan's demand against the binding's budget and the project's live limits."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import pytest

from atonix_iac.errors import QuotaExceededError
from atonix_iac.workspace.quota import assess_quotas, binding_limits, check_quotas


@dataclass
class Demand:
    peak: Mapping[str, int] = field(default_factory=dict)
    net: Mapping[str, int] = field(default_factory=dict)


@dataclass
class Live:
    limits: Mapping[str, int] = field(default_factory=dict)
    usage: Mapping[str, int] = field(default_factory=dict)


def test_usage_lines_show_before_and_after() -> None:
    demand = Demand(peak={"vcpus": 8, "instances": 2}, net={"vcpus": 8, "instances": 2})
    live = Live(limits={"vcpus": 50, "instances": 10}, usage={"vcpus": 12, "instances": 3})
    report = check_quotas(demand, {}, live)
    assert report.format() == "instances 3/10 → 5/10\nvcpus 12/50 → 20/50"
    assert report.ok


def test_binding_units_are_converted() -> None:
    assert binding_limits({"ram_gb": 2, "storage_gb": 10, "vcpus": 4}) == {
        "ram_mb": 2048,
        "gigabytes": 10,
        "vcpus": 4,
    }


def test_tighter_limit_is_shown_and_every_overrun_is_listed() -> None:
    demand = Demand(peak={"vcpus": 30, "ram_mb": 4096}, net={"vcpus": 30, "ram_mb": 4096})
    live = Live(limits={"vcpus": 40, "ram_mb": -1}, usage={"vcpus": 12, "ram_mb": 1024})
    with pytest.raises(QuotaExceededError) as info:
        check_quotas(demand, {"vcpus": 20, "ram_gb": 4}, live, "binding team/dev", "project demo")
    message = info.value.message
    assert "vcpus: apply needs 42 at its peak, over the binding team/dev limit of 20" in message
    assert "vcpus: apply needs 42 at its peak, over the project demo limit of 40" in message
    assert "ram_mb: apply needs 5120 at its peak, over the binding team/dev limit of 4096" in (
        message
    )
    assert len(info.value.diagnostics) == 3
    report = assess_quotas(demand, {"vcpus": 20, "ram_gb": 4}, live)
    vcpus = next(line for line in report.lines if line.resource == "vcpus")
    assert vcpus.format() == "vcpus 12/20 → 42/20"


def test_peak_counts_but_net_may_shrink() -> None:
    # A create-before-destroy replacement needs both servers at once, then frees the old one.
    demand = Demand(peak={"instances": 1}, net={"instances": 0})
    live = Live(limits={"instances": 4}, usage={"instances": 4})
    with pytest.raises(QuotaExceededError, match="instances: apply needs 5"):
        check_quotas(demand, {}, live)
    # A delete-then-create replacement does not raise the peak.
    report = check_quotas(Demand(peak={}, net={}), {}, live)
    assert report.lines == ()


def test_shrinking_plan_never_fails_even_when_already_over() -> None:
    demand = Demand(peak={}, net={"instances": -2})
    live = Live(limits={"instances": 1}, usage={"instances": 3})
    report = check_quotas(demand, {"instances": 1}, live)
    assert report.format() == "instances 3/1 → 1/1"


def test_unlimited_and_no_live_data() -> None:
    demand = Demand(peak={"ports": 3}, net={"ports": 3})
    report = check_quotas(demand, {}, Live(limits={"ports": -1}))
    assert report.format() == "ports 0/∞ → 3/∞"
    with pytest.raises(QuotaExceededError, match="over the binding limit of 2"):
        check_quotas(demand, {"ports": 2}, None)
    assert check_quotas(demand, {}, None).to_dict()["overruns"] == []
