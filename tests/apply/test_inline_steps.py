"""Cloud-free steps (``OS::Heat::Value``) run on the walking thread, those ready together
committed in one transaction: each result is durable before anything depending on it starts,
a "complete" event follows the commit, and a failure is still the failure of its own step."""

from __future__ import annotations

import pytest
from _apply_kit import Events, Stack

from atonix_iac.apply.events import ApplyEvent, EventKind, OnFailure
from atonix_iac.apply.executor import apply_plan
from atonix_iac.errors import ApplyError, StateLockedError
from atonix_iac.planner import make_plan
from atonix_iac.planner.plan import Plan, PlanMode
from atonix_iac.state import open_store
from atonix_iac.template import BoundParameters
from atonix_iac.template.model import Template

DEPENDENTS = ["d0", "d1", "d2", "d3", "d4", "d5"]
# d2 is typed as a number; its value is known only once `source` exists, so it fails at
# create (not at plan), in the same batch as its siblings.
BATCH = """
resources:
  source:
    type: OS::Heat::Value
    properties: {value: not-a-number}
""" + "".join(
    f"""  {name}:
    type: OS::Heat::Value
    properties: {{value: {{get_attr: [source, value]}}{", type: number" if name == "d2" else ""}}}
"""
    for name in DEPENDENTS
)


def _apply(stack: Stack, on_failure: OnFailure, events: Events, body: str = BATCH) -> ApplyError:
    with pytest.raises(ApplyError) as caught:
        stack.apply(body, events=events, on_failure=on_failure)
    return caught.value


def _done(events: Events) -> set[str]:
    return {e.address for e in events.items if e.kind is EventKind.DONE}


def test_records_committed_together_each_keep_their_serial_and_history_row(
    stack: Stack,
) -> None:
    body = "resources:\n" + "".join(
        f"  v{i}:\n    type: OS::Heat::Value\n    properties: {{value: {i}}}\n" for i in range(5)
    )
    stack.apply(body)

    history = [v for v in stack.store.history(stack.key) if v.operation.startswith("write")]
    assert sorted(v.operation for v in history) == [f"write v{i}" for i in range(5)]
    assert [v.serial for v in history] == [1, 2, 3, 4, 5]
    assert len({v.created_at for v in history}) == 1  # one transaction


def test_dependents_start_only_once_what_they_depend_on_is_committed(stack: Stack) -> None:
    seen_in_state: dict[str, bool] = {}
    events = Events()

    def observe(event: ApplyEvent) -> None:
        events(event)
        if event.kind is EventKind.START and event.address != "source":
            seen_in_state[event.address] = "source" in stack.state().resources

    body = BATCH.replace(", type: number", "")
    template, params = stack.load(body)
    plan = make_plan(template, params, stack.state(), stack.registry)
    apply_plan(plan, template, params, stack.store, stack.registry, on_event=observe)

    assert seen_in_state == dict.fromkeys(DEPENDENTS, True)
    assert list(seen_in_state) == DEPENDENTS  # in plan order
    for name in DEPENDENTS:
        assert events.index(EventKind.DONE, "source") < events.index(EventKind.START, name)
    assert set(stack.state().resources) == {"source", *DEPENDENTS}


def test_a_failed_step_stops_the_rest_of_its_batch_and_keeps_what_completed(
    stack: Stack,
) -> None:
    events = Events()
    error = _apply(stack, OnFailure.STOP, events)

    outcome = error.outcome
    assert [address for address, _ in outcome.failed] == ["create d2"]
    assert "must be a Number" in outcome.failed[0][1]
    applied = {step.removeprefix("create ") for step in outcome.applied}
    skipped = {step.removeprefix("create ") for step in outcome.skipped}
    assert applied | skipped | {"d2"} == {"source", *DEPENDENTS}
    assert set(stack.state().resources) == applied  # all that completed, nothing else
    assert _done(events) == applied  # "complete" only for what was committed
    assert {e.address for e in events.items if e.kind is EventKind.START} == applied | {"d2"}
    assert skipped, "the steps after the failure in its batch were not started"


def test_on_failure_continue_applies_every_step_that_does_not_depend_on_the_failure(
    stack: Stack,
) -> None:
    events = Events()
    error = _apply(stack, OnFailure.CONTINUE, events)

    assert [address for address, _ in error.outcome.failed] == ["create d2"]
    assert error.outcome.skipped == ()
    expected = {"source", *DEPENDENTS} - {"d2"}
    assert set(stack.state().resources) == expected
    assert _done(events) == expected
    audit = {(r.address, r.result) for r in stack.store.audit(stack.key)}
    assert ("d2", "failed") in audit and ("d0", "ok") in audit


def test_a_batch_that_cannot_be_committed_reports_no_step_complete(stack: Stack) -> None:
    """The run's lock is broken while a batch runs: its records are refused, no step of it
    is reported complete, and state holds none of them."""
    events = Events()

    body = "resources:\n" + "".join(
        f"  v{i}:\n    type: OS::Heat::Value\n    properties: {{value: {i}}}\n" for i in range(4)
    )
    template, params = stack.load(body)
    plan = make_plan(template, params, stack.state(), stack.registry)
    _apply_breaking_the_lock_at_first_start(stack, plan, template, params, events)

    assert _done(events) == set()
    assert stack.state().resources == {}


