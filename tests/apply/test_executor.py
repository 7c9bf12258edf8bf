"""apply_plan over real Heat types and a real SQLite state file."""

from __future__ import annotations

import pytest
from _apply_kit import Events, Stack

from atonix_iac.apply.events import EventKind
from atonix_iac.apply.executor import apply_plan
from atonix_iac.errors import ApplyError, PlanError, StalePlanError
from atonix_iac.planner.plan import Action, PlanMode
from atonix_iac.state.model import ResourceStatus

DIAMOND = """
resources:
  base:
    type: OS::Heat::TestResource
    properties: {value: base, wait_secs: 0.2}
  left:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [base, output]}, wait_secs: 0.1}
  right:
    type: OS::Heat::TestResource
    properties: {value: {get_resource: base}, wait_secs: 0.1}
  top:
    type: OS::Heat::Value
    properties:
      value: [{get_attr: [left, output]}, {get_attr: [right, output]}]
outputs:
  top: {value: {get_attr: [top, value]}}
"""


def test_each_resource_starts_after_its_dependencies_completed(stack: Stack) -> None:
    events = Events()
    result = stack.apply(DIAMOND, events=events, parallelism=4)

    for later, earlier in [("left", "base"), ("right", "base"), ("top", "left"), ("top", "right")]:
        assert events.index(EventKind.DONE, earlier) < events.index(EventKind.START, later)
    state = stack.state()
    assert sorted(result.created) == ["base", "left", "right", "top"]
    assert state.resources["left"].properties["value"] == "base"
    assert state.resources["right"].properties["value"] == state.resources["base"].physical_id
    assert state.outputs["top"] == ["base", state.resources["base"].physical_id]
    assert stack.plan(DIAMOND).has_changes is False


def test_parallelism_bounds_the_resources_in_flight(stack: Stack) -> None:
    body = "resources:\n" + "".join(
        f"  r{i}:\n    type: OS::Heat::TestResource\n    properties: {{wait_secs: 0.2}}\n"
        for i in range(6)
    )
    events = Events()
    stack.apply(body, events=events, parallelism=2)

    assert events.peak_concurrency() == 2
    assert len(stack.state().resources) == 6


FAILING = """
resources:
  broken:
    type: OS::Heat::TestResource
    properties: {fail: true}
  slow:
    type: OS::Heat::TestResource
    properties: {wait_secs: 0.5, value: slow}
  after_slow:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [slow, output]}}
  after_broken:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [broken, output]}}
outputs:
  slow: {value: {get_attr: [slow, output]}}
  after_slow: {value: {get_attr: [after_slow, output]}}
"""


def test_a_failure_stops_new_work_and_keeps_what_completed(stack: Stack) -> None:
    events = Events()
    with pytest.raises(ApplyError) as caught:
        stack.apply(FAILING, events=events, parallelism=2)

    outcome = caught.value.outcome
    assert [address for address, _ in outcome.failed] == ["create broken"]
    assert "create slow" in outcome.applied  # was in flight: finished, not abandoned
    assert set(outcome.skipped) == {"create after_slow", "create after_broken"}
    assert "broken" in caught.value.format() and "Test Resource failed" in caught.value.format()
    state = stack.state()
    assert set(state.resources) == {"slow"}  # no physical id: the failed create is forgotten
    assert state.resources["slow"].status is ResourceStatus.READY
    assert state.outputs == {"slow": "slow"}  # outputs known so far are kept
    audit = {(r.address, r.action, r.result) for r in stack.store.audit(stack.key)}
    assert {("broken", "create", "failed"), ("slow", "create", "ok")} <= audit

    # Fixed, the next plan creates only what is missing and converges.
    fixed = FAILING.replace("{fail: true}", "{fail: false}")
    plan = stack.plan(fixed)
    assert {c.address: c.action for c in plan.changes if c.action is not Action.NOOP} == {
        "broken": Action.CREATE,
        "after_slow": Action.CREATE,
        "after_broken": Action.CREATE,
    }
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False


def _replaceable(value: str, *, create_before_destroy: bool) -> str:
    lifecycle = "    lifecycle: {create_before_destroy: true}\n" if create_before_destroy else ""
    return f"""
resources:
  server:
    type: OS::Heat::TestResource
    properties: {{value: server, update_replace_value: {value}}}
{lifecycle}  consumer:
    type: OS::Heat::TestResource
    properties: {{value: {{get_resource: server}}}}
"""


