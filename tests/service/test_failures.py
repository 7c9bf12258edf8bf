"""A resource that fails: CREATE_FAILED with the reason, or (rollback enabled) Heat's
ROLLBACK_COMPLETE with what was made undone; a later update converges."""

from __future__ import annotations

from _service_kit import RunningService

FAILING = """\
heat_template_version: 2018-08-31
parameters:
  fail: {type: boolean, default: true}
resources:
  first:
    type: OS::Heat::Value
    properties: {value: made}
  breaks:
    type: OS::Heat::TestResource
    depends_on: first
    properties: {value: x, fail: {get_param: fail}}
"""


def test_failed_create_then_fixed_by_update(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="fails", template=FAILING)["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_FAILED",))
    assert stack.stack_status == "CREATE_FAILED"
    assert "breaks" in stack.stack_status_reason
    statuses = {r.resource_name: r.resource_status for r in heat.resources.list(stack_id)}
    assert statuses["first"] == "CREATE_COMPLETE"
    assert statuses["breaks"] == "CREATE_FAILED"
    heat.stacks.update(stack_id, existing=True, parameters={"fail": False})
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_rollback_enabled(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(
        stack_name="rolls-back", template=FAILING, disable_rollback=False
    )["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("ROLLBACK_COMPLETE",))
    assert stack.stack_status == "ROLLBACK_COMPLETE", stack.stack_status_reason
    assert heat.resources.list(stack_id) == []  # what the failed create made is gone
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
