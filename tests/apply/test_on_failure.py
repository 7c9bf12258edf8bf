"""``on_failure``: stop, continue past independent branches, or roll this run's work back.

Real runs over Heat's TestResource and a SQLite state file: which resources state holds
afterwards, the events, and what the next plan and apply do.
"""

from __future__ import annotations

import pytest
from _apply_kit import Events, Stack

from atonix_iac.apply.events import EventKind, OnFailure, Operation
from atonix_iac.apply.executor import apply_plan
from atonix_iac.errors import ApplyError, UsageError
from atonix_iac.planner import make_plan
from atonix_iac.planner.plan import Action, PlanMode
from atonix_iac.state.model import ResourceStatus

# `broken` fails after 0.2s; `slow` (independent) is in flight then and completes at 0.4s;
# `after_slow` becomes ready only after the failure; `after_broken` and its dependent
# `last` depend on the failure. `kept` (Retain) completes before the failure.
BRANCHES = """
resources:
  base:
    type: OS::Heat::TestResource
    properties: {value: base}
  kept:
    type: OS::Heat::TestResource
    deletion_policy: Retain
    properties: {value: kept}
  broken:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [base, output]}, fail: true, wait_secs: 0.2}
  slow:
    type: OS::Heat::TestResource
    properties: {value: slow, wait_secs: 0.4}
  after_slow:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [slow, output]}}
  after_broken:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [broken, output]}}
  last:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [after_broken, output]}}
outputs:
  slow: {value: {get_attr: [slow, output]}}
"""
FIXED = BRANCHES.replace("fail: true", "fail: false")


def _apply(stack: Stack, body: str, on_failure: OnFailure, events: Events) -> ApplyError:
    with pytest.raises(ApplyError) as caught:
        stack.apply(body, events=events, on_failure=on_failure)
    return caught.value


def _planned(stack: Stack, body: str) -> dict[str, Action]:
    return {c.address: c.action for c in stack.plan(body).changes if c.action is not Action.NOOP}


def _rollback_lines(events: Events) -> list[str]:
    return [line for e, line in zip(events.items, events.lines(), strict=True) if e.rollback]


def test_stop_finishes_in_flight_work_and_starts_nothing_new(stack: Stack) -> None:
    events = Events()
    err = _apply(stack, BRANCHES, OnFailure.STOP, events)

    assert set(stack.state().resources) == {"base", "kept", "slow"}
    assert set(err.outcome.skipped) == {"create after_slow", "create after_broken", "create last"}
    assert err.outcome.blocked_by == {
        "create after_broken": "create broken",
        "create last": "create broken",
    }
    assert err.outcome.rollback is None
    assert not any(e.rollback for e in events.items)
    assert _planned(stack, FIXED) == {
        a: Action.CREATE for a in ("broken", "after_slow", "after_broken", "last")
    }


def test_continue_applies_every_branch_that_does_not_depend_on_the_failure(stack: Stack) -> None:
    events = Events()
    err = _apply(stack, BRANCHES, OnFailure.CONTINUE, events)

    state = stack.state()
    assert set(state.resources) == {"base", "kept", "slow", "after_slow"}
    assert state.resources["after_slow"].properties["value"] == "slow"
    assert set(err.outcome.skipped) == {"create after_broken", "create last"}
    assert err.outcome.blocked_by == {
        "create after_broken": "create broken",
        "create last": "create broken",  # transitively
    }
    text = err.format()
    assert "skipped create last (depends on failed create broken)" in text
    assert events.index(EventKind.DONE, "slow") < events.index(EventKind.START, "after_slow")
    assert events.index(EventKind.FAILED, "broken") < events.index(EventKind.START, "after_slow")
    assert _planned(stack, BRANCHES) == {
        "broken": Action.CREATE,
        "after_broken": Action.CREATE,
        "last": Action.CREATE,
    }
    stack.apply(FIXED)
    assert stack.plan(FIXED).has_changes is False


def test_rollback_of_a_create_deletes_what_the_run_created(stack: Stack) -> None:
    events = Events()
    err = _apply(stack, BRANCHES, OnFailure.ROLLBACK, events)

    state = stack.state()
    assert state.resources == {}
    assert state.outputs == {}
    rollback = err.outcome.rollback
    assert rollback is not None and rollback.complete
    assert set(rollback.destroyed) == {"base", "slow"}
    assert rollback.forgotten == ("kept",)  # Retain: dropped from state, the object is kept
    assert "rolled back: 2 destroyed, 0 restored, 1 forgotten" in err.message
    assert set(_rollback_lines(events)) == {
        "start delete base",
        "done delete base",
        "start delete slow",
        "done delete slow",
        "start forget kept",
        "done forget kept",
    }
    # The rollback starts once the walk has ended: after the in-flight `slow` completed.
    first = next(i for i, e in enumerate(events.items) if e.rollback)
    assert first > events.index(EventKind.DONE, "slow", "create")
    deletes = {r.address for r in stack.store.audit(stack.key) if r.action == "delete"}
    assert deletes == {"base", "slow"}
    assert set(_planned(stack, FIXED)) == {
        "base",
        "kept",
        "broken",
        "slow",
        "after_slow",
        "after_broken",
        "last",
    }
    stack.apply(FIXED)
    assert stack.plan(FIXED).has_changes is False