def test_delete_then_create_deletes_the_old_object_first(stack: Stack) -> None:
    stack.apply(_replaceable("one", create_before_destroy=False))
    old_id = stack.state().resources["server"].physical_id
    changed = _replaceable("two", create_before_destroy=False)
    plan = stack.plan(changed)
    assert {c.address: c.action for c in plan.changes} == {
        "server": Action.DELETE_THEN_CREATE,
        "consumer": Action.UPDATE,
    }

    events = Events()
    stack.apply(changed, events=events)

    assert events.lines() == [
        "start delete server",
        "done delete server",
        "start create server",
        "done create server",
        "start update consumer",
        "done update consumer",
    ]
    state = stack.state()
    new_id = state.resources["server"].physical_id
    assert new_id != old_id
    assert state.resources["consumer"].properties["value"] == new_id
    assert not any(r.deposed for r in state.resources.values())


def test_create_then_delete_deposes_the_old_object_until_dependents_moved(stack: Stack) -> None:
    stack.apply(_replaceable("one", create_before_destroy=True))
    old_id = stack.state().resources["server"].physical_id
    changed = _replaceable("two", create_before_destroy=True)
    assert stack.plan(changed).changes[0].action is Action.CREATE_THEN_DELETE

    events = Events()
    stack.apply(changed, events=events)

    assert events.lines() == [
        "start create server",
        "done create server",
        "start update consumer",
        "done update consumer",
        "start delete server",
        "done delete server",
    ]
    deleted = events.items[events.index(EventKind.START, "server", "delete")]
    assert deleted.deposed == "deposed-1" and deleted.physical_id == old_id
    state = stack.state()
    assert set(state.resources) == {"server", "consumer"}
    assert state.resources["consumer"].properties["value"] == state.resources["server"].physical_id


def _mixed_replacements(value: str) -> str:
    return f"""
resources:
  server:
    type: OS::Heat::TestResource
    properties: {{value: server, update_replace_value: {value}}}
  consumer:
    type: OS::Heat::TestResource
    lifecycle: {{create_before_destroy: true}}
    properties: {{value: {{get_resource: server}}, update_replace_value: {value}}}
"""


def test_replacements_that_cannot_be_ordered_are_refused_before_any_call(stack: Stack) -> None:
    """The new consumer needs the new server, the server's delete waits for the old consumer's
    delete, which waits for the new consumer: no order exists, and nothing is touched."""
    stack.apply(_mixed_replacements("one"))
    before = stack.state()
    with pytest.raises(PlanError) as caught:
        stack.apply(_mixed_replacements("two"))
    message = str(caught.value)
    assert "the plan's steps cannot be ordered" in message
    assert "delete server" in message and "create consumer" in message
    assert "create_before_destroy consistently" in message
    after = stack.state()
    assert {a: r.physical_id for a, r in after.resources.items()} == {
        a: r.physical_id for a, r in before.resources.items()
    }
    assert not any(r.deposed for r in after.resources.values())


def test_a_deposed_object_left_by_an_earlier_run_is_deleted(stack: Stack) -> None:
    body = _replaceable("one", create_before_destroy=True)
    stack.apply(body)
    leftover = stack.state().resources["server"]
    leftover.deposed = "deposed-1"
    leftover.status = ResourceStatus.PENDING_DELETE
    stack.store.put_resource(stack.key, leftover)
    assert "server#deposed-1" in stack.state().resources

    plan = stack.plan(body)
    assert [(c.address, c.action, c.deposed) for c in plan.changes if c.deposed] == [
        ("server", Action.DELETE, "deposed-1")
    ]
    result = stack.apply(body)

    assert result.deleted == ("server",)
    assert set(stack.state().resources) == {"server", "consumer"}


RETAINED = """
resources:
  kept:
    type: OS::Heat::TestResource
    deletion_policy: Retain
  gone:
    type: OS::Heat::TestResource
"""


def test_retained_resources_are_only_forgotten(stack: Stack) -> None:
    stack.apply(RETAINED)
    events = Events()
    result = stack.apply(RETAINED, mode=PlanMode.DESTROY, events=events)

    assert result.forgotten == ("kept",)
    assert result.deleted == ("gone",)
    assert "done forget kept" in events.lines()
    assert stack.state().resources == {}
    deletes = [r.address for r in stack.store.audit(stack.key) if r.action == "delete"]
    assert deletes == ["gone"]


def test_a_plan_made_before_the_state_moved_on_is_refused(stack: Stack) -> None:
    body = "resources:\n  one:\n    type: OS::Heat::None\n"
    template, params = stack.load(body)
    stale = stack.plan(body)
    stack.apply(body)

    with pytest.raises(StalePlanError, match="serial"):
        apply_plan(stale, template, params, stack.store, stack.registry)
