"""Group expansion (planner.groups): Heat's member names, removed names never reused, the
oldest scaled in first, batches ordered, and located refusals."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from atonix_iac.errors import TemplateError
from atonix_iac.planner.group_sizes import REMOVED_PROPERTY
from atonix_iac.planner.groups import expand_groups
from atonix_iac.state.model import ResourceState, StackKey, State
from atonix_iac.template import BoundParameters, Template, bind_parameters, load_template

KEY = StackKey("default", "dev", "groups")
_DIR = Path(tempfile.mkdtemp(prefix="atonix-groups-"))

RG = """heat_template_version: 2018-08-31
parameters:
  count: {type: number}
  removed: {type: json, default: []}
  mode: {type: string, default: append}
resources:
  g:
    type: OS::Heat::ResourceGroup
    update_policy:
      batch_create: {max_batch_size: 2}
    properties:
      count: {get_param: count}
      removal_policies: [{resource_list: {get_param: removed}}]
      removal_policies_mode: {get_param: mode}
      resource_def:
        type: OS::Heat::Value
        properties:
          value: {str_replace: {template: "m-%index%-X", params: {X: {get_param: mode}}}}
"""

ASG = """heat_template_version: 2018-08-31
parameters:
  desired: {type: number}
resources:
  asg:
    type: OS::Heat::AutoScalingGroup
    properties:
      min_size: 0
      max_size: 20
      desired_capacity: {get_param: desired}
      resource: {type: OS::Heat::None}
"""


def _load(name: str, body: str, **values: object) -> tuple[Template, BoundParameters]:
    path = _DIR / name
    if not path.exists():
        path.write_text(body)
    template = load_template(path)
    params = bind_parameters(
        template, dict(values), stack_name="s", stack_id="id", project_id="", region="r"
    )
    return template, params


def _state(group: str, type_name: str, members: list[str], **props: object) -> State:
    resources = {group: ResourceState(group, type_name, f"id-{group}", properties=dict(props))}
    for name in members:
        address = f"{group}.{name}"
        resources[address] = ResourceState(address, "OS::Heat::Value", f"id-{address}")
    return State(key=KEY, lineage="l", serial=1, resources=resources)


@given(
    count=st.integers(0, 12),
    recorded=st.sets(st.integers(0, 15).map(str), max_size=5),
    wanted=st.sets(st.integers(0, 15).map(str), max_size=5),
    existing=st.integers(0, 12),
    mode=st.sampled_from(["append", "update"]),
)
def test_resource_group_names_follow_heat(
    count: int, recorded: set[str], wanted: set[str], existing: int, mode: str
) -> None:
    template, params = _load("rg.yaml", RG, count=count, removed=sorted(wanted), mode=mode)
    members = [str(i) for i in range(existing) if str(i) not in recorded]
    state = _state("g", "OS::Heat::ResourceGroup", members, **{REMOVED_PROPERTY: sorted(recorded)})
    expanded = expand_groups(template, params, state).expanded_groups["g"]
    removed = set(expanded.removed)
    # Names removed before stay removed in append mode; those asked for now are always.
    assert (recorded if mode == "append" else set()) <= removed
    assert {w for w in wanted if w in members or w in recorded} <= removed
    assert len(expanded.members) == count
    assert not removed & set(expanded.members)
    assert [int(n) for n in expanded.members] == sorted(int(n) for n in expanded.members)
    # The lowest names that are not removed: what Heat's _resource_names gives.
    free = [str(i) for i in range(count + len(removed) + 1) if str(i) not in removed]
    assert list(expanded.members) == free[:count]


def test_index_var_reaches_function_results_and_batches_wait_for_each_other() -> None:
    template, params = _load("rg.yaml", RG, count=5)
    expanded = expand_groups(template, params, State(key=KEY))
    resources = expanded.resources
    assert [a for a in resources if a.startswith("g.")] == [f"g.{i}" for i in range(5)]
    depends = {a: {d for d, _ in resources[a].depends_on} for a in resources}
    assert depends["g.0"] == depends["g.1"] == set()
    assert depends["g.2"] == depends["g.3"] == {"g.0", "g.1"}
    assert depends["g.4"] == {"g.2", "g.3"}
    assert {f"g.{i}" for i in range(5)} <= depends["g"]
    from atonix_iac.planner.evaluation import PlanContext, resolve_spec_properties

    ctx = PlanContext(expanded, params, {})
    assert resolve_spec_properties(resources["g.3"], ctx) == {"value": "m-3-append"}


@given(existing=st.sets(st.integers(0, 30), max_size=10), desired=st.integers(0, 20))
def test_autoscaling_group_drops_the_oldest_and_numbers_after_the_newest(
    existing: set[int], desired: int
) -> None:
    template, params = _load("asg.yaml", ASG, desired=desired)
    names = [str(i) for i in sorted(existing)]
    state = _state("asg", "OS::Heat::AutoScalingGroup", names)
    members = expand_groups(template, params, state).expanded_groups["asg"].members
    assert len(members) == desired
    kept = [m for m in members if m in names]
    assert kept == names[len(names) - len(kept) :]  # the newest survive
    added = [int(m) for m in members if m not in names]
    assert all(a > max(existing, default=-1) for a in added)


def test_a_count_that_is_not_a_whole_number_is_refused_where_it_is_written() -> None:
    template, params = _load("rg.yaml", RG, count=2.5)
    with pytest.raises(TemplateError) as caught:
        expand_groups(template, params, State(key=KEY))
    assert "rg.yaml:12:7: error: `count` of group `g` must be an integer" in str(
        caught.value.format()
    )


def test_validate_checks_a_sample_member_of_each_group() -> None:
    from atonix_iac.planner import validate_stack
    from atonix_iac.providers.heat import HeatProvider
    from atonix_iac.providers.registry import Registry

    body = RG.replace("type: OS::Heat::Value", "type: OS::Heat::Valeu")
    template, params = _load("rg-typo.yaml", body, count=1)
    registry = Registry.from_providers([HeatProvider()], plugins=False)
    messages = [d.format() for d in validate_stack(template, registry, None)]
    assert [m.split("/")[-1] for m in messages] == [
        "rg-typo.yaml:16:15: error: unknown resource type `OS::Heat::Valeu` for `g.0`"
        " (did you mean `OS::Heat::Value`?)"
    ]
