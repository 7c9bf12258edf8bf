"""Magnum in the simulator: templates, clusters and their long-running statuses."""

from __future__ import annotations

import time
from typing import Any

import pytest
from openstack import exceptions as os_exceptions

from atonix_iac.simulator import SimulatorServer


def _template(conn: Any) -> Any:
    image = next(conn.image.images()).id
    return conn.container_infrastructure_management.create_cluster_template(
        name="k8s", coe="kubernetes", image_id=image, external_network_id="public"
    )


def test_cluster_builds_resizes_and_deletes(sim: SimulatorServer, conn: Any) -> None:
    magnum = conn.container_infrastructure_management
    template = _template(conn)
    sim.set_delay(0.2, "cluster")
    sim.set_delay(0.2, "cluster_action")
    cluster = magnum.create_cluster(name="c1", cluster_template_id=template.id, node_count=2)
    assert magnum.get_cluster(cluster.id).status == "CREATE_IN_PROGRESS"
    patch = [{"op": "replace", "path": "/node_count", "value": 3}]
    busy = magnum.patch(f"/clusters/{cluster.id}", json=patch)
    assert busy.status_code == 409
    time.sleep(0.25)
    built = magnum.get_cluster(cluster.id)
    assert (built.status, len(built.node_addresses)) == ("CREATE_COMPLETE", 2)
    assert magnum.patch(f"/clusters/{cluster.id}", json=patch).status_code == 202
    assert magnum.get_cluster(cluster.id).status == "UPDATE_IN_PROGRESS"
    time.sleep(0.25)
    assert magnum.get_cluster(cluster.id).node_count == 3
    refused = magnum.delete(f"/clustertemplates/{template.id}")
    assert refused.status_code == 400
    assert "referenced by one or multiple clusters" in refused.json()["errors"][0]["detail"]
    magnum.delete_cluster(cluster.id)
    with pytest.raises(os_exceptions.NotFoundException):
        magnum.get_cluster(cluster.id)
    magnum.delete_cluster_template(template.id)


def test_template_needs_a_known_image(sim: SimulatorServer, conn: Any) -> None:
    response = conn.container_infrastructure_management.post(
        "/clustertemplates",
        json={"coe": "kubernetes", "image_id": "nope", "external_network_id": "public"},
    )
    assert response.status_code == 400
    assert response.json()["errors"][0]["detail"] == "Image nope could not be found for image_id."
