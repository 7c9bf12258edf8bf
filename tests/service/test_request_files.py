"""Templates whose files come in the request's ``files`` map, as Heat's clients send them.

heatclient (and so ``openstack stack create -t T -e E``) rewrites every ``get_file`` path,
every ``type:`` naming a template and every ``resource_registry`` template (in nested
templates too) to an absolute ``file:///...`` URL and sends the contents in ``files`` under
those URLs. The service looks each name up there as written, as Heat does, and never reads the
host's disk: a name absent from ``files`` is a located 400, even when the file exists here.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import requests
from _service_kit import RunningService, openstack_cli

ROOT = """\
heat_template_version: 2018-08-31
resources:
  script:
    type: OS::Heat::Value
    properties:
      value: {get_file: scripts/setup.sh}
  inner:
    type: My::Inner
    properties:
      greeting: from the registry
  direct:
    type: lib/direct.yaml
  group:
    type: OS::Heat::ResourceGroup
    properties:
      count: 2
      resource_def:
        type: lib/direct.yaml
outputs:
  script:
    value: {get_attr: [script, value]}
  inner_note:
    value: {get_attr: [inner, note]}
  direct_note:
    value: {get_attr: [direct, note]}
  group_notes:
    value: {get_attr: [group, note]}
"""

ENVIRONMENT = """\
resource_registry:
  My::Inner: lib/inner.yaml
"""

# A nested template whose own get_file is relative to its directory (lib/).
INNER = """\
heat_template_version: 2018-08-31
parameters:
  greeting:
    type: string
resources:
  note:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: {get_file: notes/inner.txt}
          params: {GREETING: {get_param: greeting}}
outputs:
  note:
    value: {get_attr: [note, value]}
"""

DIRECT = """\
heat_template_version: 2018-08-31
resources:
  note:
    type: OS::Heat::Value
    properties:
      value: {get_file: notes/direct.txt}
outputs:
  note:
    value: {get_attr: [note, value]}
"""

SCRIPT = "#!/bin/sh\necho set up\n"


def _write_project(root: Path) -> tuple[Path, Path]:
    (root / "scripts").mkdir(parents=True, exist_ok=True)
    (root / "lib" / "notes").mkdir(parents=True, exist_ok=True)
    (root / "app.yaml").write_text(ROOT)
    (root / "env.yaml").write_text(ENVIRONMENT)
    (root / "scripts" / "setup.sh").write_text(SCRIPT)
    (root / "lib" / "inner.yaml").write_text(INNER)
    (root / "lib" / "direct.yaml").write_text(DIRECT)
    (root / "lib" / "notes" / "inner.txt").write_text("GREETING, said inner")
    (root / "lib" / "notes" / "direct.txt").write_text("direct note")
    return root / "app.yaml", root / "env.yaml"


def _outputs(stack: dict[str, Any]) -> dict[str, Any]:
    return {o["output_key"]: o["output_value"] for o in stack["outputs"]}


EXPECTED = {
    "script": SCRIPT,
    "inner_note": "from the registry, said inner",
    "direct_note": "direct note",
    "group_notes": ["direct note", "direct note"],
}


def test_openstack_cli_sends_get_file_and_nested_templates(
    service: RunningService, tmp_path: Path
) -> None:
    # Run from another directory: the names reach the service as absolute file:// URLs.
    template, environment = _write_project(tmp_path / "project")
    created = openstack_cli(
        service,
        "stack", "create", "-t", str(template), "-e", str(environment), "--wait",
        "-f", "json", "files-cli",
        cwd=tmp_path,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    shown = openstack_cli(service, "stack", "show", "-f", "json", "files-cli", cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    stack = json.loads(shown.stdout)
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert _outputs(stack) == EXPECTED

    # The files the stack was given are the client's, keyed by absolute URLs.
    heat = service.heat()
    given = heat.stacks.files(stack["id"])
    base = (tmp_path / "project").resolve().as_uri()
    assert given[f"{base}/scripts/setup.sh"] == SCRIPT
    assert f"{base}/lib/inner.yaml" in given
    assert given[f"{base}/lib/notes/inner.txt"] == "GREETING, said inner"

    # An update through the CLI resolves the same way (the files travel again).
    (tmp_path / "project" / "scripts" / "setup.sh").write_text("#!/bin/sh\necho again\n")
    updated = openstack_cli(
        service,
        "stack", "update", "-t", str(template), "-e", str(environment), "--wait",
        "-f", "json", "files-cli",
        cwd=tmp_path,
    )  # fmt: skip
    assert updated.returncode == 0, updated.stderr
    shown = openstack_cli(service, "stack", "show", "-f", "json", "files-cli", cwd=tmp_path)
    assert _outputs(json.loads(shown.stdout))["script"] == "#!/bin/sh\necho again\n"

    deleted = openstack_cli(
        service, "stack", "delete", "--yes", "--wait", "files-cli", cwd=tmp_path
    )
    assert deleted.returncode == 0, deleted.stderr


def test_heatclient_template_utils_request(service: RunningService, tmp_path: Path) -> None:
    from heatclient.common import template_utils

    template_path, env_path = _write_project(tmp_path)
    files, template = template_utils.get_template_contents(template_file=str(template_path))
    env_files, env = template_utils.process_multiple_environments_and_files([str(env_path)])
    heat = service.heat()
    stack_id = heat.stacks.create(
        stack_name="files-heatclient",
        template=template,
        files={**files, **env_files},
        environment=env,
    )["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE", "CREATE_FAILED"))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert {o["output_key"]: o["output_value"] for o in stack.outputs} == EXPECTED
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE", "DELETE_FAILED"))


def _create_raw(service: RunningService, body: dict[str, Any]) -> requests.Response:
    token, project = service.token()
    return requests.post(
        f"{service.url}/v1/{project}/stacks",
        json=body,
        headers={"X-Auth-Token": token},
        timeout=30,
    )


def _explanation(response: requests.Response) -> str:
    assert response.status_code == 400, response.text
    return str(response.json()["error"]["message"])


SECRET = "HOST-ONLY-SECRET-4711"


@pytest.fixture
def host_file(tmp_path: Path) -> Path:
    """A file that exists on the service's host and must never reach a stack."""
    path = tmp_path / "secret.txt"
    path.write_text(SECRET)
    nested = tmp_path / "nested.yaml"
    nested.write_text(
        "heat_template_version: 2018-08-31\n"
        "resources:\n  leak:\n    type: OS::Heat::Value\n"
        f"    properties: {{value: {{get_file: {path.as_uri()}}}}}\n"
    )
    return path


