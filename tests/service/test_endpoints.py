"""The rest of the v1 surface through heatclient and plain HTTP: validate, template versions,
resource types, build_info, services, redirects, actions, preview, abandon, export."""

from __future__ import annotations

import pytest
import requests
from _service_kit import STACK, RunningService
from heatclient import exc as heat_exc


def test_validate(service: RunningService) -> None:
    heat = service.heat("demo")
    result = heat.stacks.validate(template=STACK)
    assert result["Description"] == "A cloud-free stack"
    assert result["Parameters"]["greeting"]["Default"] == "hello"
    assert result["Parameters"]["greeting"]["Type"] == "String"
    assert result["Parameters"]["secret_word"]["NoEcho"] == "true"
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.stacks.validate(template="heat_template_version: 2018-08-31\nresources: [1]\n")


def test_template_versions_and_functions(service: RunningService) -> None:
    heat = service.heat("demo")
    versions = {v.version: v for v in heat.template_versions.list()}
    assert "heat_template_version.2018-08-31" in versions
    assert versions["heat_template_version.2018-08-31"].type == "hot"
    functions = {
        f.functions for f in heat.template_versions.get("heat_template_version.2018-08-31")
    }
    assert {"get_attr", "get_param", "str_replace", "list_join"} <= functions
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.template_versions.get("heat_template_version.1999-01-01")


def test_resource_types(service: RunningService) -> None:
    heat = service.heat("demo")
    names = [t.resource_type for t in heat.resource_types.list()]
    assert "OS::Heat::RandomString" in names and "OS::Nova::Server" in names
    schema = heat.resource_types.get("OS::Heat::RandomString")
    assert schema["resource_type"] == "OS::Heat::RandomString"
    assert "length" in schema["properties"]
    assert "value" in schema["attributes"]
    generated = heat.resource_types.generate_template("OS::Heat::RandomString")
    assert generated["resources"]["resource"]["type"] == "OS::Heat::RandomString"
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.resource_types.get("OS::Nope::Nothing")


def test_build_info_and_services(service: RunningService) -> None:
    heat = service.heat("demo")
    info = heat.build_info.build_info()
    assert info["api"]["revision"].startswith("atonix")
    services = heat.services.list()
    assert services and services[0].status == "up"


def test_redirects_location_actions_and_documents(service: RunningService) -> None:
    heat = service.heat("demo")
    token, project = service.token("demo")
    headers = {"X-Auth-Token": token}
    stack_id = heat.stacks.create(stack_name="docs", template=STACK, files={"x.txt": "x"})["stack"][
        "id"
    ]
    service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    base = f"{service.url}/v1/{project}/stacks"
    for path in ("", "/resources", "/events"):
        answer = requests.get(
            f"{base}/docs{path}?limit=1", headers=headers, allow_redirects=False, timeout=10
        )
        assert answer.status_code == 302
        assert answer.headers["Location"] == f"{base}/docs/{stack_id}{path}?limit=1"
    # by id as well as by name
    answer = requests.get(f"{base}/{stack_id}", headers=headers, allow_redirects=False, timeout=10)
    assert answer.headers["Location"] == f"{base}/docs/{stack_id}"
    # a wrong name with the right id is not found
    answer = requests.get(f"{base}/other/{stack_id}", headers=headers, timeout=10)
    assert answer.status_code == 404
    assert answer.json()["error"]["type"] == "EntityNotFound"

    assert heat.stacks.files(stack_id) == {"x.txt": "x"}
    env = heat.stacks.environment(stack_id)
    assert env["parameters"] == {}
    for action, call in (("CHECK", heat.actions.check), ("SUSPEND", heat.actions.suspend),
                         ("RESUME", heat.actions.resume)):  # fmt: skip
        call(stack_id)
        stack = service.wait_status(heat, stack_id, (f"{action}_COMPLETE",))
        assert stack.stack_status == f"{action}_COMPLETE", stack.stack_status_reason
    with pytest.raises(heat_exc.HTTPBadRequest):
        heat.actions.cancel_update(stack_id)

    exported = heat.stacks.export(stack_id)
    assert set(exported["resources"]) == {"word", "app", "after"}
    abandoned = heat.stacks.abandon(stack_id)
    assert abandoned["resources"]["app"]["type"] == "OS::Heat::Value"
    assert "docs" not in [s.stack_name for s in heat.stacks.list()]


def test_preview(service: RunningService) -> None:
    heat = service.heat("demo")
    preview = heat.stacks.preview(stack_name="later", template=STACK)
    assert {r["resource_name"] for r in preview.resources} == {"word", "app", "after"}
    assert "later" not in [s.stack_name for s in heat.stacks.list()]


def test_list_filters_sort_and_paging(service: RunningService) -> None:
    heat = service.heat("demo")
    ids = []
    for name in ("p-a", "p-b", "p-c"):
        ids.append(heat.stacks.create(stack_name=name, template=STACK, tags="pg")["stack"]["id"])
    for stack_id in ids:
        service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    names = [s.stack_name for s in heat.stacks.list(sort_keys="stack_name", sort_dir="asc",
                                                     filters={"tags": "pg"})]  # fmt: skip
    assert names == ["p-a", "p-b", "p-c"]
    page = list(heat.stacks.list(limit=2, sort_keys="stack_name", sort_dir="asc", tags="pg"))
    assert [s.stack_name for s in page][:2] == ["p-a", "p-b"]
    filtered = [s.stack_name for s in heat.stacks.list(filters={"name": "p-b"})]
    assert filtered == ["p-b"]
    complete = [s.stack_name for s in heat.stacks.list(filters={"status": "COMPLETE"})]
    assert set(complete) >= {"p-a", "p-b", "p-c"}
    for stack_id in ids:
        heat.stacks.delete(stack_id)
    for stack_id in ids:
        service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
