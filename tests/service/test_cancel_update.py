"""``cancel_update`` and ``cancel_without_rollback`` (heatclient's actions) on an update that
is running: the job starts no further resource step, then rolls its work back (the stack ends
ROLLBACK_COMPLETE with its previous template) or keeps it (UPDATE_FAILED, nothing half-made);
anything else than a running update is refused as Heat refuses it.

The update waits on a wait condition, so the test knows the job is mid-way: the cancel is asked
while the condition waits, and the signal then lets that step finish, at which point the job
sees the cancel before it would start the next step."""

from __future__ import annotations

import time
from typing import Any

import pytest
from _service_kit import RunningService
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(180)

BEFORE = """\
heat_template_version: 2018-08-31
resources:
  note:
    type: OS::Heat::Value
    properties: {value: before}
"""

WAITING = """\
heat_template_version: 2018-08-31
resources:
  note:
    type: OS::Heat::Value
    properties: {value: before}
  handle:
    type: OS::Heat::WaitConditionHandle
  wait:
    type: OS::Heat::WaitCondition
    properties: {handle: {get_resource: handle}, timeout: 120}
  after:
    type: OS::Heat::Value
    depends_on: wait
    properties: {value: never started}
"""


def _update_waiting(service: RunningService, heat: Any, name: str, rollback: bool) -> str:
    stack_id = heat.stacks.create(stack_name=name, template=BEFORE, disable_rollback=not rollback)[
        "stack"
    ]["id"]
    assert service.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
        "CREATE_COMPLETE"
    )
    with pytest.raises(heat_exc.HTTPBadRequest, match="Cancelling update when stack is"):
        heat.actions.cancel_update(stack_id)
    heat.stacks.update(stack_id, template=WAITING)
    deadline = time.monotonic() + 60
    while not any(
        (e.resource_name, e.resource_status) == ("wait", "CREATE_IN_PROGRESS")
        for e in heat.events.list(stack_id)
    ):
        assert time.monotonic() < deadline, "the update never started waiting"
        time.sleep(0.1)
    return str(stack_id)


def _names(heat: Any, stack_id: str) -> set[str]:
    return {r.resource_name for r in heat.resources.list(stack_id)}


def test_cancel_update_rolls_the_update_back(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = _update_waiting(service, heat, "cancelled", rollback=False)
    with pytest.raises(heat_exc.HTTPConflict):  # Heat: no snapshot while an action runs
        heat.stacks.snapshot(stack_id)
    heat.actions.cancel_update(stack_id)
    heat.resources.signal(stack_id, "handle", data={"status": "SUCCESS"})
    stack = service.wait_status(heat, stack_id, ("ROLLBACK_COMPLETE",))
    assert stack.stack_status == "ROLLBACK_COMPLETE", stack.stack_status_reason
    assert "Stack UPDATE cancelled" in stack.stack_status_reason
    assert _names(heat, stack_id) == {"note"}
    assert set(heat.stacks.template(stack_id)["resources"]) == {"note"}
    statuses = [(e.resource_name, e.resource_status) for e in heat.events.list(stack_id)]
    assert ("cancelled", "UPDATE_FAILED") in statuses
    assert not any(name == "after" for name, _ in statuses)
    # the stack takes updates again
    heat.stacks.update(stack_id, template=BEFORE.replace("before", "after all"))
    assert service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",)).stack_status == (
        "UPDATE_COMPLETE"
    )
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_cancel_without_rollback_keeps_what_was_done(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = _update_waiting(service, heat, "stopped", rollback=False)
    heat.actions.cancel_without_rollback(stack_id)
    heat.resources.signal(stack_id, "handle", data={"status": "SUCCESS"})
    stack = service.wait_status(heat, stack_id, ("UPDATE_FAILED",))
    assert stack.stack_status == "UPDATE_FAILED", stack.stack_status_reason
    assert stack.stack_status_reason == "Stack UPDATE cancelled"
    assert _names(heat, stack_id) == {"note", "handle", "wait"}
    assert {r.resource_name: r.resource_status for r in heat.resources.list(stack_id)}[
        "wait"
    ] == "CREATE_COMPLETE"
    # an update afterwards converges: only what the cancel left unstarted is made
    heat.stacks.update(stack_id, existing=True)
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    assert _names(heat, stack_id) == {"note", "handle", "wait", "after"}
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_cancel_without_rollback_still_rolls_back_when_rollback_is_on(
    service: RunningService,
) -> None:
    """Heat: a cancel rolls back if the stack has rollback enabled, whichever action asked."""
    heat = service.heat("demo")
    stack_id = _update_waiting(service, heat, "rolls", rollback=True)
    heat.actions.cancel_without_rollback(stack_id)
    heat.resources.signal(stack_id, "handle", data={"status": "SUCCESS"})
    stack = service.wait_status(heat, stack_id, ("ROLLBACK_COMPLETE",))
    assert stack.stack_status == "ROLLBACK_COMPLETE", stack.stack_status_reason
    assert _names(heat, stack_id) == {"note"}
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
