"""Per-project quota limits: service defaults, config overrides, per-project overrides.

Usage is counted by each service module from its own records, as the real services do.
"""

from __future__ import annotations

from collections.abc import Mapping

from .config import SimConfig
from .store import Store

#: Upstream defaults (nova.conf [quota], neutron.conf [quotas], cinder.conf).
DEFAULTS: dict[str, dict[str, int]] = {
    "compute": {
        "instances": 10,
        "cores": 20,
        "ram": 51200,
        "key_pairs": 100,
        "metadata_items": 128,
        "injected_files": 5,
        "injected_file_content_bytes": 10240,
        "injected_file_path_bytes": 255,
        "server_groups": 10,
        "server_group_members": 10,
    },
    "network": {
        "network": 100,
        "subnet": 100,
        "port": 500,
        "router": 10,
        "floatingip": 50,
        "security_group": 10,
        "security_group_rule": 100,
        "rbac_policy": 10,
        "subnetpool": -1,
    },
    "block-storage": {
        "volumes": 10,
        "gigabytes": 1000,
        "snapshots": 10,
        "backups": 10,
        "backup_gigabytes": 1000,
        "per_volume_gigabytes": -1,
        "groups": 10,
    },
    # barbican.conf [quotas]: unlimited unless the operator sets them.
    "key-manager": {"secrets": -1, "orders": -1, "containers": -1, "consumers": -1, "cas": -1},
    # designate.conf [DEFAULT] quota_*.
    "dns": {
        "zones": 10,
        "zone_recordsets": 500,
        "zone_records": 500,
        "recordset_records": 20,
        "api_export_size": 1000,
    },
    # octavia.conf [quotas]: unlimited unless set.
    "load-balancer": {
        "load_balancer": -1,
        "listener": -1,
        "pool": -1,
        "health_monitor": -1,
        "member": -1,
        "l7policy": -1,
        "l7rule": -1,
    },
    "container-infra": {"clusters": 20},
    # trove.conf [DEFAULT] max_instances_per_tenant, max_volumes_per_tenant (GB).
    "database": {"instances": 10, "volumes": 40, "backups": 50},
    "shared-file-system": {
        "shares": 50,
        "gigabytes": 1000,
        "snapshots": 50,
        "snapshot_gigabytes": 1000,
        "share_networks": 10,
        "share_groups": 50,
        "share_group_snapshots": 50,
        "share_replicas": 100,
        "replica_gigabytes": 1000,
        "per_share_gigabytes": -1,
    },
}


def defaults(config: SimConfig, service: str) -> dict[str, int]:
    values = dict(DEFAULTS[service])
    values.update(config.quotas.get(service, {}))
    return values


def limits(store: Store, config: SimConfig, project_id: str, service: str) -> dict[str, int]:
    values = defaults(config, service)
    values.update(store.quota_overrides(project_id, service))
    return values


def set_limits(
    store: Store, project_id: str, service: str, updates: Mapping[str, object]
) -> list[str]:
    """Store overrides; return the keys that are not quota names for ``service``."""
    known = DEFAULTS[service]
    overrides = store.quota_overrides(project_id, service)
    bad = [k for k in updates if k not in known]
    for key, value in updates.items():
        if key in known:
            overrides[key] = int(value)  # type: ignore[call-overload]
    store.changed()
    return bad


def reset(store: Store, project_id: str, service: str) -> None:
    store.quota_overrides(project_id, service).clear()
    store.changed()


def exceeds(limit: int, used: int, requested: int) -> bool:
    """-1 means unlimited, as in every service."""
    return limit >= 0 and used + requested > limit