UPDATE_V1 = """
resources:
  config:
    type: OS::Heat::TestResource
    properties: {value: one}
  consumer:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [config, output]}}
  broken:
    type: OS::Heat::TestResource
    properties: {value: one, action_wait_secs: {update: 0.3}}
outputs:
  consumer: {value: {get_attr: [consumer, output]}}
"""
# config and consumer are updated and `extra` created well before broken's update fails.
UPDATE_V2 = (
    UPDATE_V1.replace("{value: one}", "{value: two}")
    .replace("{value: one, action", "{value: two, fail: true, action")
    .replace(
        "outputs:",
        "  extra:\n    type: OS::Heat::TestResource\n    properties: {value: extra}\noutputs:",
    )
)


def test_rollback_of_an_update_restores_prior_properties(stack: Stack) -> None:
    stack.apply(UPDATE_V1)
    before = stack.state()
    events = Events()
    err = _apply(stack, UPDATE_V2, OnFailure.ROLLBACK, events)

    rollback = err.outcome.rollback
    assert rollback is not None and rollback.complete, err.format()
    assert rollback.destroyed == ("extra",)
    assert rollback.restored == ("broken", "config", "consumer")
    state = stack.state()
    assert set(state.resources) == {"config", "consumer", "broken"}
    for address, old in before.resources.items():
        now = state.resources[address]
        assert (now.physical_id, now.properties) == (old.physical_id, old.properties)
        assert now.status is ResourceStatus.READY
    assert state.resources["consumer"].attributes["output"] == "one"
    assert state.outputs == {"consumer": "one"}
    # The rollback runs once the walk has ended.
    assert events.index(EventKind.START, "extra", "delete") > events.index(
        EventKind.FAILED, "broken"
    )
    lines = _rollback_lines(events)
    assert {"done update config", "done update consumer", "done update broken"} <= set(lines)
    assert stack.plan(UPDATE_V1).has_changes is False
    fixed = UPDATE_V2.replace("fail: true, ", "")
    assert _planned(stack, fixed) == {
        "config": Action.UPDATE,
        "consumer": Action.UPDATE,
        "broken": Action.UPDATE,
        "extra": Action.CREATE,
    }
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False
    assert stack.state().outputs == {"consumer": "two"}


def _replaceable(value: str, *, fail: bool) -> str:
    return f"""
resources:
  server:
    type: OS::Heat::TestResource
    properties: {{value: server, update_replace_value: {value}}}
    lifecycle: {{create_before_destroy: true}}
  consumer:
    type: OS::Heat::TestResource
    properties: {{value: {{get_resource: server}}, fail: {str(fail).lower()}}}
"""


def test_rollback_of_a_replacement_deletes_the_new_object_and_reinstates_the_old(
    stack: Stack,
) -> None:
    stack.apply(_replaceable("one", fail=False))
    before = stack.state()
    old_id = before.resources["server"].physical_id
    events = Events()
    err = _apply(stack, _replaceable("two", fail=True), OnFailure.ROLLBACK, events)

    rollback = err.outcome.rollback
    assert rollback is not None and rollback.complete, err.format()
    assert rollback.destroyed == ("server",)
    assert rollback.restored == ("consumer", "server")
    new_id = events.items[events.index(EventKind.DONE, "server", "create")].physical_id
    assert new_id != old_id
    assert _rollback_lines(events) == [
        "start update consumer",
        "done update consumer",
        "start delete server",
        "done delete server",
        "start restore server",
        "done restore server",
    ]
    deleted = [e for e in events.items if e.rollback and e.operation is Operation.DELETE]
    assert {e.physical_id for e in deleted} == {new_id}
    restored = [e for e in events.items if e.rollback and e.operation is Operation.RESTORE]
    assert {e.deposed for e in restored} == {"deposed-1"}
    state = stack.state()
    assert set(state.resources) == {"server", "consumer"}  # no deposed object left
    assert state.resources["server"].physical_id == old_id
    assert state.resources["server"].status is ResourceStatus.READY
    assert state.resources["consumer"].properties == before.resources["consumer"].properties
    assert state.resources["consumer"].status is ResourceStatus.READY
    assert stack.plan(_replaceable("one", fail=False)).has_changes is False
    fixed = _replaceable("two", fail=False)
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False


