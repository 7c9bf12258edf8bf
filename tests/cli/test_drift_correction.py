"""Drift is corrected, not only shown: a flavor or a name changed behind atonix's back is put
back by apply, because apply diffs against what refresh read (the plan's before), not against
the stale state record (which still holds the value atonix last set)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from _cli_kit import SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)

STACK = """heat_template_version: 2018-08-31
parameters:
  name: {type: string}
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: {get_param: name}}
  subnet:
    type: OS::Neutron::Subnet
    properties: {network: {get_resource: net}, cidr: 10.43.0.0/24}
  server:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      name: {get_param: name}
      flavor: m1.small
      image: cirros
      networks: [{network: {get_resource: net}}]
"""


@pytest.fixture
def applied(cloud_project: CloudProject) -> Iterator[tuple[CloudProject, tuple[str, ...]]]:
    """The stack applied in project demo; destroyed afterwards."""
    cloud_project.bind("dev: {cloud: atonix-sim, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", STACK)
    args = (*SCOPE, "-var", f"name=drift-{uuid.uuid4().hex[:8]}")
    result = cloud_project.run("apply", "-auto-approve", *args)
    assert result.exit_code == 0, result.output
    try:
        yield cloud_project, args
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *args)
        assert destroyed.exit_code == 0, destroyed.output


def _physical_id(cloud: CloudProject, address: str) -> str:
    physical_id = cloud.state("stack", "team", "dev").resources[address].physical_id
    assert physical_id
    return physical_id


def _correct(cloud: CloudProject, args: tuple[str, ...], drift: str, fix: str) -> list[str]:
    """Plan shows ``drift`` and ``fix``; apply sends writes; a re-plan finds nothing."""
    planned = cloud.run("plan", *args, "-detailed-exitcode")
    assert planned.exit_code == 2, planned.output
    assert "Note: Objects have changed outside of atonix" in planned.stdout
    assert drift in planned.stdout and fix in planned.stdout
    assert "Plan: 0 to add, 1 to change, 0 to destroy." in planned.stdout
    cloud.sim.clear_request_log()
    result = cloud.run("apply", "-auto-approve", *args)
    assert result.exit_code == 0, result.output
    writes = cloud.writes()
    replanned = cloud.run("plan", *args, "-detailed-exitcode")
    assert replanned.exit_code == 0, replanned.output
    return writes


def test_a_flavor_resized_behind_atonix_is_resized_back(
    applied: tuple[CloudProject, tuple[str, ...]],
) -> None:
    cloud, args = applied
    admin: Any = cloud.sdk("demo")  # the simulator's clouds are its admin's
    # Same disk as m1.small: Nova never resizes a disk down, so the way back must be open.
    flavor = admin.compute.create_flavor(
        name=f"drift.small-{uuid.uuid4().hex[:6]}", ram=1024, vcpus=1, disk=20
    )
    try:
        server_id = _physical_id(cloud, "server")
        admin.compute.resize_server(server_id, flavor.id)
        admin.compute.wait_for_server(
            admin.compute.get_server(server_id), status="VERIFY_RESIZE", interval=0.05, wait=30
        )
        admin.compute.confirm_server_resize(server_id)

        writes = _correct(
            cloud,
            args,
            f'~ flavor = "m1.small" -> "{flavor.name}"',
            f'~ flavor = "{flavor.name}" -> "m1.small"',
        )
        assert any(w.endswith(f"/servers/{server_id}/action") for w in writes), writes
        live = admin.compute.get_server(server_id)
        assert (live.status, live.flavor["original_name"]) == ("ACTIVE", "m1.small")
    finally:
        admin.compute.delete_flavor(flavor.id)


def test_a_network_renamed_behind_atonix_is_renamed_back(
    applied: tuple[CloudProject, tuple[str, ...]],
) -> None:
    cloud, args = applied
    sdk = cloud.sdk("demo")
    net_id = _physical_id(cloud, "net")
    name = sdk.network.get_network(net_id).name
    sdk.network.update_network(net_id, name="renamed-by-hand")

    writes = _correct(
        cloud,
        args,
        f'~ name = "{name}" -> "renamed-by-hand"',
        f'~ name = "renamed-by-hand" -> "{name}"',
    )
    assert any(w.startswith("PUT ") and w.endswith(f"/networks/{net_id}") for w in writes), writes
    assert sdk.network.get_network(net_id).name == name


def test_refresh_only_records_drift_without_touching_the_cloud(
    applied: tuple[CloudProject, tuple[str, ...]],
) -> None:
    """Terraform's -refresh-only: plan shows what changed outside atonix and proposes no
    action; apply -refresh-only records it in state and sends no write to the cloud."""
    cloud, args = applied
    net_id = _physical_id(cloud, "net")
    cloud.sdk().network.update_network(net_id, name="renamed-by-hand")
    cloud.sim.clear_request_log()

    planned = cloud.run("plan", "-refresh-only", "-detailed-exitcode", *args)
    assert planned.exit_code == 2, planned.output
    assert "# net has changed" in planned.stdout
    assert "This is a refresh-only plan" in planned.stdout
    assert "will be updated in place" not in planned.stdout
    saved = cloud.run("plan", "-refresh-only", "-out", "r.plan", *args)
    assert saved.exit_code == 1 and "not saved yet" in saved.stderr

    recorded = cloud.run("apply", "-refresh-only", "-auto-approve", *args)
    assert recorded.exit_code == 0, recorded.output
    assert " updated, 0 removed (gone from the cloud)" in recorded.stdout
    assert cloud.writes() == [], "refresh-only wrote to the cloud"
    state = cloud.state("stack", "team", "dev")
    assert state.resources["net"].properties["name"] == "renamed-by-hand"
    again = cloud.run("plan", "-refresh-only", "-detailed-exitcode", *args)
    assert again.exit_code == 0 and "still matches the configuration" in again.stdout
    # A normal plan now puts the template's name back.
    assert cloud.run("plan", "-detailed-exitcode", *args).exit_code == 2
