"""The AWS-compatible names: a LaunchConfiguration's settings copied into each member of an
AWS::AutoScaling::AutoScalingGroup (AWS::EC2::Instance, mapped here to a template through the
environment, as Heat allows), InstanceList, and an AWS ScalingPolicy's signal."""

from __future__ import annotations

from _apply_kit import Events, Stack

from atonix_iac.apply.executor import apply_plan
from atonix_iac.apply.scaling import signal_scaling_policy
from atonix_iac.planner import make_plan
from atonix_iac.template import bind_parameters, load_template

STACK = """heat_template_version: 2013-05-23
parameters:
  size: {type: number, default: 2}
resources:
  config:
    type: AWS::AutoScaling::LaunchConfiguration
    properties:
      ImageId: cirros
      InstanceType: m1.tiny
  group:
    type: AWS::AutoScaling::AutoScalingGroup
    properties:
      AvailabilityZones: [nova]
      LaunchConfigurationName: {get_resource: config}
      MinSize: 1
      MaxSize: 4
      DesiredCapacity: {get_param: size}
  grow:
    type: AWS::AutoScaling::ScalingPolicy
    properties:
      AdjustmentType: PercentChangeInCapacity
      AutoScalingGroupName: {get_resource: group}
      ScalingAdjustment: 50
outputs:
  ips:
    value: {get_attr: [group, InstanceList]}
  url:
    value: {get_attr: [grow, AlarmUrl]}
"""

INSTANCE = """heat_template_version: 2013-05-23
parameters:
  ImageId: {type: string}
  InstanceType: {type: string}
resources:
  vm:
    type: OS::Heat::Value
    properties:
      value: {list_join: ["/", [{get_param: ImageId}, {get_param: InstanceType}]]}
outputs:
  PublicIp:
    value: {get_attr: [vm, value]}
"""

ENV = "resource_registry:\n  AWS::EC2::Instance: instance.yaml\n"


def test_launch_configuration_group_scales_on_an_aws_policy(stack: Stack) -> None:
    (stack.root / "stack.yaml").write_text(STACK)
    (stack.root / "instance.yaml").write_text(INSTANCE)
    (stack.root / "env.yaml").write_text(ENV)
    template = load_template(stack.root / "stack.yaml", [str(stack.root / "env.yaml")])
    params = bind_parameters(
        template, {}, stack_name="s", stack_id="id", project_id="", region="RegionOne"
    )
    plan = make_plan(template, params, stack.state(), stack.registry)
    created = sorted(c.address for c in plan.changes)
    assert created == ["config", "group", "group.0.vm", "group.1.vm", "grow"]
    apply_plan(plan, template, params, stack.store, stack.registry, on_event=Events())
    state = stack.state()
    assert state.outputs["ips"] == "cirros/m1.tiny,cirros/m1.tiny"
    assert state.outputs["url"].startswith("atonix signal ")

    outcome = signal_scaling_policy(
        stack.store, stack.key, stack.registry, template, params, "grow"
    )
    assert (outcome.before, outcome.after) == (2, 3)
    assert "group.2.vm" in stack.state().resources
    assert stack.state().outputs["ips"].count("cirros") == 3