def _apply_breaking_the_lock_at_first_start(
    stack: Stack, plan: Plan, template: Template, params: BoundParameters, events: Events
) -> None:
    """Apply while another process force-unlocks the stack at the first START event: the
    run must end with StateLockedError."""
    other = open_store(str(stack.store.url))

    def break_lock(event: ApplyEvent) -> None:
        events(event)
        if event.kind is EventKind.START and len(events.items) == 1:
            lock = other.current_lock(stack.key)
            assert lock is not None
            other.force_unlock(stack.key, lock.lock_id)

    try:
        with pytest.raises(StateLockedError):
            apply_plan(plan, template, params, stack.store, stack.registry, on_event=break_lock)
    finally:
        other.close()


def _chain(count: int, cloud_at: int | None = None) -> str:
    """v0 <- v1 <- ... each Value taking the previous one's value; ``cloud_at``: that link is
    a TestResource (a step that is not cloud-free)."""
    body = "resources:\n  v0:\n    type: OS::Heat::Value\n    properties: {value: v}\n"
    for i in range(1, count):
        if i == cloud_at:
            body += (
                f"  v{i}:\n    type: OS::Heat::TestResource\n"
                f"    properties: {{value: {{get_attr: [v{i - 1}, value]}}}}\n"
            )
            continue
        attr = "output" if i - 1 == cloud_at else "value"
        source = f"{{get_attr: [v{i - 1}, {attr}]}}"
        body += (
            f"  v{i}:\n    type: OS::Heat::Value\n"
            f"    properties: {{value: {{list_join: ['-', [{source}, x]]}}}}\n"
        )
    return body


def _transactions(stack: Stack, prefix: str) -> list[int]:
    """How many records each transaction of ``prefix`` writes committed, in order."""
    sizes: dict[object, int] = {}
    for version in stack.store.history(stack.key):
        if version.operation.startswith(prefix):
            sizes[version.created_at] = sizes.get(version.created_at, 0) + 1
    return list(sizes.values())


def test_a_chain_of_cloud_free_steps_is_committed_a_batch_at_a_time(stack: Stack) -> None:
    """Each link depends on the one before: the batch goes on through them, so 150 links are
    three transactions (64, 64, 22), each record still with its own serial; every "complete"
    comes before the next link is shown starting."""
    events = Events()
    stack.apply(_chain(150), events=events)

    assert _transactions(stack, "write") == [64, 64, 22]
    writes = [v for v in stack.store.history(stack.key) if v.operation.startswith("write")]
    assert [v.serial for v in writes] == list(range(1, 151))
    assert [v.operation for v in writes] == [f"write v{i}" for i in range(150)]
    assert stack.state().resources["v149"].attributes["value"] == "v" + "-x" * 149
    assert events.lines() == [
        line for i in range(150) for line in (f"start create v{i}", f"done create v{i}")
    ]

    stack.apply(_chain(150), mode=PlanMode.DESTROY)
    assert _transactions(stack, "remove") == [64, 64, 22]
    assert stack.state().resources == {}


def test_a_cloud_step_starts_only_once_the_results_it_depends_on_are_committed(
    stack: Stack,
) -> None:
    """v0..v9 are one batch; v10 is not cloud-free, so the batch is committed before it
    starts; the links after it are a batch of their own."""
    seen: dict[str, set[str]] = {}

    def observe(event: ApplyEvent) -> None:
        if event.kind is EventKind.START:
            seen[event.address] = set(stack.state().resources)

    stack.apply(_chain(20, cloud_at=10), events=observe)

    assert seen["v10"] == {f"v{i}" for i in range(10)}
    assert _transactions(stack, "write") == [10, 1, 9]  # (v10's result: its own commit)
    assert stack.state().resources["v19"].attributes["value"] == "v" + "-x" * 18


def test_a_chain_whose_batch_cannot_be_committed_shows_nothing_of_the_links_after(
    stack: Stack,
) -> None:
    """The lock is broken as the chain starts: v0's record is refused, and the links that
    ran on v0's uncommitted result count as never started (no event, no record)."""
    events = Events()

    template, params = stack.load(_chain(5))
    plan = make_plan(template, params, stack.state(), stack.registry)
    _apply_breaking_the_lock_at_first_start(stack, plan, template, params, events)

    assert events.lines() == ["start create v0"]
    assert stack.state().resources == {}


def test_a_failed_link_stops_the_chain_and_keeps_the_links_before_it(stack: Stack) -> None:
    body = _chain(6).replace(
        "  v3:\n    type: OS::Heat::Value\n    properties: {",
        "  v3:\n    type: OS::Heat::Value\n    properties: {type: number, ",
    )
    events = Events()
    outcome = _apply(stack, OnFailure.CONTINUE, events, body).outcome
    assert [step for step, _ in outcome.failed] == ["create v3"]
    assert set(outcome.skipped) == {"create v4", "create v5"}
    assert outcome.blocked_by == {"create v4": "create v3", "create v5": "create v3"}
    assert set(stack.state().resources) == {"v0", "v1", "v2"}
    assert events.lines()[-2:] == ["start create v3", "failed create v3"]
