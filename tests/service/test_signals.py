"""``POST .../resources/{name}/signal``: heatclient's resource signal reaches a wait
condition the running create is waiting on, through the state's signal inbox."""

from __future__ import annotations

import time

import pytest
from _service_kit import RunningService
from heatclient import exc as heat_exc

WAITS = """\
heat_template_version: 2018-08-31
resources:
  handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    properties:
      handle: {get_resource: handle}
      count: 1
      timeout: 60
  plain:
    type: OS::Heat::Value
    properties: {value: v}
outputs:
  data:
    value: {get_attr: [wait, data]}
"""


def test_signal_completes_a_waiting_create(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="waits", template=WAITS)["stack"]["id"]
    deadline = time.monotonic() + 30
    while "handle" not in {r.resource_name for r in heat.resources.list(stack_id)}:
        assert time.monotonic() < deadline, "the handle never appeared"
        time.sleep(0.2)
    assert heat.stacks.get(stack_id).stack_status == "CREATE_IN_PROGRESS"
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.resources.signal(stack_id, "handle", data={"status": "MAYBE"})
    heat.resources.signal(
        stack_id, "handle", data={"status": "SUCCESS", "reason": "up", "data": "ready", "id": "1"}
    )
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert "ready" in str(stack.outputs[0]["output_value"])
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.resources.signal(stack_id, "plain", data={})
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
