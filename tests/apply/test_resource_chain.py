"""OS::Heat::ResourceChain as Heat runs it: member N of type ``resources[N]`` with the
``resource_properties``, each after the one before unless ``concurrent``; ``refs``,
``attributes`` and ``resource.N`` read from the members; growing and shrinking the list."""

from __future__ import annotations

import pytest
from _apply_kit import Events, Stack

from atonix_iac.apply.events import EventKind
from atonix_iac.errors import TemplateError
from atonix_iac.planner.plan import Action, PlanMode

CHAIN = """
parameters:
  kinds:
    type: comma_delimited_list
    default: "OS::Heat::RandomString,OS::Heat::RandomString,OS::Heat::RandomString"
  concurrent: {type: boolean, default: false}
resources:
  chain:
    type: OS::Heat::ResourceChain
    properties:
      resources: {get_param: kinds}
      concurrent: {get_param: concurrent}
      resource_properties:
        length: 12
        character_classes: [{class: digits}]
  reader:
    type: OS::Heat::Value
    properties:
      value: {get_attr: [chain, refs]}
outputs:
  values:
    value: {get_attr: [chain, attributes, value]}
  second:
    value: {get_attr: [chain, resource.1, value]}
  second_id:
    value: {get_attr: [chain, resource.1]}
"""


def test_a_chain_creates_in_order_and_reads_its_members(stack: Stack) -> None:
    events = Events()
    result = stack.apply(CHAIN, events=events)
    assert events.index(EventKind.DONE, "chain.0") < events.index(EventKind.START, "chain.1")
    assert events.index(EventKind.DONE, "chain.1") < events.index(EventKind.START, "chain.2")
    state = stack.state()
    members = [state.resources[f"chain.{i}"] for i in range(3)]
    assert [m.type for m in members] == ["OS::Heat::RandomString"] * 3
    assert state.resources["reader"].attributes["value"] == [m.physical_id for m in members]
    values = result.outputs["values"]
    assert set(values) == {"0", "1", "2"}
    assert all(len(v) == 12 and v.isdigit() for v in values.values())
    assert result.outputs["second"] == values["1"]
    assert result.outputs["second_id"] == members[1].physical_id
    assert not [c for c in stack.plan(CHAIN).changes if c.action is not Action.NOOP]

    # A shorter list removes the last member; a different type replaces that member.
    shorter = "OS::Heat::RandomString,OS::Heat::None"
    plan = stack.plan(CHAIN, kinds=shorter)
    actions = {c.address: c.action for c in plan.changes}
    assert actions["chain.2"] is Action.DELETE
    assert actions["chain.1"].is_replace
    assert actions["chain.0"] is Action.NOOP

    stack.apply(CHAIN, mode=PlanMode.DESTROY)
    assert stack.state().resources == {}


def test_a_concurrent_chain_has_no_order(stack: Stack) -> None:
    ordered = {c.address: c.dependencies for c in stack.plan(CHAIN).changes}
    assert "chain.0" in ordered["chain.1"] and "chain.1" in ordered["chain.2"]
    plan = stack.plan(CHAIN, concurrent=True)
    depends = {c.address: c.dependencies for c in plan.changes}
    assert not any(f"chain.{i}" in depends[f"chain.{j}"] for i in range(3) for j in range(3))
    assert {"chain.0", "chain.1", "chain.2"} <= set(depends["chain"])
    stack.apply(CHAIN, concurrent=True)
    assert {f"chain.{i}" for i in range(3)} <= set(stack.state().resources)


def test_a_chain_of_a_template_is_refused_with_its_location(stack: Stack) -> None:
    (stack.root / "member.yaml").write_text("heat_template_version: 2018-08-31\n")
    with pytest.raises(TemplateError) as err:
        stack.plan(CHAIN, kinds="member.yaml")
    assert "is a template, which a ResourceChain cannot hold yet" in err.value.format()
