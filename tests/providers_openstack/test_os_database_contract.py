"""Contract tests for OS::Trove::Instance: created with schemas and users, read without drift,
renamed, resized (flavor and volume), its databases and users changed, found again after an
interrupted create, deleted twice."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from atonix_iac.errors import ProviderError, QuotaExceededError
from atonix_iac.planner.plan import Action, ResourceChange
from atonix_iac.providers.base import ResourceResult
from atonix_iac.workspace.quota import check_quotas

from .conftest import require_service

pytestmark = pytest.mark.timeout(300)


def test_instance_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    require_service(cloud, "database")
    instance_type = cloud.provider().resource_types()["OS::Trove::Instance"]
    props = {
        "name": f"db-{unique}",
        "flavor": cloud.small_flavor,
        "size": 2,
        "datastore_type": "mysql",
        "databases": [{"name": "app"}],
        "users": [{"name": "app", "password": "s3cret-db", "databases": ["app"]}],
    }
    since = datetime.now(UTC)
    who = replace(ident("db"), token="t-db")
    started = instance_type.start_create(who, props)
    # Killed before state recorded it: found by name and creation time.
    assert instance_type.find_created(who, props, since, frozenset()) == started.physical_id
    assert instance_type.find_created(who, props, since, {started.physical_id}) is None
    done = instance_type.finish_create(who, ResourceResult(started.physical_id), props)
    assert done.attributes["hostname"]
    assert done.attributes["href"].endswith(f"/instances/{done.physical_id}")
    assert "s3cret-db" not in str(done.attributes)
    read = instance_type.read(who, done.physical_id, props)
    assert read is not None and read.properties == props

    bigger = {
        **props,
        "name": f"db2-{unique}",
        "flavor": cloud.bigger_flavor,
        "size": 4,
        "databases": [{"name": "app"}, {"name": "audit"}],
        "users": [{"name": "app", "password": "s3cret-db", "databases": ["app", "audit"]}],
    }
    instance_type.update(
        who,
        done.physical_id,
        props,
        bigger,
        frozenset({"name", "flavor", "size", "databases", "users"}),
    )
    read = instance_type.read(who, done.physical_id, bigger)
    assert read is not None and read.properties == bigger
    live = read.attributes["show"]
    assert (live["name"], live["volume"]["size"]) == (f"db2-{unique}", 4)

    # Shrinking a volume is refused by Trove, plainly.
    with pytest.raises(ProviderError, match="larger than the current"):
        instance_type.update(
            who, done.physical_id, bigger, {**bigger, "size": 1}, frozenset({"size"})
        )

    instance_type.delete(who, done.physical_id, bigger)
    instance_type.delete(who, done.physical_id, bigger)
    assert instance_type.read(who, done.physical_id, bigger) is None


def test_instance_flavor_checked_at_plan_time(cloud: Any) -> None:
    require_service(cloud, "database")
    instance_type = cloud.provider().resource_types()["OS::Trove::Instance"]
    diagnostics = instance_type.check({"flavor": "m1.smal", "size": 1})
    assert [d.message for d in diagnostics] == ["flavor `m1.smal` not found"]
    assert "m1.small" in str(diagnostics[0].hint)


def test_trove_quota_overrun_is_caught_at_plan_time(cloud: Any, ident: Any) -> None:
    sim = cloud.require_sim()
    sim.set_quota(cloud.project, "database", volumes=5)
    provider = cloud.provider()
    try:
        changes = [
            ResourceChange(
                f"db{i}",
                "OS::Trove::Instance",
                Action.CREATE,
                None,
                {"flavor": "m1.small", "size": 3},
            )
            for i in range(2)
        ]
        demand = provider.quota_demand(changes)
        assert demand.peak == {"db_instances": 2, "db_gigabytes": 6}
        sim.clear_request_log()
        limits = provider.live_limits()
        assert limits.limits["db_gigabytes"] == 5 and limits.usage["db_instances"] >= 0
        assert any(r.service == "database" for r in sim.request_log())
        assert sim.request_log(writes_only=True) == []
        with pytest.raises(QuotaExceededError, match="db_gigabytes"):
            check_quotas(demand, {}, limits)
        # The simulator refuses the same overrun at create time, as Trove does.
        instance_type = provider.resource_types()["OS::Trove::Instance"]
        with pytest.raises(ProviderError, match="Quota exceeded"):
            instance_type.create(ident("big"), {"flavor": cloud.small_flavor, "size": 6})
    finally:
        sim.set_quota(cloud.project, "database", volumes=40)


def test_cluster_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    require_service(cloud, "database")
    cluster_type = cloud.provider().resource_types()["OS::Trove::Cluster"]
    member = {"flavor": cloud.small_flavor, "volume_size": 1}
    props = {
        "name": f"mongo-{unique}",
        "datastore_type": "mongodb",
        "datastore_version": "4.4",
        "instances": [member, member, member],
    }
    since = datetime.now(UTC)
    started = cluster_type.start_create(ident("mongo"), props)
    assert cluster_type.find_created(ident("mongo"), props, since, frozenset()) == (
        started.physical_id
    )
    done = cluster_type.finish_create(ident("mongo"), ResourceResult(started.physical_id), props)
    assert len(done.attributes["instances"]) == 3 and len(done.attributes["ip"]) == 3
    read = cluster_type.read(ident("mongo"), done.physical_id, props)
    assert read is not None and read.properties == {
        k: v for k, v in props.items() if k != "instances"
    }
    # MySQL has no cluster strategy in Trove: refused plainly.
    with pytest.raises(ProviderError, match="Clusters not supported"):
        cluster_type.create(
            ident("mysql"), {**props, "datastore_type": "mysql", "datastore_version": "8.0"}
        )
    cluster_type.delete(ident("mongo"), done.physical_id, props)
    cluster_type.delete(ident("mongo"), done.physical_id, props)
    assert cluster_type.read(ident("mongo"), done.physical_id, props) is None
