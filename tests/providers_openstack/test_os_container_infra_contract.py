"""Contract tests for the Magnum types: a cluster template and a cluster resized in place."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ResourceFailedError

from .conftest import require_service

pytestmark = pytest.mark.timeout(300)


@pytest.fixture
def coe_types(cloud: Any) -> dict[str, Any]:
    require_service(cloud, "container-infra")
    return dict(cloud.provider().resource_types())


def _template(cloud: Any, types: dict[str, Any], ident: Any, unique: str) -> tuple[Any, dict]:
    props = {
        "name": f"k8s-{unique}",
        "coe": "kubernetes",
        "image": cloud.image,
        "external_network": cloud.public_network,
        "flavor": cloud.small_flavor,
        "labels": {"kube_tag": "v1.27.3"},
    }
    return types["OS::Magnum::ClusterTemplate"].create(ident("template"), props), props


def test_cluster_lifecycle(cloud: Any, coe_types: dict[str, Any], ident: Any, unique: str) -> None:
    sdk = cloud.sdk()
    template, template_props = _template(cloud, coe_types, ident, unique)
    cluster_type = coe_types["OS::Magnum::Cluster"]
    props = {
        "name": f"cluster-{unique}",
        "cluster_template": template_props["name"],
        "node_count": 2,
        "master_count": 1,
    }
    if cloud.sim is not None:
        cloud.sim.set_delay(0.3, "cluster")
    cluster = cluster_type.create(ident("cluster"), props)
    assert cluster.attributes["status"] == "CREATE_COMPLETE"
    assert len(cluster.attributes["node_addresses"]) == 2
    assert cluster.attributes["cluster_template_id"] == template.physical_id
    live = sdk.container_infrastructure_management.get_cluster(cluster.physical_id)
    # The template's labels kept, the identity added.
    assert live.labels["kube_tag"] == "v1.27.3"
    assert live.labels["atonix:address"] == "cluster"

    read = cluster_type.read(ident("cluster"), cluster.physical_id, props)
    assert read is not None and read.properties == props

    # Resize in place, as Heat does: one PATCH, UPDATE_IN_PROGRESS -> UPDATE_COMPLETE.
    bigger = {**props, "node_count": 3}
    updated = cluster_type.update(
        ident("cluster"), cluster.physical_id, props, bigger, frozenset({"node_count"})
    )
    assert updated.physical_id == cluster.physical_id
    assert updated.attributes["status"] == "UPDATE_COMPLETE"
    assert updated.attributes["node_count"] == 3

    # Drift: resized behind our back.
    drift = cluster_type.read(ident("cluster"), cluster.physical_id, props)
    assert drift is not None and drift.properties == bigger

    cluster_type.delete(ident("cluster"), cluster.physical_id, bigger)
    assert cluster_type.read(ident("cluster"), cluster.physical_id, bigger) is None
    cluster_type.delete(ident("cluster"), cluster.physical_id, bigger)
    coe_types["OS::Magnum::ClusterTemplate"].delete(
        ident("template"), template.physical_id, template_props
    )
    assert (
        coe_types["OS::Magnum::ClusterTemplate"].read(
            ident("template"), template.physical_id, template_props
        )
        is None
    )


def test_failed_cluster_and_token(
    cloud: Any, coe_types: dict[str, Any], ident: Any, unique: str
) -> None:
    sim = cloud.require_sim()
    template, template_props = _template(cloud, coe_types, ident, unique)
    cluster_type = coe_types["OS::Magnum::Cluster"]
    who = ident("cluster")
    token = type(who)(who.workspace, who.environment, who.stack, who.address, "tok-2")
    sim.set_lifecycle([{"kind": "cluster", "outcome": "error", "name": f"bad-{unique}"}])
    props = {"name": f"bad-{unique}", "cluster_template": template.physical_id}
    started = cluster_type.start_create(token, props)
    assert cluster_type.find_created(token, props, None, ()) == started.physical_id
    with pytest.raises(ResourceFailedError, match="CREATE_FAILED"):
        cluster_type.finish_create(token, started, props)
    cluster_type.delete(who, started.physical_id, props)


def test_check_names_a_missing_template(cloud: Any, coe_types: dict[str, Any]) -> None:
    found = coe_types["OS::Magnum::Cluster"].check({"cluster_template": "no-such-template"})
    assert [d.message for d in found] == ["cluster template `no-such-template` not found"]
