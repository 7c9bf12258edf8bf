"""A plan's resource demand against the binding's budget and the project's live limits.

The numbers arrive as plain data (the OpenStack provider computes them), so this module knows
no cloud. Demand is counted in the cloud's units (``ram_mb``, ``gigabytes``); a binding's
budget is written in friendlier ones (``ram_gb``, ``storage_gb``) and converted here.

Two figures per resource: ``peak`` is the most extra usage at any moment of the apply (a
create-before-destroy replacement holds both objects at once; a delete-then-create does not),
and ``net`` is the change once apply has finished. Overruns are judged on the peak, because
that is what the cloud refuses mid-apply.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Protocol

from atonix_iac.errors import Diagnostic, QuotaExceededError

# binding quota name -> (demand name, demand units per binding unit)
BINDING_UNITS: dict[str, tuple[str, int]] = {
    "instances": ("instances", 1),
    "vcpus": ("vcpus", 1),
    "ram_gb": ("ram_mb", 1024),
    "storage_gb": ("gigabytes", 1),
    "volumes": ("volumes", 1),
    "floating_ips": ("floating_ips", 1),
    "networks": ("networks", 1),
    "subnets": ("subnets", 1),
    "ports": ("ports", 1),
    "routers": ("routers", 1),
    "security_groups": ("security_groups", 1),
    "load_balancers": ("load_balancers", 1),
    "clusters": ("clusters", 1),
    "shares": ("shares", 1),
    "share_gb": ("share_gigabytes", 1),
}

# The order lines are shown in.
RESOURCE_ORDER = (
    "instances",
    "vcpus",
    "ram_mb",
    "volumes",
    "gigabytes",
    "floating_ips",
    "networks",
    "subnets",
    "ports",
    "routers",
    "security_groups",
    "load_balancers",
    "listeners",
    "pools",
    "lb_members",
    "health_monitors",
    "clusters",
    "shares",
    "share_gigabytes",
)


class DemandLike(Protocol):
    @property
    def peak(self) -> Mapping[str, int]: ...

    @property
    def net(self) -> Mapping[str, int]: ...


class LiveLimitsLike(Protocol):
    """The project's limits (negative = unlimited) and current usage, by demand name."""

    @property
    def limits(self) -> Mapping[str, int]: ...

    @property
    def usage(self) -> Mapping[str, int]: ...


@dataclass(frozen=True, slots=True)
class Overrun:
    resource: str
    needed: int  # usage at the apply's peak
    limit: int
    source: str  # "binding dev/demo" or "project demo"

    def describe(self) -> str:
        return (
            f"{self.resource}: apply needs {self.needed} at its peak, "
            f"over the {self.source} limit of {self.limit}"
        )


@dataclass(frozen=True, slots=True)
class QuotaLine:
    resource: str
    used: int
    after: int
    limit: int | None  # the tighter of binding and project; None = unlimited

    def format(self) -> str:
        cap = "∞" if self.limit is None else str(self.limit)
        return f"{self.resource} {self.used}/{cap} → {self.after}/{cap}"


@dataclass(frozen=True, slots=True)
class QuotaReport:
    lines: tuple[QuotaLine, ...] = ()
    overruns: tuple[Overrun, ...] = field(default=())

    @property
    def ok(self) -> bool:
        return not self.overruns

    def format(self) -> str:
        return "\n".join(line.format() for line in self.lines)

    def to_dict(self) -> dict[str, object]:
        return {
            "lines": [
                {"resource": ln.resource, "used": ln.used, "after": ln.after, "limit": ln.limit}
                for ln in self.lines
            ],
            "overruns": [
                {"resource": o.resource, "needed": o.needed, "limit": o.limit, "source": o.source}
                for o in self.overruns
            ],
        }


def binding_limits(binding_quotas: Mapping[str, int]) -> dict[str, int]:
    """A binding's budget converted to demand names and units."""
    out: dict[str, int] = {}
    for name, value in binding_quotas.items():
        target, factor = BINDING_UNITS.get(name, (name, 1))
        out[target] = value * factor
    return out


def assess_quotas(
    demand: DemandLike,
    binding_quotas: Mapping[str, int],
    live_limits: LiveLimitsLike | None,
    binding_label: str = "binding",
    project_label: str = "project",
) -> QuotaReport:
    """Usage lines for every resource the plan touches or a limit names, and every overrun."""
    budget = binding_limits(binding_quotas)
    project_limits = dict(live_limits.limits) if live_limits else {}
    usage = dict(live_limits.usage) if live_limits else {}
    touched = {k for k, v in demand.peak.items() if v} | {k for k, v in demand.net.items() if v}
    names = touched | set(budget)
    lines: list[QuotaLine] = []
    overruns: list[Overrun] = []
    for name in _ordered(names):
        used = usage.get(name, 0)
        peak = used + max(demand.peak.get(name, 0), 0)
        after = max(used + demand.net.get(name, 0), 0)
        caps: list[tuple[int, str]] = []
        if name in budget:
            caps.append((budget[name], binding_label))
        project_cap = project_limits.get(name)
        if project_cap is not None and project_cap >= 0:
            caps.append((project_cap, project_label))
        tightest = min((c for c, _ in caps), default=None)
        lines.append(QuotaLine(name, used, after, tightest))
        grows = demand.peak.get(name, 0) > 0
        for cap, source in caps:
            if grows and peak > cap:
                overruns.append(Overrun(name, peak, cap, source))
    return QuotaReport(tuple(lines), tuple(overruns))


def check_quotas(
    demand: DemandLike,
    binding_quotas: Mapping[str, int],
    live_limits: LiveLimitsLike | None,
    binding_label: str = "binding",
    project_label: str = "project",
) -> QuotaReport:
    """The report, or QuotaExceededError naming each overrun and the limit it breaks."""
    report = assess_quotas(demand, binding_quotas, live_limits, binding_label, project_label)
    if report.overruns:
        diagnostics = [
            Diagnostic(o.describe(), hint="lower the plan's demand or raise the quota")
            for o in report.overruns
        ]
        raise QuotaExceededError(
            "the plan exceeds quotas:\n" + "\n".join(f"  {o.describe()}" for o in report.overruns),
            diagnostics,
        )
    return report


def _ordered(names: set[str]) -> list[str]:
    known = [n for n in RESOURCE_ORDER if n in names]
    return known + sorted(names - set(RESOURCE_ORDER))
