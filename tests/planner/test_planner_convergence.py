"""Property test: for random plausible templates and prior states, make_plan raises nothing
but AtonixError, its changes can be applied in the order given (every property resolves when
its turn comes), and planning again after applying them finds nothing to do.

The apply is modelled by a small in-memory interpreter that calls the real Heat resource
types (OS::Heat::Value, None, TestResource, RandomString need no cloud).
"""

from __future__ import annotations

from typing import Any

from _planner_kit import KEY, GetAttr, GetResource, Params, rstate, spec, template
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from atonix_iac.errors import AtonixError
from atonix_iac.planner import (
    Action,
    Plan,
    make_plan,
    resolve_outputs,
    resolve_properties,
)
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, ResourceStatus, State
from atonix_iac.template.model import Lifecycle, Template

REGISTRY = Registry.from_providers([HeatProvider()], plugins=False)
PARAMS = Params({"OS::stack_name": "app"})
TYPES = ["OS::Heat::Value", "OS::Heat::None", "OS::Heat::TestResource", "OS::Heat::RandomString"]
ATTRIBUTE = {
    "OS::Heat::Value": "value",
    "OS::Heat::TestResource": "output",
    "OS::Heat::RandomString": "value",
    "OS::Heat::None": "show",
}
CONDITIONS = {"on": True, "off": False}
words = st.text(alphabet="abcxyz", min_size=1, max_size=4)


Pair = tuple[Any, Any]  # (value in the new template, value in the old one)


@st.composite
def _value(draw: st.DrawFn, earlier: list[tuple[str, str]]) -> Pair:
    choices = ["literal"] + (["attr", "id", "list"] if earlier else [])
    kind = draw(st.sampled_from(choices))
    if kind == "literal":
        new = draw(words)
        return new, draw(st.one_of(st.just(new), words))
    name, type_ = draw(st.sampled_from(earlier))
    if kind == "attr" and type_ != "OS::Heat::None":  # its attributes are all null
        return GetAttr(name, ATTRIBUTE[type_]), GetAttr(name, ATTRIBUTE[type_])
    if kind == "list":
        head = draw(words)
        return [head, GetResource(name)], [draw(st.one_of(st.just(head), words)), GetResource(name)]
    return GetResource(name), GetResource(name)


@st.composite
def _properties(draw: st.DrawFn, type_: str, earlier: list[tuple[str, str]]) -> Pair:
    if type_ == "OS::Heat::RandomString":
        length = draw(st.integers(8, 10))
        return {"length": length}, {"length": draw(st.one_of(st.just(length), st.integers(8, 10)))}
    if type_ == "OS::Heat::None":
        keys = draw(st.lists(st.sampled_from(["a", "b"]), unique=True, max_size=2))
        pairs = {k: draw(_value(earlier)) for k in keys}
        return {k: v[0] for k, v in pairs.items()}, {k: v[1] for k, v in pairs.items()}
    new, old = draw(_value(earlier))
    if type_ == "OS::Heat::TestResource" and isinstance(new, list):
        new, old = new[1], old[1]
    if type_ == "OS::Heat::TestResource" and isinstance(new, GetAttr):
        # TestResource's value is a String: an OS::Heat::Value attribute may be a list.
        new, old = GetResource(new.target), GetResource(new.target)
    return {"value": new}, {"value": old}