def test_what_cannot_be_undone_is_reported(stack: Stack) -> None:
    v1 = """
resources:
  gone:
    type: OS::Heat::TestResource
    properties: {value: gone}
  broken:
    type: OS::Heat::TestResource
    properties: {value: one, action_wait_secs: {update: 0.3}}
"""
    stack.apply(v1)
    # `gone` is dropped from the template (deleted), then broken's update fails.
    v2 = """
resources:
  broken:
    type: OS::Heat::TestResource
    properties: {value: two, fail: true, action_wait_secs: {update: 0.3}}
"""
    err = _apply(stack, v2, OnFailure.ROLLBACK, Events())

    rollback = err.outcome.rollback
    assert rollback is not None and not rollback.complete
    assert rollback.restored == ("broken",)
    assert rollback.not_rolled_back == (
        ("gone", "destroyed by this run; a deleted object cannot be brought back"),
    )
    assert "not rolled back gone: destroyed by this run" in err.format()
    assert set(stack.state().resources) == {"broken"}
    assert stack.state().resources["broken"].properties["value"] == "one"


def test_a_destroy_cannot_be_rolled_back(stack: Stack) -> None:
    body = "resources:\n  one:\n    type: OS::Heat::None\n"
    stack.apply(body)
    template, params = stack.load(body)
    plan = make_plan(template, params, stack.state(), stack.registry, mode=PlanMode.DESTROY)
    with pytest.raises(UsageError, match="a destroy cannot be rolled back"):
        apply_plan(
            plan, template, params, stack.store, stack.registry, on_failure=OnFailure.ROLLBACK
        )
    assert set(stack.state().resources) == {"one"}


def test_a_replacement_that_deleted_the_prior_object_first_reports_it(stack: Stack) -> None:
    v1 = _replaceable("one", fail=False).replace(
        "    lifecycle: {create_before_destroy: true}\n", ""
    )
    stack.apply(v1)
    v2 = _replaceable("two", fail=True).replace(
        "    lifecycle: {create_before_destroy: true}\n", ""
    )
    assert stack.plan(v2).changes[0].action is Action.DELETE_THEN_CREATE
    err = _apply(stack, v2, OnFailure.ROLLBACK, Events())

    rollback = err.outcome.rollback
    assert rollback is not None and not rollback.complete
    assert rollback.destroyed == ("server",)  # the new object: this run created it
    assert dict(rollback.not_rolled_back) == {
        "server": "destroyed by this run; a deleted object cannot be brought back",
        "consumer": "its prior properties refer to server, destroyed by this run; a deleted"
        " object cannot be brought back",
    }
    assert set(stack.state().resources) == {"consumer"}
    assert stack.state().resources["consumer"].status is ResourceStatus.TAINTED
    fixed = _replaceable("two", fail=False).replace(
        "    lifecycle: {create_before_destroy: true}\n", ""
    )
    stack.apply(fixed)
    assert stack.plan(fixed).has_changes is False


CHAIN = """
resources:
  first:
    type: OS::Heat::TestResource
    properties: {value: one}
  second:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [first, output]}}
  third:
    type: OS::Heat::TestResource
    properties: {value: {get_attr: [second, output]}}
"""


@pytest.mark.parametrize("mode", [OnFailure.STOP, OnFailure.ROLLBACK])
def test_cancel_stops_between_steps_then_keeps_or_undoes_the_work(
    stack: Stack, mode: OnFailure
) -> None:
    """``cancel`` (Heat's cancel_update): once it answers, nothing more starts; the steps
    done are kept (STOP) or undone (ROLLBACK), and the error says the run was cancelled."""
    template, params = stack.load(CHAIN)
    plan = make_plan(template, params, stack.state(), stack.registry)
    events = Events()

    def cancel() -> OnFailure | None:
        done = {e.address for e in events.items if e.kind is EventKind.DONE}
        return mode if "first" in done else None

    with pytest.raises(ApplyError) as caught:
        apply_plan(
            plan, template, params, stack.store, stack.registry,
            parallelism=1, on_event=events, cancel=cancel,
        )  # fmt: skip
    err = caught.value
    assert err.outcome.cancelled
    assert err.message.startswith("Operation cancelled: 2 of 3 steps not started")
    assert set(err.outcome.skipped) == {"create second", "create third"}
    kept = set(stack.state().resources)
    if mode is OnFailure.STOP:
        assert kept == {"first"}
        assert err.outcome.rollback is None
    else:
        assert kept == set()
        assert err.outcome.rollback is not None and err.outcome.rollback.complete
