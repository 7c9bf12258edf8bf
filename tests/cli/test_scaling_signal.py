"""An AutoScalingGroup of servers on the simulator, scaled by ``atonix signal`` on its
policies: capacity recorded in state and kept by later plans, bounds and cooldown honoured."""

from __future__ import annotations

import pytest
from _cli_kit import DEV, SCOPE, CloudProject

pytestmark = pytest.mark.timeout(240)


ASG_STACK = """heat_template_version: 2018-08-31
parameters:
  desired:
    type: number
    default: 2
resources:
  net:
    type: OS::Neutron::Net
    properties: {name: asg-net}
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.78.0.0/24
  asg:
    type: OS::Heat::AutoScalingGroup
    depends_on: subnet
    properties:
      min_size: 1
      max_size: 3
      desired_capacity: {get_param: desired}
      resource:
        type: OS::Nova::Server
        properties:
          flavor: m1.tiny
          image: cirros
          networks: [{network: {get_resource: net}}]
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 1
  down:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: percent_change_in_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: -10
      cooldown: 3600
outputs:
  size:
    value: {get_attr: [asg, current_size]}
  up_url:
    value: {get_attr: [up, signal_url]}
"""


def _run(cloud: CloudProject, *args: str) -> str:
    result = cloud.run(*args)
    assert result.exit_code == 0, result.output + result.stderr
    return result.output


def _members(cloud: CloudProject) -> list[str]:
    state = cloud.state(workspace="team", environment="dev")
    return sorted(a for a in state.resources if a.startswith("asg."))


def test_signal_scales_the_group_and_later_plans_keep_the_size(
    cloud_project: CloudProject, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ATONIX_SERVICE_URL", raising=False)
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", ASG_STACK)
    _run(cloud, "apply", "-auto-approve", *SCOPE)
    assert _members(cloud) == ["asg.0", "asg.1"]
    state = cloud.state(workspace="team", environment="dev")
    assert state.outputs["up_url"] == "atonix signal -w team -E dev -stack stack up"
    assert state.outputs["size"] == 2

    out = _run(cloud, "signal", "up", *SCOPE, "--data", '{"current": "alarm"}')
    assert "change_in_capacity +1: 2 -> 3" in out
    assert "Apply complete! Resources: 1 added" in out
    assert _members(cloud) == ["asg.0", "asg.1", "asg.2"]

    # At max_size: nothing to do.
    out = _run(cloud, "signal", "up", *SCOPE)
    assert "already at 3" in out

    # A plan of the unchanged template keeps the signalled size.
    assert "No changes." in _run(cloud, "plan", *SCOPE)

    # -10% of 3 rounds away from zero to -1; the oldest member goes; then the cooldown holds.
    out = _run(cloud, "signal", "down", *SCOPE)
    assert "2 -> " not in out and "3 -> 2" in out
    assert _members(cloud) == ["asg.1", "asg.2"]
    out = _run(cloud, "signal", "down", *SCOPE)
    assert "in cooldown until" in out
    assert _members(cloud) == ["asg.1", "asg.2"]

    # A new desired_capacity in the template wins over the signalled size.
    grow = _run(cloud, "plan", *SCOPE, "-var", "desired=3")
    assert "Plan: 1 to add" in grow and "asg.3" in grow

    _run(cloud, "destroy", "-auto-approve", *SCOPE)
    assert _members(cloud) == []


def test_signal_refuses_other_types_and_bad_data(cloud_project: CloudProject) -> None:
    cloud = cloud_project
    cloud.bind(DEV)
    cloud.write("stack.yaml", ASG_STACK)
    _run(cloud, "apply", "-auto-approve", *SCOPE, "-var", "desired=1")
    wrong = cloud.run("signal", "net", *SCOPE)
    assert wrong.exit_code == 1
    assert "net is of type OS::Neutron::Net, which takes no signals" in wrong.stderr
    assert "OS::Heat::ScalingPolicy" in wrong.stderr
    # The template must be the one applied: a signal does not apply edits.
    cloud.write("stack.yaml", ASG_STACK.replace("max_size: 3", "max_size: 4"))
    edited = cloud.run("signal", "up", *SCOPE, "-var", "desired=1")
    assert edited.exit_code == 1
    assert "is not what the stack was last applied with" in edited.stderr
    cloud.write("stack.yaml", ASG_STACK)
    _run(cloud, "destroy", "-auto-approve", *SCOPE, "-var", "desired=1")
