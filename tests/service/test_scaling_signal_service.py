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
    resources = heat.resources.list(stack_id)  # type: ignore[attr-defined]
    return sorted(r.resource_name for r in resources if r.resource_name.startswith("asg."))


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
