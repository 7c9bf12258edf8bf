"""Plans first: POST .../plans answers the Terraform-format plan (as ``atonix show -json``),
POST .../plans/{id}/apply applies exactly that plan or refuses it when it went stale."""

from __future__ import annotations

from typing import Any

import requests
from _service_kit import STACK, RunningService
from heatclient.common import template_format


def _post(service: RunningService, path: str, body: dict[str, Any]) -> requests.Response:
    token, project = service.token("demo")
    return requests.post(
        f"{service.url}/v1/{project}/stacks/{path}",
        json=body,
        headers={"X-Auth-Token": token},
        timeout=30,
    )


def test_plan_then_apply_exactly_that_plan(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="planned", template=STACK)["stack"]["id"]
    service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))

    # nothing to change: an empty plan
    answer = _post(service, f"planned/{stack_id}/plans", {})
    assert answer.status_code == 201
    document = answer.json()
    assert document["format_version"].startswith("1.")
    assert all(c["change"]["actions"] == ["no-op"] for c in document["resource_changes"])

    # a plan of an update: the new parameter value reaches app and after
    answer = _post(service, f"planned/{stack_id}/plans", {"parameters": {"greeting": "bye"}})
    assert answer.status_code == 201
    plan = answer.json()
    plan_id = plan["atonix"]["plan_id"]
    assert answer.headers["Location"].endswith(f"/stacks/planned/{stack_id}/plans/{plan_id}")
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["app"] == ["update"] and actions["word"] == ["no-op"]

    # a second plan, of another change, is made; the state then moves on under the first
    other = _post(service, f"planned/{stack_id}/plans", {"parameters": {"greeting": "ciao"}})
    other_id = other.json()["atonix"]["plan_id"]
    assert other_id != plan_id

    applied = _post(service, f"planned/{stack_id}/plans/{plan_id}/apply", {})
    assert applied.status_code == 202, applied.text
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    assert {o["output_key"]: o["output_value"] for o in stack.outputs} == {"message": "bye world"}

    # the other plan was made against the state before: refused, nothing applied
    stale = _post(service, f"planned/{stack_id}/plans/{other_id}/apply", {})
    assert stale.status_code == 409
    assert stale.json()["error"]["type"] == "StalePlan"
    assert heat.resources.get(stack_id, "after").attributes["value"] == "bye world"

    unknown = _post(service, f"planned/{stack_id}/plans/{'0' * 32}/apply", {})
    assert unknown.status_code == 404

    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))


def test_plan_with_a_new_template(service: RunningService) -> None:
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="grows", template=STACK)["stack"]["id"]
    service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    bigger = template_format.parse(STACK)
    bigger["resources"]["extra"] = {"type": "OS::Heat::Value", "properties": {"value": "x"}}
    answer = _post(service, f"grows/{stack_id}/plans", {"template": bigger})
    plan = answer.json()
    actions = {c["address"]: c["change"]["actions"] for c in plan["resource_changes"]}
    assert actions["extra"] == ["create"]
    applied = _post(service, f"grows/{stack_id}/plans/{plan['atonix']['plan_id']}/apply", {})
    assert applied.status_code == 202
    service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert "extra" in {r.resource_name for r in heat.resources.list(stack_id)}
    assert "extra" in heat.stacks.template(stack_id)["resources"]
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
