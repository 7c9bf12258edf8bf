"""Groups applied: batches wait for each other, a changed definition updates every member
(rolling_update batches in order), and destroy removes members and group."""

from __future__ import annotations

import pytest
from _apply_kit import Events, Stack

from atonix_iac.apply.events import EventKind
from atonix_iac.errors import TemplateError
from atonix_iac.planner.plan import Action, PlanMode

GROUP = """
parameters:
  label: {type: string, default: a}
resources:
  g:
    type: OS::Heat::ResourceGroup
    update_policy:
      batch_create: {max_batch_size: 2}
      rolling_update: {max_batch_size: 1}
    properties:
      count: 3
      resource_def:
        type: OS::Heat::TestResource
        properties:
          value: {list_join: ["-", [{get_param: label}, "%index%"]]}
  reader:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [g, output]}
outputs:
  outputs:
    value: {get_attr: [g, attributes, output]}
"""


def test_batches_apply_in_order_and_attributes_come_from_members(stack: Stack) -> None:
    events = Events()
    stack.apply(GROUP, events=events)
    for early in ("g.0", "g.1"):
        assert events.index(EventKind.DONE, early) < events.index(EventKind.START, "g.2")
    state = stack.state()
    assert state.resources["reader"].attributes["value"] == ["a-0", "a-1", "a-2"]
    assert state.outputs["outputs"] == {"0": "a-0", "1": "a-1", "2": "a-2"}

    plan = stack.plan(GROUP, label="b")
    actions = {c.address: c.action for c in plan.changes}
    assert {actions[f"g.{i}"] for i in range(3)} == {Action.UPDATE}
    events = Events()
    stack.apply(GROUP, label="b", events=events)
    assert events.index(EventKind.DONE, "g.0") < events.index(EventKind.START, "g.1")
    assert events.index(EventKind.DONE, "g.1") < events.index(EventKind.START, "g.2")
    assert stack.state().resources["reader"].attributes["value"] == ["b-0", "b-1", "b-2"]

    stack.apply(GROUP, label="b", mode=PlanMode.DESTROY)
    assert stack.state().resources == {}


KEEP_IN_SERVICE = """
parameters:
  length: {type: number, default: 8}
resources:
  g:
    type: OS::Heat::ResourceGroup
    update_policy:
      rolling_update: {max_batch_size: 1, min_in_service: 1}
    properties:
      count: 2
      resource_def:
        type: OS::Heat::RandomString
        properties: {length: {get_param: length}}
"""


def test_min_in_service_replaces_members_create_before_destroy(stack: Stack) -> None:
    stack.apply(KEEP_IN_SERVICE)
    plan = stack.plan(KEEP_IN_SERVICE, length=12)
    actions = {c.address: c.action for c in plan.changes}
    assert actions["g.0"] is Action.CREATE_THEN_DELETE
    assert actions["g.1"] is Action.CREATE_THEN_DELETE
    events = Events()
    stack.apply(KEEP_IN_SERVICE, length=12, events=events)
    first_created = events.index(EventKind.DONE, "g.0", "create")
    assert first_created < events.index(EventKind.START, "g.1", "create")  # a batch at a time
    assert len(stack.state().resources["g.1"].attributes["value"]) == 12


PAUSED = """
parameters:
  label: {type: string, default: a}
resources:
  g:
    type: OS::Heat::ResourceGroup
    update_policy:
      batch_create: {max_batch_size: 2, pause_time: 0.6}
      rolling_update: {max_batch_size: 2, pause_time: 0.4}
    properties:
      count: 3
      resource_def:
        type: OS::Heat::TestResource
        properties:
          value: {list_join: ["-", [{get_param: label}, "%index%"]]}
  other:
    type: OS::Heat::TestResource
    properties: {value: free, wait_secs: 0.2}
"""


def test_pause_time_is_waited_between_batches_and_shown(stack: Stack) -> None:
    events = Events()
    stack.apply(PAUSED, parallelism=1, events=events)
    at = {(e.kind, e.address): e.at for e in events.items}
    first_batch_done = max(at[(EventKind.DONE, "g.0")], at[(EventKind.DONE, "g.1")])
    assert at[(EventKind.START, "g.2")] - first_batch_done >= 0.6
    pauses = [e for e in events.items if e.kind is EventKind.PAUSE]
    assert [(e.address, e.message) for e in pauses] == [
        ("g.2", "waiting 0.6s after the previous batch (pause_time of `g`)")
    ]
    assert pauses[0].at <= at[(EventKind.START, "g.2")]
    assert stack.state().resources["g.2"].attributes["output"] == "a-2"

    events = Events()
    stack.apply(PAUSED, label="b", events=events)
    at = {(e.kind, e.address): e.at for e in events.items}
    first_batch_done = max(at[(EventKind.DONE, "g.0")], at[(EventKind.DONE, "g.1")])
    assert at[(EventKind.START, "g.2")] - first_batch_done >= 0.4
    assert [e.address for e in events.items if e.kind is EventKind.PAUSE] == ["g.2"]


BY_INDEX = """
parameters:
  count: {type: number, default: 3}
resources:
  g:
    type: OS::Heat::ResourceGroup
    properties:
      count: {get_param: count}
      resource_def:
        type: OS::Heat::TestResource
        properties: {value: "v%index%"}
  reader:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [g, resource.2.output]}
outputs:
  third:
    value: {get_attr: [g, resource.2]}
"""


def test_get_attr_of_a_member_no_longer_in_the_group_fails_as_heat_does(stack: Stack) -> None:
    stack.apply(BY_INDEX)
    assert stack.state().resources["reader"].attributes["value"] == "v2"
    with pytest.raises(TemplateError) as caught:
        stack.plan(BY_INDEX, count=2)
    text = caught.value.format()
    assert "Member '2' not found in group resource 'g'." in text
    assert "stack.yaml:" in text  # located
    assert stack.state().resources["reader"].attributes["value"] == "v2"
    # An output alone fails quietly, as Heat's output_error: its value is null.
    assert stack.state().outputs["third"] == stack.state().resources["g.2"].physical_id
    outputs_only = BY_INDEX.split("  reader:")[0] + "outputs:" + BY_INDEX.split("outputs:")[1]
    stack.apply(outputs_only, count=2)
    assert stack.state().outputs["third"] is None
    assert "g.2" not in stack.state().resources