@st.composite
def scenarios(draw: st.DrawFn) -> tuple[Template, State]:
    """A template, and the state an apply of a slightly different template left behind, then
    damaged a little (tainted objects, resources only state knows, edited properties)."""
    count = draw(st.integers(1, 6))
    new_specs, old_specs = [], []
    earlier: list[tuple[str, str]] = []
    for index in range(count):
        name = f"r{index}"
        type_ = draw(st.sampled_from(TYPES))
        old_type = draw(st.sampled_from([type_, type_, type_, *TYPES]))
        new_props, old_props = draw(_properties(type_, earlier))
        if old_type != type_:
            old_props = draw(_properties(old_type, earlier))[1]
        common = {
            "condition": draw(st.sampled_from([None, None, "on", "off"])),
            "lifecycle": Lifecycle(create_before_destroy=draw(st.booleans())),
            "deletion_policy": draw(st.sampled_from(["Delete", "Delete", "Retain"])),
        }
        new_specs.append(spec(name, type_, new_props, **common))
        old_specs.append(spec(name, old_type, old_props, **{**common, "condition": None}))
        earlier.append((name, type_))
    outputs = {}
    if earlier and draw(st.booleans()):
        name, type_ = draw(st.sampled_from(earlier))
        outputs["out"] = GetAttr(name, ATTRIBUTE[type_])
        outputs["id"] = GetResource(name)
    new = template(*new_specs, outputs=outputs, conditions=CONDITIONS)
    old = template(*old_specs, outputs={"stale": "x"}, conditions=CONDITIONS)
    empty = State(key=KEY, lineage="l", serial=1)
    try:
        prior = apply_plan(make_plan(old, PARAMS, empty, REGISTRY), old, empty)
    except AtonixError:
        prior = empty
    resources = dict(prior.resources)
    for address in sorted(resources):
        if draw(st.integers(0, 5)) == 0:
            resources[address].status = ResourceStatus.TAINTED
        if draw(st.integers(0, 5)) == 0:
            resources[address].properties = {"value": draw(words)}
    for name in ("old0", "old1"):
        if draw(st.booleans()):
            type_ = draw(st.sampled_from(TYPES))
            resources[name] = rstate(
                name,
                type_,
                {"value": draw(words)},
                attributes={ATTRIBUTE[type_]: draw(words)},
                deletion_policy=draw(st.sampled_from(["Delete", "Retain"])),
                dependencies=tuple(draw(st.lists(st.sampled_from(["r0", "old0"]), max_size=1))),
            )
    prior.resources = resources
    return new, prior


def apply_plan(plan: Plan, t: Template, state: State) -> State:
    """Execute the plan's changes one by one against the real Heat resource types."""
    resources = dict(state.resources)
    for change in plan.changes:
        if change.action is Action.NOOP:
            continue
        if change.action is Action.DELETE:
            resources.pop(change.address, None)
            continue
        impl = REGISTRY.implementation(change.type)
        assert impl is not None
        identity = ResourceIdentity("w", "e", "s", change.address)
        properties, secret = resolve_properties(t, change.address, PARAMS, resources)
        if change.action is Action.UPDATE:
            old = resources[change.address]
            assert old.physical_id is not None
            changed = frozenset(p.name for p in change.changes)
            result = impl.update(identity, old.physical_id, old.properties, properties, changed)
        else:
            result = impl.create(identity, properties)
        resources[change.address] = ResourceState(
            address=change.address,
            type=change.type,
            physical_id=result.physical_id,
            properties=properties,
            attributes=result.attributes,
            sensitive_properties=secret,
            dependencies=change.dependencies,
        )
    outputs, secret_outputs = resolve_outputs(t, PARAMS, resources)
    return State(
        key=state.key,
        lineage=state.lineage,
        serial=state.serial + 1,
        resources=resources,
        outputs=outputs,
        sensitive_outputs=secret_outputs,
    )


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_applying_a_plan_converges(scenario: tuple[Template, State]) -> None:
    t, state = scenario
    try:
        plan = make_plan(t, PARAMS, state, REGISTRY)
    except AtonixError as err:
        event(f"plan refused: {type(err).__name__}")
        return
    event(f"{sum(c.action is not Action.NOOP for c in plan.changes)} changes")
    after = apply_plan(plan, t, state)
    again = make_plan(t, PARAMS, after, REGISTRY)
    leftover = [
        (c.address, c.action, c.reason) for c in again.changes if c.action is not Action.NOOP
    ]
    assert leftover == []
    assert [o.name for o in again.output_changes if o.action is not Action.NOOP] == []
