"""``external_id`` end to end against the simulator: a network and a server made directly
through openstacksdk are adopted (read, never written to), other resources use them, and
destroy leaves them in place; a missing object is a located error at plan time."""

from __future__ import annotations

import json
from typing import Any

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


STACK = """heat_template_version: 2018-08-31
parameters:
  net_id:
    type: string
  server_id:
    type: string
resources:
  shared_net:
    type: OS::Neutron::Net
    external_id: {get_param: net_id}
  shared_server:
    type: OS::Nova::Server
    external_id: {get_param: server_id}
    properties:
      flavor: m1.tiny
      image: cirros
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: shared_net}
      cidr: 10.77.0.0/24
outputs:
  net_name:
    value: {get_attr: [shared_net, name]}
  server_id:
    value: {get_resource: shared_server}
"""


def _existing(cloud: CloudProject) -> tuple[Any, Any, Any]:
    sdk = cloud.sdk()
    net = sdk.network.create_network(name="made-outside")
    image = sdk.image.find_image("cirros")
    flavor = sdk.compute.find_flavor("m1.tiny")
    server = sdk.compute.create_server(
        name="outside-vm", image_id=image.id, flavor_id=flavor.id, networks="none"
    )
    server = sdk.compute.wait_for_server(server, wait=60, interval=0.2)
    return sdk, net, server


def test_adopted_objects_are_read_used_and_left_by_destroy(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    sdk, net, server = _existing(cloud_project)
    ids = ("-var", f"net_id={net.id}", "-var", f"server_id={server.id}")

    plan = cloud_project.run("plan", *SCOPE, *ids)
    assert plan.exit_code == 0, plan.output
    assert "# shared_net will be read" in plan.stdout
    assert '<= resource "OS::Neutron::Net" "shared_net" {' in plan.stdout
    assert "Plan: 1 to add, 0 to change, 0 to destroy, 2 to read." in plan.stdout
    assert '+ net_name  = "made-outside"' in plan.stdout.replace("net_name =", "net_name  =")

    cloud_project.sim.clear_request_log()
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE, *ids)
    assert applied.exit_code == 0, applied.output
    assert "shared_net: Reading..." in applied.stdout
    assert "shared_net: Read complete" in applied.stdout
    writes = cloud_project.writes()
    assert [w for w in writes if "subnets" in w] and all(
        net.id not in w and server.id not in w for w in writes
    ), writes
    state = cloud_project.state(workspace="team", environment="dev")
    adopted = state.resources["shared_net"]
    assert adopted.external and adopted.physical_id == net.id
    assert adopted.attributes["name"] == "made-outside"
    assert state.resources["shared_server"].external
    assert not state.resources["subnet"].external
    output = json.loads(cloud_project.run("output", *SCOPE, "-json").stdout)
    assert output["net_name"]["value"] == "made-outside"
    assert output["server_id"]["value"] == server.id

    again = cloud_project.run("plan", *SCOPE, *ids, "-detailed-exitcode")
    assert again.exit_code == 0, again.output

    destroy_plan = cloud_project.run("plan", "-destroy", *SCOPE, *ids)
    assert "Plan: 0 to add, 0 to change, 1 to destroy, 2 to forget." in destroy_plan.stdout
    destroyed = cloud_project.run("destroy", "-auto-approve", *SCOPE, *ids)
    assert destroyed.exit_code == 0, destroyed.output
    assert sdk.network.get_network(net.id).name == "made-outside"
    assert sdk.compute.get_server(server.id).status == "ACTIVE"
    assert cloud_project.state(workspace="team", environment="dev").resources == {}
    # The objects are the test's own: leave the shared simulator as it was.
    sdk.compute.delete_server(server.id)
    sdk.compute.wait_for_delete(server, wait=60, interval=0.2)
    sdk.network.delete_network(net.id)
    sdk.compute.delete_server(server.id)
    sdk.network.delete_network(net.id)


def test_a_missing_external_object_is_a_located_error_at_plan(
    cloud_project: CloudProject,
) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    missing = "00000000-0000-0000-0000-00000000dead"
    result = cloud_project.run(
        "plan", *SCOPE, "-var", f"net_id={missing}", "-var", f"server_id={missing}"
    )
    assert result.exit_code == 1
    lines = result.stderr.strip().splitlines()
    assert lines[0].startswith(
        f"stack.yaml:10:19: error: Invalid external resource: Resource {missing}"
        " (OS::Neutron::Net) can not be found (external_id of `shared_net`)"
    ), result.stderr
    assert "Traceback" not in result.output
    # Without refresh, plan cannot know: apply reads the object and fails there, located.
    cloud_project.write("stack.yaml", STACK.split("  subnet:")[0])
    cloud_project.sim.clear_request_log()
    applied = cloud_project.run(
        "apply",
        "-auto-approve",
        "-refresh=false",
        *SCOPE,
        "-var",
        f"net_id={missing}",
        "-var",
        f"server_id={missing}",
    )
    assert applied.exit_code == 1
    assert (
        f"stack.yaml:10:19: error: shared_net: Invalid external resource: Resource {missing}"
        " (OS::Neutron::Net) can not be found (external_id of `shared_net`)"
    ) in applied.stderr.splitlines(), applied.stderr
    assert "Traceback" not in applied.output
    assert cloud_project.writes() == []


def test_removing_the_resource_forgets_the_object(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    sdk = cloud_project.sdk()
    net = sdk.network.create_network(name="forget-me-not")
    cloud_project.write(
        "stack.yaml",
        "heat_template_version: 2018-08-31\nresources:\n  net:\n    type: OS::Neutron::Net\n"
        f"    external_id: {net.id}\n",
    )
    assert cloud_project.run("apply", "-auto-approve", *SCOPE).exit_code == 0
    cloud_project.write("stack.yaml", "heat_template_version: 2018-08-31\nresources: {}\n")
    plan = cloud_project.run("plan", *SCOPE)
    assert "# net will be removed from the state (the object itself is kept)" in plan.stdout
    cloud_project.sim.clear_request_log()
    assert cloud_project.run("apply", "-auto-approve", *SCOPE).exit_code == 0
    assert cloud_project.writes() == []
    assert sdk.network.get_network(net.id).name == "forget-me-not"
    sdk.network.delete_network(net.id)
