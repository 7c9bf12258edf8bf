"""A retired property name (``network_id``, ``fixed_ips[].subnet_id``) plans as its
replacement, with a located warning naming the old one, applies, and plans no change after."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(180)


STACK = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network_id: {get_resource: net}
      cidr: 10.61.0.0/24
  port:
    type: OS::Neutron::Port
    properties:
      network_id: {get_resource: net}
      fixed_ips:
        - subnet_id: {get_resource: subnet}
"""


def test_old_names_plan_as_the_new_ones_with_warnings(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    plan = cloud_project.run("plan", *SCOPE)
    assert plan.exit_code == 0, plan.output
    out = plan.stdout
    assert "+ network = (known after apply)" in out.replace("network =", "network =")
    assert "network_id" not in out.split("Plan:")[0]
    assert (
        "stack.yaml:8:7: warning: `network_id` of OS::Neutron::Subnet is deprecated: it is"
        " planned as `network` (Heat translates it)"
    ) in out
    assert "stack.yaml:15:11: warning: `fixed_ips.subnet_id` of OS::Neutron::Port" in out
    applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert applied.exit_code == 0, applied.output
    state = cloud_project.state(workspace="team", environment="dev")
    subnet, port = state.resources["subnet"], state.resources["port"]
    assert subnet.properties["network"] == state.resources["net"].physical_id
    assert "network_id" not in subnet.properties
    assert port.properties["fixed_ips"] == [{"subnet": subnet.physical_id}]
    again = cloud_project.run("plan", *SCOPE, "-detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert cloud_project.run("destroy", "-auto-approve", *SCOPE).exit_code == 0
