"""What a plan adds to and frees from a project's quotas, and the project's live numbers.

``quota_demand`` is pure: it reads the plan's changes and asks ``flavor_size`` for the vCPUs
and RAM of each flavor named. ``live_limits`` only GETs (Nova limits, Neutron quota details,
Cinder quota usage), so checking quotas at plan time writes nothing to the cloud.

Counting rules: a create adds; a delete frees (but frees nothing before the apply ends, since
its order against unrelated creates is not fixed); an update adds its growth; a
create-before-destroy replacement holds old and new at once (the new one counts at the peak),
while delete-then-create frees first (only growth counts at the peak).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.quota_services import SERVICE_USAGE

# flavor name or id -> (vcpus, ram_mb), or None if unknown
FlavorSize = Callable[[str], tuple[int, int] | None]


class ChangeLike(Protocol):
    """The fields of ``planner.plan.ResourceChange`` this module reads."""

    @property
    def type(self) -> str: ...

    @property
    def action(self) -> str: ...

    @property
    def before(self) -> Mapping[str, Any] | None: ...

    @property
    def after(self) -> Mapping[str, Any] | None: ...


@dataclass(frozen=True, slots=True)
class QuotaDemand:
    peak: dict[str, int] = field(default_factory=dict)  # most extra usage during apply
    net: dict[str, int] = field(default_factory=dict)  # change once apply has finished

    @property
    def is_empty(self) -> bool:
        return not any(self.peak.values()) and not any(self.net.values())


@dataclass(frozen=True, slots=True)
class LiveLimits:
    limits: dict[str, int] = field(default_factory=dict)  # negative = unlimited
    usage: dict[str, int] = field(default_factory=dict)


def _int(value: Any) -> int:
    return value if isinstance(value, int) and not isinstance(value, bool) else 0


def _server(props: Mapping[str, Any], flavor_size: FlavorSize) -> Counter[str]:
    usage: Counter[str] = Counter(instances=1)
    flavor = props.get("flavor")
    if isinstance(flavor, str):
        size = flavor_size(flavor)
        if size is not None:
            usage["vcpus"] += size[0]
            usage["ram_mb"] += size[1]
    networks = props.get("networks")
    if isinstance(networks, list):
        # Nova creates a port for every network given without a port of its own.
        usage["ports"] += sum(1 for n in networks if isinstance(n, Mapping) and not n.get("port"))
    return usage


_SIMPLE: dict[str, Callable[[Mapping[str, Any]], Counter[str]]] = {
    "OS::Cinder::Volume": lambda p: Counter(volumes=1, gigabytes=_int(p.get("size"))),
    "OS::Neutron::Net": lambda p: Counter(networks=1),
    "OS::Neutron::Subnet": lambda p: Counter(subnets=1),
    "OS::Neutron::Port": lambda p: Counter(ports=1),
    "OS::Neutron::Router": lambda p: Counter(routers=1),
    "OS::Neutron::RouterInterface": lambda p: Counter(ports=1),
    "OS::Neutron::SecurityGroup": lambda p: Counter(security_groups=1),
    "OS::Neutron::FloatingIP": lambda p: Counter(floating_ips=1),
}


def resource_usage(
    type_name: str, props: Mapping[str, Any] | None, flavor_size: FlavorSize
) -> Counter[str]:
    """What one resource with these properties holds of the project's quotas."""
    if props is None:
        return Counter()
    if type_name == "OS::Nova::Server":
        return _server(props, flavor_size)
    counter = _SIMPLE.get(type_name) or SERVICE_USAGE.get(type_name)
    return counter(props) if counter else Counter()


def quota_demand(changes: Iterable[ChangeLike], flavor_size: FlavorSize) -> QuotaDemand:
    peak: Counter[str] = Counter()
    net: Counter[str] = Counter()
    for change in changes:
        action = str(change.action)
        if action == "no-op":
            continue
        before = resource_usage(change.type, change.before, flavor_size)
        after = resource_usage(change.type, change.after, flavor_size)
        if action == "create":
            before = Counter()
        elif action == "delete":
            after = Counter()
        for key in set(before) | set(after):
            delta = after[key] - before[key]
            net[key] += delta
            if action == "create-then-delete":
                peak[key] += after[key]
            elif delta > 0:
                peak[key] += delta
    return QuotaDemand(
        peak={k: v for k, v in peak.items() if v},
        net={k: v for k, v in net.items() if v},
    )


def _absolute(limits: Any, name: str) -> int | None:
    value = getattr(limits.absolute, name, None)
    return int(value) if value is not None else None


def live_limits(conn: Any) -> LiveLimits:
    """The project's limits and usage, read with GET requests only."""
    project_id = conn.current_project_id
    limits: dict[str, int] = {}
    usage: dict[str, int] = {}
    with sdk_errors("reading compute limits"):
        nova = conn.compute.get_limits()
    for key, limit_name, used_name in (
        ("instances", "instances", "instances_used"),
        ("vcpus", "total_cores", "total_cores_used"),
        ("ram_mb", "total_ram", "total_ram_used"),
    ):
        limit = _absolute(nova, limit_name)
        used = _absolute(nova, used_name)
        if limit is not None:
            limits[key] = limit
        if used is not None:
            usage[key] = used
    with sdk_errors("reading network quotas"):
        neutron = conn.network.get_quota(project_id, details=True)
    for key, attr in (
        ("networks", "networks"),
        ("subnets", "subnets"),
        ("ports", "ports"),
        ("routers", "routers"),
        ("floating_ips", "floating_ips"),
        ("security_groups", "security_groups"),
    ):
        detail = getattr(neutron, attr, None)
        if isinstance(detail, Mapping):
            limits[key] = int(detail.get("limit", -1))
            usage[key] = int(detail.get("used", 0))
    with sdk_errors("reading block storage quotas"):
        cinder = conn.block_storage.get_quota_set(project_id, usage=True)
    for key, attr in (("volumes", "volumes"), ("gigabytes", "gigabytes")):
        detail = getattr(cinder, attr, None)
        usage_detail = (getattr(cinder, "usage", None) or {}).get(attr)
        if isinstance(detail, Mapping):
            limits[key] = int(detail.get("limit", -1))
            usage[key] = int(detail.get("in_use", 0))
        elif detail is not None:
            limits[key] = int(detail)
            if usage_detail is not None:
                usage[key] = int(usage_detail)
    return LiveLimits(limits, usage)
