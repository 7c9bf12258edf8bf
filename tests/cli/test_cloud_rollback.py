"""``apply -on-failure=rollback`` against the OpenStack simulator: a server that goes to ERROR
takes the network and subnet this run created with it, as the cloud's own API shows."""

from __future__ import annotations

import pytest
from _cli_kit import CloudProject
from test_cloud_stacks import SCOPE, SERVER_STACK

pytestmark = pytest.mark.timeout(180)

NAME = "doomed-rollback"


def _objects(cloud: CloudProject) -> dict[str, set[str]]:
    """Every network, subnet and server of the project, listed through the cloud's API."""
    sdk = cloud.sdk("demo")
    return {
        "networks": {n.id for n in sdk.network.networks()},
        "subnets": {s.id for s in sdk.network.subnets()},
        "servers": {s.id for s in sdk.compute.servers()},
    }


def test_rollback_deletes_the_cloud_objects_the_failed_run_created(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind("dev: {cloud: atonix-sim, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", SERVER_STACK)
    before = _objects(cloud_project)
    cloud_project.sim.set_lifecycle([{"kind": "server", "outcome": "error", "name": NAME}])
    try:
        failed = cloud_project.run(
            "apply", "-auto-approve", *SCOPE, "-var", f"name={NAME}", "-on-failure=rollback"
        )
    finally:
        cloud_project.sim.set_lifecycle([])
    try:
        assert failed.exit_code == 1, failed.output
        assert "server: Creation failed" in failed.stdout
        for address in ("server", "subnet", "net"):
            assert f"{address}: Rolling back (destroying)... [id=" in failed.stdout
        assert "Apply failed; rolled back: 3 destroyed, 0 restored." in failed.stdout
        assert "went to status ERROR" in failed.stderr
        # Every object the run made (the server in ERROR too) is gone from the cloud...
        assert _objects(cloud_project) == before
        # ...and from state, so a plain re-run, the failure gone, converges.
        assert cloud_project.state("stack", "team", "dev").resources == {}
        deletes = [w for w in cloud_project.writes() if w.startswith("DELETE") and "/_sim" not in w]
        assert len(deletes) == 3, deletes
        fixed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", f"name={NAME}")
        assert fixed.exit_code == 0, fixed.output
        made = {kind: ids - before[kind] for kind, ids in _objects(cloud_project).items()}
        assert {k: len(v) for k, v in made.items()} == {"networks": 1, "subnets": 1, "servers": 1}
        again = cloud_project.run("plan", *SCOPE, "-var", f"name={NAME}", "-detailed-exitcode")
        assert again.exit_code == 0, again.output
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", f"name={NAME}")
        assert destroyed.exit_code == 0, destroyed.output


def test_an_undo_the_cloud_refuses_is_reported_and_what_needs_it_is_kept(
    cloud_project: CloudProject,
) -> None:
    name = "doomed-refused"
    cloud_project.bind("dev: {cloud: atonix-sim, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", SERVER_STACK)
    sim = cloud_project.sim
    sim.set_lifecycle([{"kind": "server", "outcome": "error", "name": name}])
    sim.add_fault(
        service="network", method="DELETE", path="/subnets/*", status=403, message="No way"
    )
    try:
        failed = cloud_project.run(
            "apply", "-auto-approve", *SCOPE, "-var", f"name={name}", "-on-failure=rollback"
        )
    finally:
        sim.set_lifecycle([])
        sim.clear_faults()
    try:
        assert failed.exit_code == 1, failed.output
        assert "server: Rolled back (destroyed)" in failed.stdout
        assert "subnet: Rollback failed (destroying)" in failed.stdout
        assert "\nnet: Rolling back" not in failed.stdout  # the subnet still uses it
        assert (
            "Apply failed; rolled back: 1 destroyed, 0 restored; 2 not rolled back."
            in failed.stdout
        )
        assert "  not rolled back net: waits for subnet, whose rollback failed" in failed.stderr
        assert "  not rolled back subnet: rollback failed: " in failed.stderr
        assert "No way" in failed.stderr
        state = cloud_project.state("stack", "team", "dev").resources
        assert set(state) == {"net", "subnet"}
        sdk = cloud_project.sdk("demo")
        assert sdk.network.get_subnet(state["subnet"].physical_id) is not None
        fixed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", f"name={name}")
        assert fixed.exit_code == 0, fixed.output
        assert "Plan: 1 to add, 0 to change, 0 to destroy." in fixed.stdout
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", f"name={name}")
        assert destroyed.exit_code == 0, destroyed.output


def test_a_create_left_unconfirmed_is_settled_before_rolling_back(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The cloud keeps answering 503 to the subnet's create: the run cannot tell whether one
    was made, so its intent stays pending; the rollback looks it up by token (none) and drops
    it, then deletes the network, leaving nothing."""
    monkeypatch.setenv("ATONIX_RETRY_ATTEMPTS", "2")
    monkeypatch.setenv("ATONIX_RETRY_INITIAL_S", "0.01")
    name = "doomed-unanswered"
    cloud_project.bind("dev: {cloud: atonix-sim, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", SERVER_STACK)
    before = _objects(cloud_project)
    sim = cloud_project.sim
    sim.add_fault(service="network", method="POST", path="/subnets", status=503)
    try:
        failed = cloud_project.run(
            "apply", "-auto-approve", *SCOPE, "-var", f"name={name}", "-on-failure=rollback"
        )
    finally:
        sim.clear_faults()
    try:
        assert failed.exit_code == 1, failed.output
        assert "subnet: Creation failed" in failed.stdout
        assert "net: Rolled back (destroyed)" in failed.stdout
        assert "Apply failed; rolled back: 1 destroyed, 0 restored." in failed.stdout
        assert "not rolled back" not in failed.stderr
        assert _objects(cloud_project) == before
        assert cloud_project.state("stack", "team", "dev").resources == {}
        fixed = cloud_project.run("apply", "-auto-approve", *SCOPE, "-var", f"name={name}")
        assert fixed.exit_code == 0, fixed.output
    finally:
        destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, "-var", f"name={name}")
        assert destroyed.exit_code == 0, destroyed.output


ADOPTING_STACK = """heat_template_version: 2018-08-31
parameters:
  net_id:
    type: string
  name:
    type: string
resources:
  net:
    type: OS::Neutron::Net
    external_id: {get_param: net_id}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.43.0.0/24
  server:
    type: OS::Nova::Server
    depends_on: subnet
    properties:
      name: {get_param: name}
      flavor: m1.tiny
      image: cirros
      networks:
        - network: {get_resource: net}
"""


def test_rollback_forgets_an_object_the_failed_run_adopted_and_leaves_it_in_the_cloud(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind("dev: {cloud: atonix-sim, project: demo, region: RegionOne}")
    cloud_project.write("stack.yaml", ADOPTING_STACK)
    adopted = cloud_project.sdk("demo").network.create_network(name="made-outside")
    args = ("-var", f"net_id={adopted.id}", "-var", f"name={NAME}")
    cloud_project.sim.clear_request_log()
    cloud_project.sim.set_lifecycle([{"kind": "server", "outcome": "error", "name": NAME}])
    try:
        failed = cloud_project.run("apply", "-auto-approve", *SCOPE, *args, "-on-failure=rollback")
    finally:
        cloud_project.sim.set_lifecycle([])
    assert failed.exit_code == 1, failed.output
    assert "net: Read complete" in failed.stdout
    # The adopted network is only dropped from state: nothing is written to it.
    assert cloud_project.state("stack", "team", "dev").resources == {}
    assert not [w for w in cloud_project.writes() if adopted.id in w]
    assert cloud_project.sdk("demo").network.get_network(adopted.id).name == "made-outside"
    assert (
        f"net: Rolling back (removing from state, the object is kept)... [id={adopted.id}]"
        in failed.stdout
    )
    # A plain re-run adopts it again and converges.
    fixed = cloud_project.run("apply", "-auto-approve", *SCOPE, *args)
    assert fixed.exit_code == 0, fixed.output
    assert "net: Read complete" in fixed.stdout
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, *args)
    assert destroyed.exit_code == 0, destroyed.output
    assert cloud_project.sdk("demo").network.get_network(adopted.id).name == "made-outside"
    cloud_project.sdk("demo").network.delete_network(adopted.id)  # the test's own object
