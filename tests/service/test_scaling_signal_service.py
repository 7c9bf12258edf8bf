"""A scaling policy's signal_url on the stack service: a POST there (as an alarm would send
it) resizes the group in a job, as ``atonix signal`` does on the command line."""

from __future__ import annotations

import time

import pytest
import requests
from _service_kit import RunningService

ASG = """\
heat_template_version: 2018-08-31
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 1
      max_size: 3
      desired_capacity: 1
      resource:
        type: OS::Heat::Value
        properties: {value: member}
  up:
    type: OS::Heat::ScalingPolicy
    properties:
      adjustment_type: exact_capacity
      auto_scaling_group_id: {get_resource: asg}
      scaling_adjustment: 3
outputs:
  url:
    value: {get_attr: [up, signal_url]}
  size:
    value: {get_attr: [asg, current_size]}
"""


def _members(heat: object, stack_id: str) -> list[str]:
    """The group's members, as its nested stack's resources (Heat's view of a group)."""
    resources = heat.resources.list(stack_id, nested_depth=1)  # type: ignore[attr-defined]
    return sorted(
        f"asg.{r.resource_name}" for r in resources if getattr(r, "parent_resource", "") == "asg"
    )


def test_a_post_to_signal_url_scales_the_group(
    service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    token, project = service.token("demo")
    monkeypatch.setenv("ATONIX_SERVICE_URL", f"{service.url}/v1/{project}")
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="scaled", template=ASG)["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert _members(heat, stack_id) == ["asg.0"]
    url = heat.stacks.output_show(stack_id, "url")["output"]["output_value"]
    assert url == f"{service.url}/v1/{project}/stacks/scaled/resources/up/signal"

    answer = requests.post(url, json={"current": "alarm"}, headers={"X-Auth-Token": token})
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 60
    while _members(heat, stack_id) != ["asg.0", "asg.1", "asg.2"]:
        assert time.monotonic() < deadline, _members(heat, stack_id)
        time.sleep(0.2)

    other = requests.post(
        f"{service.url}/v1/{project}/stacks/scaled/resources/asg/signal",
        headers={"X-Auth-Token": token},
    )
    assert other.status_code == 400 and "takes no signals" in other.text
    heat.stacks.delete(stack_id)


WORKFLOW = """\
heat_template_version: 2018-08-31
resources:
  restart:
    type: OS::Mistral::Workflow
    properties:
      type: direct
      input: {server: null}
      tasks:
        - {name: reboot, action: std.echo output=<% $.server %>}
outputs:
  url:
    value: {get_attr: [restart, alarm_url]}
"""


def test_a_post_to_a_workflows_alarm_url_starts_an_execution(
    service: RunningService, monkeypatch: pytest.MonkeyPatch
) -> None:
    """As Heat's Workflow.handle_signal: the signal's input over the template's."""
    token, project = service.token("demo")
    monkeypatch.setenv("ATONIX_SERVICE_URL", f"{service.url}/v1/{project}")
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="flows", template=WORKFLOW)["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    url = heat.stacks.output_show(stack_id, "url")["output"]["output_value"]
    assert url == f"{service.url}/v1/{project}/stacks/flows/resources/restart/signal"
    answer = requests.post(
        url, json={"input": {"server": "web-1"}}, headers={"X-Auth-Token": token}
    )
    assert answer.status_code == 200, answer.text
    deadline = time.monotonic() + 60
    while True:
        shown = heat.resources.get(stack_id, "restart").attributes  # type: ignore[attr-defined]
        runs = shown.get("executions") or []
        if runs:
            break
        assert time.monotonic() < deadline
        time.sleep(0.2)
    assert (runs[0]["input"], runs[0]["state"]) == ({"server": "web-1"}, "SUCCESS")
    heat.stacks.delete(stack_id)
