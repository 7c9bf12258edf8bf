"""Contract tests for the Mistral types: a workflow whose definition is built from its
properties as Heat builds it, updated with a new definition, read for drift, found again
after an interrupted create; a cron trigger on it, checked at plan time (did-you-mean on the
workflow name); deletes idempotent and a used workflow kept until its trigger goes."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from _services import require_service

from atonix_iac.errors import ProviderError

pytestmark = pytest.mark.timeout(120)


@pytest.fixture(autouse=True)
def _needs_mistral(cloud: Any) -> None:
    require_service(cloud, "workflow")


def test_workflow_and_cron_trigger(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    flow_type, trigger_type = types["OS::Mistral::Workflow"], types["OS::Mistral::CronTrigger"]
    sdk = cloud.sdk()
    props = {
        "name": f"backup_{unique}",
        "type": "direct",
        "description": "nightly backup",
        "input": {"volume": None},
        "tasks": [
            {"name": "snapshot", "action": "cinder.snapshot volume_id=<% $.volume %>",
             "on_success": ["notify"], "publish": {"id": "<% task().result.id %>"}},
            {"name": "notify", "action": "std.echo output=done"},
        ],
    }  # fmt: skip
    assert flow_type.check(props) == []
    since = datetime.now(UTC)
    flow = flow_type.create(ident("wf"), props)
    assert flow.physical_id == props["name"]
    assert flow.attributes["data"] == {"name": props["name"], "input": {"volume": None}}
    live = sdk.workflow.get(f"/workflows/{props['name']}").json()
    spec = json.loads(live["definition"])
    assert spec["version"] == "2.0"
    assert spec[props["name"]]["tasks"]["snapshot"]["on-success"] == ["notify"]
    assert spec[props["name"]]["input"] == ["volume"]
    assert live["input"] == "volume"
    assert flow_type.find_created(ident("wf"), props, since, claimed=()) == props["name"]
    assert flow_type.find_created(ident("wf"), props, since, claimed={props["name"]}) is None
    read = flow_type.read(ident("wf"), flow.physical_id, props)
    assert read is not None and read.properties == props

    new = {**props, "description": "weekly backup"}
    flow_type.update(ident("wf"), flow.physical_id, props, new, frozenset({"description"}))
    live = sdk.workflow.get(f"/workflows/{props['name']}").json()
    assert json.loads(live["definition"])[props["name"]]["description"] == "weekly backup"

    trig_props = {"name": f"nightly_{unique}", "pattern": "0 2 * * *", "count": 5,
                  "workflow": {"name": props["name"], "input": {"volume": "v1"}}}  # fmt: skip
    assert trigger_type.check(trig_props) == []
    trigger = trigger_type.create(ident("cron"), trig_props)
    assert trigger.physical_id == trig_props["name"]
    assert trigger.attributes["remaining_executions"] == 5
    assert trigger.attributes["next_execution_time"]
    shown = trigger.attributes["show"]
    assert (shown["workflow_name"], json.loads(shown["workflow_input"])) == (
        props["name"], {"volume": "v1"})  # fmt: skip
    read = trigger_type.read(ident("cron"), trigger.physical_id, trig_props)
    assert read is not None and read.properties == trig_props

    # Mistral keeps a workflow a trigger uses.
    with pytest.raises(ProviderError, match="cron triggers associated"):
        flow_type.delete(ident("wf"), flow.physical_id, new)
    trigger_type.delete(ident("cron"), trigger.physical_id, trig_props)
    assert trigger_type.read(ident("cron"), trigger.physical_id, trig_props) is None
    trigger_type.delete(ident("cron"), trigger.physical_id, trig_props)
    flow_type.delete(ident("wf"), flow.physical_id, new)
    assert flow_type.read(ident("wf"), flow.physical_id, new) is None
    flow_type.delete(ident("wf"), flow.physical_id, new)


def test_plan_time_checks(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    flow_type, trigger_type = types["OS::Mistral::Workflow"], types["OS::Mistral::CronTrigger"]
    name = f"deploy_{unique}"
    flow_type.create(ident("wf"), {"name": name, "type": "direct",
                                   "tasks": [{"name": "t", "action": "std.noop"}]})  # fmt: skip
    typo = name.replace("deploy", "deplyo")
    found = trigger_type.check({"workflow": {"name": typo}, "pattern": "* * * * *"})
    assert [(d.message, d.hint) for d in found] == [
        (f"`workflow.name`: workflow `{typo}` not found", f"did you mean `{name}`?")
    ]
    found = trigger_type.check({"workflow": {"name": name}})
    assert [d.message for d in found] == ["a cron trigger needs `pattern` or `first_time`"]
    found = flow_type.check({"type": "reverse", "params": {}, "tasks": [
        {"name": "t", "action": "std.noop", "workflow": "other"}]})  # fmt: skip
    assert [d.message for d in found] == [
        "a reverse workflow needs `params.task_name`",
        "`tasks[0]` sets both `action` and `workflow`",
    ]
    flow_type.delete(ident("wf"), name, {})


def test_external_resource_runs_its_workflows(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    flow_type, external = types["OS::Mistral::Workflow"], types["OS::Mistral::ExternalResource"]
    sdk = cloud.sdk()
    maker = flow_type.create(ident("make"), {"name": f"make_{unique}", "type": "direct",
        "tasks": [{"name": "t", "action": "std.noop",
                   "publish": {"resource_id": f"thing-{unique}", "size": 3}}]})  # fmt: skip
    remover = flow_type.create(ident("drop"), {"name": f"drop_{unique}", "type": "direct",
        "tasks": [{"name": "t", "action": "std.noop"}]})  # fmt: skip
    props = {
        "actions": {"CREATE": {"workflow": maker.physical_id, "params": {"env": {"a": 1}}},
                    "DELETE": {"workflow": remover.physical_id}},
        "input": {"size": 3}, "description": "Heat managed",
        "replace_on_change_inputs": ["size"],
    }  # fmt: skip
    assert external.check(props) == []
    who = replace(ident("thing"), token=f"tok-{unique}")
    since = datetime.now(UTC)
    started = external.start_create(who, props)
    found = external.find_created(who, props, since, claimed=())
    assert found == started.physical_id
    assert external.find_created(replace(who, token="other"), props, since, claimed=()) is None
    made = external.finish_create(who, started, props)
    assert made.physical_id == f"thing-{unique}"
    assert json.loads(made.attributes["output"]) == {"resource_id": f"thing-{unique}", "size": 3}
    execution = sdk.workflow.get(f"/executions/{started.physical_id}").json()
    assert json.loads(execution["input"]) == {"size": 3}
    assert json.loads(execution["params"])["env"]["a"] == 1

    assert external.replace_reason(props, {**props, "input": {"size": 4}}, frozenset({"input"}))
    assert external.replace_reason(props, props, frozenset({"description"})) is None
    external.delete(who, made.physical_id, props)
    runs = sdk.workflow.get("/executions").json()["executions"]
    assert [r["workflow_name"] for r in runs].count(remover.physical_id) == 1

    bad = external.check({"actions": {"CRATE": {"workflow": "nope"}}})
    assert [(d.message, d.hint) for d in bad] == [
        ("`actions.CRATE` is not a Heat action", "did you mean `CREATE`?")
    ]
    bad = external.check({"actions": {"CREATE": {"workflow": f"mkae_{unique}"}}})
    assert [d.hint for d in bad] == [f"did you mean `make_{unique}`?"]
    for flow in (maker, remover):
        flow_type.delete(ident("x"), flow.physical_id, {})
