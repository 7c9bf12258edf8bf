"""python-heatclient, unmodified, against the service found in the simulator's catalog."""

from __future__ import annotations

import pytest
import requests
from _service_kit import STACK, RunningService
from heatclient import exc as heat_exc


def test_stack_lifecycle_with_heatclient(service: RunningService) -> None:
    heat = service.heat("demo")
    created = heat.stacks.create(
        stack_name="web", template=STACK, parameters={"greeting": "hi"}, tags="a,b"
    )
    stack_id = created["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert stack.stack_name == "web"
    assert stack.tags == ["a", "b"]
    assert stack.parameters["greeting"] == "hi"
    assert stack.parameters["secret_word"] == "******"
    assert stack.parameters["OS::stack_id"] == stack_id
    outputs = {o["output_key"]: o["output_value"] for o in stack.outputs}
    assert outputs == {"message": "hi world"}

    # lookups by name redirect to the canonical URL
    assert heat.stacks.get("web").id == stack_id

    listed = [s.stack_name for s in heat.stacks.list()]
    assert "web" in listed

    resources = {r.resource_name: r for r in heat.resources.list(stack_id)}
    assert set(resources) == {"word", "app", "after"}
    assert all(r.resource_status == "CREATE_COMPLETE" for r in resources.values())
    assert resources["app"].required_by == ["after"]
    app = heat.resources.get(stack_id, "app")
    assert app.attributes["value"] == "hi world"
    assert (
        heat.resources.list(stack_id, filters={"type": "OS::Heat::RandomString"})[0].resource_name
        == "word"
    )

    events = heat.events.list(stack_id)
    statuses = [(e.resource_name, e.resource_status) for e in events]
    assert ("web", "CREATE_COMPLETE") in statuses
    assert ("app", "CREATE_COMPLETE") in statuses
    first_two = heat.events.list(stack_id, limit=2)
    assert len(first_two) == 2
    rest = heat.events.list(stack_id, marker=first_two[-1].id)
    assert len(rest) == len(events) - 2
    res_events = heat.events.list(stack_id, resource_name="app")
    assert {e.resource_name for e in res_events} == {"app"}

    assert heat.stacks.output_show(stack_id, "message")["output"]["output_value"] == "hi world"
    assert [o["output_key"] for o in heat.stacks.output_list(stack_id)["outputs"]] == ["message"]
    template = heat.stacks.template(stack_id)
    assert template["description"] == "A cloud-free stack"

    # update: PUT with a new parameter value
    heat.stacks.update(stack_id, template=STACK, parameters={"greeting": "hey"})
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    assert heat.resources.get(stack_id, "after").attributes["value"] == "hey world"

    # PATCH: keep the template, change one parameter
    heat.stacks.update(stack_id, existing=True, parameters={"greeting": "yo"})
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert stack.stack_status == "UPDATE_COMPLETE", stack.stack_status_reason
    assert {o["output_key"]: o["output_value"] for o in stack.outputs} == {"message": "yo world"}

    heat.stacks.delete(stack_id)
    stack = service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
    assert stack.stack_status == "DELETE_COMPLETE"
    assert "web" not in [s.stack_name for s in heat.stacks.list()]
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.get("web")


def test_bad_template_is_refused_at_once(service: RunningService) -> None:
    heat = service.heat("demo")
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(
            stack_name="broken",
            template="heat_template_version: 2018-08-31\nresources:\n  x:\n    type: OS::Nope\n",
        )
    assert "OS::Nope" in str(caught.value)
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.get("broken")


def test_duplicate_name_conflicts(service: RunningService) -> None:
    heat = service.heat("demo")
    first = heat.stacks.create(stack_name="twice", template=STACK)["stack"]["id"]
    with pytest.raises(heat_exc.HTTPConflict):
        heat.stacks.create(stack_name="twice", template=STACK)
    service.wait_status(heat, first, ("CREATE_COMPLETE",))
    heat.stacks.delete(first)
    service.wait_status(heat, first, ("DELETE_COMPLETE",))


def test_projects_never_see_each_other(service: RunningService) -> None:
    demo, alt = service.heat("demo"), service.heat("alt")
    mine = demo.stacks.create(stack_name="private", template=STACK)["stack"]["id"]
    service.wait_status(demo, mine, ("CREATE_COMPLETE",))
    assert "private" not in [s.stack_name for s in alt.stacks.list()]
    with pytest.raises(heat_exc.HTTPNotFound):
        alt.stacks.get("private")
    # the same name in the other project is another stack
    theirs = alt.stacks.create(stack_name="private", template=STACK)["stack"]["id"]
    assert theirs != mine
    service.wait_status(alt, theirs, ("CREATE_COMPLETE",))
    # a token of one project cannot name the other project in the path, nor its stack's id
    token, _ = service.token("alt")
    _, demo_project = service.token("demo")
    answer = requests.get(
        f"{service.url}/v1/{demo_project}/stacks/private/{mine}",
        headers={"X-Auth-Token": token},
        timeout=10,
    )
    assert answer.status_code == 403
    alt_token, alt_project = service.token("alt")
    for method in ("GET", "DELETE", "PATCH"):
        answer = requests.request(
            method,
            f"{service.url}/v1/{alt_project}/stacks/private/{mine}",
            headers={"X-Auth-Token": alt_token},
            json={},
            timeout=10,
        )
        assert answer.status_code == 404, method
    assert demo.stacks.get(mine).stack_status == "CREATE_COMPLETE"
    for client, stack_id in ((demo, mine), (alt, theirs)):
        client.stacks.delete(stack_id)
        service.wait_status(client, stack_id, ("DELETE_COMPLETE",))


def test_tokens_are_required_and_checked(service: RunningService) -> None:
    _, project = service.token("demo")
    answer = requests.get(f"{service.url}/v1/{project}/stacks", timeout=10)
    assert answer.status_code == 401
    assert answer.json()["error"]["type"] == "HTTPUnauthorized"
    answer = requests.get(
        f"{service.url}/v1/{project}/stacks", headers={"X-Auth-Token": "forged"}, timeout=10
    )
    assert answer.status_code == 401