def test_get_file_url_absent_from_files_is_located_400_not_a_disk_read(
    service: RunningService, host_file: Path
) -> None:
    template = (
        "heat_template_version: 2018-08-31\n"
        "resources:\n"
        "  leak:\n"
        "    type: OS::Heat::Value\n"
        f"    properties: {{value: {{get_file: '{host_file.as_uri()}'}}}}\n"
    )
    response = _create_raw(service, {"stack_name": "leak1", "template": template, "files": {}})
    message = _explanation(response)
    assert f"no content for `{host_file.as_uri()}` in the request's `files`" in message
    assert message.startswith("template.yaml:1:")  # the template as the service stores it (JSON)
    assert SECRET not in response.text


@pytest.mark.parametrize("how", ["type", "registry", "absolute path"])
def test_nested_template_absent_from_files_is_located_400_not_a_disk_read(
    service: RunningService, host_file: Path, how: str
) -> None:
    nested = host_file.with_name("nested.yaml")
    name = str(nested) if how == "absolute path" else nested.as_uri()
    rtype = "My::Leak" if how == "registry" else name
    body: dict[str, Any] = {
        "stack_name": "leak2",
        "template": {
            "heat_template_version": "2018-08-31",
            "resources": {"leak": {"type": rtype}},
        },
        "files": {},
    }
    if how == "registry":
        body["environment"] = {"resource_registry": {"My::Leak": name}}
    response = _create_raw(service, body)
    message = _explanation(response)
    assert f"no content for `{name}` in the request's `files`" in message
    where = "environment.yaml:" if how == "registry" else "template.yaml:"
    assert where in message
    assert SECRET not in response.text


def test_get_file_inside_a_nested_template_needs_its_own_files_entry(
    service: RunningService, host_file: Path
) -> None:
    # The nested template is sent; the file its get_file names (on this host) is not.
    nested = host_file.with_name("nested.yaml")
    body = {
        "stack_name": "leak3",
        "template": {
            "heat_template_version": "2018-08-31",
            "resources": {"leak": {"type": nested.as_uri()}},
        },
        "files": {nested.as_uri(): nested.read_text()},
    }
    response = _create_raw(service, body)
    message = _explanation(response)
    assert f"no content for `{host_file.as_uri()}` in the request's `files`" in message
    assert f"{nested.as_uri()}:5:" in message
    assert SECRET not in response.text


def test_a_name_is_a_key_as_written_not_a_path(service: RunningService) -> None:
    # Heat looks names up verbatim: `./x.txt` is not the key `x.txt`; the hint names it.
    template = (
        "heat_template_version: 2018-08-31\n"
        "resources:\n  v:\n    type: OS::Heat::Value\n"
        "    properties: {value: {get_file: ./x.txt}}\n"
    )
    response = _create_raw(
        service, {"stack_name": "askey", "template": template, "files": {"x.txt": "x"}}
    )
    message = _explanation(response)
    assert "no content for `./x.txt` in the request's `files`" in message


def test_files_must_map_names_to_text(service: RunningService) -> None:
    response = _create_raw(
        service,
        {"stack_name": "badfiles", "template": {"heat_template_version": "2018-08-31"},
         "files": {"x.txt": 3}},
    )  # fmt: skip
    assert "files: the content of `x.txt` must be text" in _explanation(response)
