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
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Protocol

from openstack import exceptions as os_exceptions

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
    "OS::Octavia::LoadBalancer": lambda p: Counter(load_balancers=1),
    "OS::Octavia::Listener": lambda p: Counter(listeners=1),
    "OS::Octavia::Pool": lambda p: Counter(pools=1),
    "OS::Octavia::PoolMember": lambda p: Counter(lb_members=1),
    "OS::Octavia::HealthMonitor": lambda p: Counter(health_monitors=1),
    "OS::Magnum::Cluster": lambda p: Counter(clusters=1),
    "OS::Manila::Share": lambda p: Counter(shares=1, share_gigabytes=_int(p.get("size"))),
    "OS::Trove::Instance": lambda p: Counter(db_instances=1, db_gigabytes=_int(p.get("size"))),
}
# Demand names read from a service beyond the core four, and the catalog type that has them.
OPTIONAL_SERVICES: dict[str, str] = {
    "load_balancers": "load-balancer",
    "listeners": "load-balancer",
    "pools": "load-balancer",
    "lb_members": "load-balancer",
    "health_monitors": "load-balancer",
    "clusters": "container-infra",
    "shares": "shared-file-system",
    "share_gigabytes": "shared-file-system",
    "db_instances": "database",
    "db_gigabytes": "database",
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


def live_limits(conn: Any, services: Collection[str] = ()) -> LiveLimits:
    """The project's limits and usage, read with GET requests only; ``services`` adds the
    optional services (catalog types) a plan touches: Octavia, Magnum, Manila."""
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
    for service in sorted(set(services)):
        reader = _OPTIONAL_READERS.get(service)
        if reader is not None:
            with sdk_errors(f"reading {service} quotas"):
                reader(conn, project_id, limits, usage)
    return LiveLimits(limits, usage)


def _json(proxy: Any, url: str, **kwargs: Any) -> Any:
    response = proxy.get(url, raise_exc=False, **kwargs)
    os_exceptions.raise_from_response(response)
    return response.json()


def _octavia(conn: Any, project_id: str, limits: dict[str, int], usage: dict[str, int]) -> None:
    """Octavia reports limits only; usage is counted from the project's objects."""
    proxy = conn.load_balancer
    quota = _json(proxy, f"/lbaas/quotas/{project_id}").get("quota") or {}
    for key, name, collection in (
        ("load_balancers", "load_balancer", "loadbalancers"),
        ("listeners", "listener", "listeners"),
        ("pools", "pool", "pools"),
        ("lb_members", "member", None),
        ("health_monitors", "health_monitor", "healthmonitors"),
    ):
        value = quota.get(name)
        if value is not None:
            limits[key] = int(value)
        if collection is not None:
            found = _json(proxy, f"/lbaas/{collection}", params={"project_id": project_id})
            usage[key] = len(found.get(collection) or [])
            if collection == "pools":  # members are listed per pool
                usage["lb_members"] = sum(
                    len(_json(proxy, f"/lbaas/pools/{pool['id']}/members").get("members") or [])
                    for pool in found.get("pools") or []
                )


def _magnum(conn: Any, project_id: str, limits: dict[str, int], usage: dict[str, int]) -> None:
    proxy = conn.container_infrastructure_management
    quota = _json(proxy, f"/quotas/{project_id}/Cluster")
    limits["clusters"] = int(quota.get("hard_limit", -1))
    usage["clusters"] = len(_json(proxy, "/clusters").get("clusters") or [])


def _manila(conn: Any, project_id: str, limits: dict[str, int], usage: dict[str, int]) -> None:
    # Usage comes only from .../detail (2.25+): Manila ignores Cinder's ``?usage=True``.
    url = f"/quota-sets/{project_id}/detail"
    quota = _json(conn.shared_file_system, url, microversion="2.25").get("quota_set") or {}
    for key, name in (("shares", "shares"), ("share_gigabytes", "gigabytes")):
        detail = quota.get(name)
        if isinstance(detail, Mapping):
            limits[key] = int(detail.get("limit", -1))
            usage[key] = int(detail.get("in_use", 0))


def _trove(conn: Any, project_id: str, limits: dict[str, int], usage: dict[str, int]) -> None:
    """Trove's ``/limits``: its ABSOLUTE entry holds the instance and volume (GB) limits; usage
    is counted from the project's instances."""
    entries = _json(conn.database, "/limits").get("limits") or []
    absolute: dict[str, Any] = next((e for e in entries if e.get("verb") == "ABSOLUTE"), {})
    for key, name in (("db_instances", "max_instances"), ("db_gigabytes", "max_volumes")):
        if absolute.get(name) is not None:
            limits[key] = int(absolute[name])
    instances = _json(conn.database, "/instances").get("instances") or []
    usage["db_instances"] = len(instances)
    usage["db_gigabytes"] = sum(int((i.get("volume") or {}).get("size") or 0) for i in instances)


_OPTIONAL_READERS: dict[str, Callable[[Any, str, dict[str, int], dict[str, int]], None]] = {
    "load-balancer": _octavia,
    "container-infra": _magnum,
    "shared-file-system": _manila,
    "database": _trove,
}
