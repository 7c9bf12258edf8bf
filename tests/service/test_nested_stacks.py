"""Nested stacks as Heat shows them: template resources, OS::Heat::Stack and ResourceGroup
members each a nested stack with its own stable id, name and parent, reached with
heatclient and ``openstack stack ...`` as on Heat."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from _service_kit import RunningService, in_process_service
from heatclient import exc as heat_exc

from atonix_iac.simulator.server import SimulatorServer

INNER = """\
heat_template_version: 2018-08-31
parameters:
  n: {type: string, default: x}
resources:
  v:
    type: OS::Heat::Value
    properties: {value: {get_param: n}}
  w:
    type: OS::Heat::RandomString
    depends_on: [v]
outputs:
  out: {value: {get_attr: [v, value]}}
"""

TOP = """\
heat_template_version: 2018-08-31
resources:
  tmpl:
    type: inner.yaml
    properties: {n: one}
  grp:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: inner.yaml
        properties: {n: "m%index%"}
  st:
    type: OS::Heat::Stack
    properties:
      template: {get_file: inner.yaml}
      parameters: {n: s}
  plain:
    type: OS::Heat::Value
    properties: {value: top}
"""


def _rows(heat: Any, stack_id: str, depth: int) -> dict[tuple[str, str], Any]:
    return {
        (r.stack_name, r.resource_name): r
        for r in heat.resources.list(stack_id, nested_depth=depth)
    }


def _nested(row: Any) -> str:
    return next(link["href"] for link in row.links if link["rel"] == "nested")


def _stack_of(event: Any) -> str:
    """The stack an event belongs to, as heatclient reads it from the links."""
    href = next(link["href"] for link in event.links if link["rel"] == "stack")
    return str(href.split("/stacks/", 1)[-1].split("/")[0])


def test_nested_stacks_shown_as_heat_shows_them(service: RunningService) -> None:
    heat = service.heat("demo")
    created = heat.stacks.create(stack_name="outer", template=TOP, files={"inner.yaml": INNER})
    stack_id = created["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason

    top = {r.resource_name: r for r in heat.resources.list(stack_id)}
    assert set(top) == {"tmpl", "grp", "st", "plain"}
    assert top["tmpl"].resource_type == "inner.yaml"
    assert top["st"].resource_type == "OS::Heat::Stack"
    assert not any(link["rel"] == "nested" for link in top["plain"].links)
    tmpl_id = top["tmpl"].physical_resource_id
    grp_id = top["grp"].physical_resource_id
    assert _nested(top["tmpl"]).endswith(f"/{tmpl_id}")
    assert _nested(top["grp"]).endswith(f"/{grp_id}")

    # the nested stack answers for itself: status, outputs, parent
    nested = heat.stacks.get(tmpl_id)
    assert nested.id == tmpl_id
    assert nested.stack_name.startswith("outer-tmpl-")
    assert nested.parent == stack_id
    assert nested.stack_status == "CREATE_COMPLETE"
    assert {o["output_key"]: o["output_value"] for o in nested.outputs} == {"out": "one"}
    assert heat.stacks.get(nested.stack_name).id == tmpl_id  # by name: redirected
    assert heat.stacks.output_show(tmpl_id, "out")["output"]["output_value"] == "one"
    assert [o["output_key"] for o in heat.stacks.output_list(tmpl_id)["outputs"]] == ["out"]
    inner = heat.resources.get(tmpl_id, "v")
    assert inner.attributes["value"] == "one"
    assert inner.parent_resource == "tmpl"
    assert {r.resource_name for r in heat.resources.list(tmpl_id)} == {"v", "w"}
    assert heat.resources.get(tmpl_id, "v").required_by == ["w"]

    # depth 1: the group's members (nested stacks themselves), depth 2: their resources
    one = _rows(heat, stack_id, 1)
    group = heat.stacks.get(grp_id)
    assert group.parent == stack_id
    member0 = one[(group.stack_name, "0")]
    assert member0.resource_type == "inner.yaml"
    assert member0.parent_resource == "grp"
    assert (nested.stack_name, "v") in one
    assert not any(name == group.stack_name + "-0" for name, _ in one)
    two = _rows(heat, stack_id, 2)
    member = heat.stacks.get(member0.physical_resource_id)
    assert member.parent == grp_id
    assert {o["output_key"]: o["output_value"] for o in member.outputs} == {"out": "m0"}
    assert two[(member.stack_name, "v")].parent_resource == "0"
    assert len(two) == len(one) + 4
    assert all(not hasattr(r, "parent_resource") for r in heat.resources.list(stack_id))

    # events: each in the stack holding its resource, with nested_depth
    events = heat.events.list(stack_id, nested_depth=2)
    stacks_named = {(_stack_of(e), e.resource_name) for e in events}
    assert (member.stack_name, "v") in stacks_named
    assert ("outer", "outer") in stacks_named
    assert {e.resource_name for e in heat.events.list(stack_id)} <= {"outer", "grp", "plain"}
    assert {e.resource_name for e in heat.events.list(tmpl_id)} == {"v", "w"}

    # stable: the same ids from a second look, and a service restarted on the same state
    assert heat.resources.list(stack_id)[0].physical_resource_id in {
        r.physical_resource_id for r in top.values()
    }
    assert _rows(heat, stack_id, 2).keys() == two.keys()

    # nested stacks are views: actions go to the root stack
    with pytest.raises(heat_exc.HTTPBadRequest, match="nested stack"):
        heat.stacks.update(tmpl_id, existing=True, parameters={})
    with pytest.raises(heat_exc.HTTPBadRequest, match="nested stack"):
        heat.actions.suspend(tmpl_id)
    with pytest.raises(heat_exc.HTTPNotFound):
        service.heat("alt").stacks.get(tmpl_id)


def test_nested_ids_survive_a_restart_and_the_cli_shows_them(
    simulator: SimulatorServer, tmp_path: Path
) -> None:
    root = tmp_path / "svc"
    with in_process_service(simulator, root) as first:
        heat = first.heat("demo")
        created = heat.stacks.create(stack_name="kept", template=TOP, files={"inner.yaml": INNER})
        stack_id = created["stack"]["id"]
        assert first.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
            "CREATE_COMPLETE"
        )
        before = {k: r.physical_resource_id for k, r in _rows(heat, stack_id, 2).items()}
    with in_process_service(simulator, root) as second:
        heat = second.heat("demo")
        after = {k: r.physical_resource_id for k, r in _rows(heat, stack_id, 2).items()}
        assert after == before
        clouds = simulator.write_clouds_yaml(tmp_path / "clouds.yaml")
        env = {**os.environ, "OS_CLIENT_CONFIG_FILE": str(clouds)}
        openstack = str(Path(sys.executable).with_name("openstack"))
        base = [openstack, "--os-cloud", "atonix-sim", "--os-project-name", "demo"]
        listed = subprocess.run(
            [*base, "stack", "resource", "list", "-n", "2", "-f", "value",
             "-c", "resource_name", "-c", "stack_name", stack_id],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        tmpl_id = before[("kept", "tmpl")]
        shown = subprocess.run(
            [*base, "stack", "show", tmpl_id, "-f", "value", "-c", "parent"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        assert shown.strip() == stack_id
        names = {tuple(line.split()) for line in listed.splitlines()}
        member_stack = next(s for (s, r) in before if r == "v" and "-grp-" in s)
        assert ("v", member_stack) in names
        assert ("tmpl", "kept") in names
        events = subprocess.run(
            [*base, "stack", "event", "list", "--nested-depth", "2", "-f", "value", stack_id],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        assert member_stack in events
        resource = subprocess.run(
            [*base, "stack", "resource", "show", tmpl_id, "v", "-f", "value", "-c",
             "parent_resource"],
            capture_output=True, text=True, env=env, check=True,
        ).stdout  # fmt: skip
        assert resource.strip() == "tmpl"
