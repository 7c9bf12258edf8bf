"""``external_id`` plans as READ in every renderer (JSON keeps Terraform's ``show -json``
shape, Markdown counts the reads), and destroying only forgets adopted objects."""

from __future__ import annotations

from pathlib import Path

import pytest

from atonix_iac.planner import PlanMode, make_plan, render_plan
from atonix_iac.planner.plan import Action, Plan
from atonix_iac.planner.render.json_plan import plan_document
from atonix_iac.planner.render.markdown import render_markdown, summary_context
from atonix_iac.providers.heat import HeatProvider
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, StackKey, State
from atonix_iac.template import bind_parameters, load_template

STACK = """heat_template_version: 2016-10-14
resources:
  shared:
    type: OS::Heat::TestResource
    external_id: shared-0001
  user:
    type: OS::Heat::Value
    properties:
      value: {get_resource: shared}
"""
KEY = StackKey("default", "dev", "external")


def _plan(tmp_path: Path, state: State, mode: PlanMode = PlanMode.NORMAL) -> Plan:
    path = tmp_path / "stack.yaml"
    path.write_text(STACK)
    template = load_template(str(path))
    params = bind_parameters(
        template, {}, stack_name="external", stack_id="sid", project_id="p", region="r"
    )
    registry = Registry.from_providers([HeatProvider()], plugins=False)
    return make_plan(template, params, state, registry, mode=mode)


def test_read_in_json_and_markdown(tmp_path: Path) -> None:
    plan = _plan(tmp_path, State(KEY))
    by_address = {c.address: c for c in plan.changes}
    assert by_address["shared"].action is Action.READ
    assert by_address["user"].after == {"value": "shared-0001"}  # the id is known at plan
    document = plan_document(plan)
    changes = {c["address"]: c for c in document["resource_changes"]}
    assert changes["shared"]["change"]["actions"] == ["read"]
    assert changes["shared"]["change"]["before"] is None
    assert changes["shared"]["change"]["after"] == {"external_id": "shared-0001"}
    assert changes["user"]["change"]["actions"] == ["create"]
    assert plan.summary() == "Plan: 1 to add, 0 to change, 0 to destroy, 1 to read."
    counts = {row["action"]: row["count"] for row in summary_context(plan)["counts"]}
    assert counts["read"] == 1 and counts["create"] == 1
    markdown = render_markdown(plan)
    assert "Read (adopted through external_id)" in markdown
    assert "1 to read" in markdown


@pytest.mark.parametrize("mode", [PlanMode.DESTROY, PlanMode.NORMAL])
def test_destroy_and_removal_only_forget_an_adopted_object(tmp_path: Path, mode: PlanMode) -> None:
    adopted = ResourceState("gone_from_template", "OS::Heat::TestResource", "x-1", external=True)
    state = State(KEY, lineage="l", serial=1, resources={adopted.address: adopted})
    plan = _plan(tmp_path, state, mode)
    change = next(c for c in plan.changes if c.address == "gone_from_template")
    assert change.action is Action.DELETE and change.forget_only
    assert "removed from the state (the object itself is kept)" in render_plan(plan)
