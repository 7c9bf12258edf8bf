"""Where a stack's template, environment and files come from, as Heat takes them:
``openstack stack create -t ... -e ...`` (heatclient inlines get_file contents, nested
templates and environment files, named by URL, with ``environment_files``), ``template_url``
fetched by the service (http and https only, at most Heat's ``max_template_size``), and the
size limit on inline templates."""

from __future__ import annotations

import http.server
from collections.abc import Iterator
from pathlib import Path

import pytest
from _http_kit import serving
from _service_kit import STACK, RunningService, openstack_cli
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(180)

MAIN = """\
heat_template_version: 2018-08-31
parameters:
  who: {type: string, default: nobody}
resources:
  script:
    type: OS::Heat::Value
    properties:
      value: {get_file: files/script.txt}
  inner:
    type: My::Inner
    properties:
      label: {get_param: who}
outputs:
  script: {value: {get_attr: [script, value]}}
  inner: {value: {get_attr: [inner, shout]}}
"""

NESTED = """\
heat_template_version: 2018-08-31
parameters:
  label: {type: string}
resources:
  v:
    type: OS::Heat::Value
    properties:
      value: {list_join: ['', [{get_param: label}, '!']]}
outputs:
  shout: {value: {get_attr: [v, value]}}
"""

ENV = """\
parameters:
  who: env-file
resource_registry:
  My::Inner: nested.yaml
"""

MAX_TEMPLATE_SIZE = 524288  # Heat's default, the service's too


@pytest.fixture(scope="module")
def web(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, Path]]:
    """A local HTTP server over a directory: where template_url points."""
    root = tmp_path_factory.mktemp("web")

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def __init__(self, *args: object, **kwargs: object) -> None:
            super().__init__(*args, directory=str(root), **kwargs)  # type: ignore[arg-type]

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass

    with serving(Quiet) as base:
        yield base, root


def _outputs(stack: object) -> dict[str, object]:
    return {o["output_key"]: o["output_value"] for o in stack.outputs}  # type: ignore[attr-defined]


def test_openstack_cli_sends_files_and_environment_files(service: RunningService) -> None:
    work = service.root / "sources"
    (work / "files").mkdir(parents=True)
    (work / "main.yaml").write_text(MAIN)
    (work / "nested.yaml").write_text(NESTED)
    (work / "env.yaml").write_text(ENV)
    (work / "files" / "script.txt").write_text("echo from a file\n")
    created = openstack_cli(
        service, "stack", "create", "-t", str(work / "main.yaml"), "-e", str(work / "env.yaml"),
        "--wait", "-f", "json", "from-files",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    heat = service.heat("demo")
    stack = heat.stacks.get("from-files")
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert _outputs(stack) == {"script": "echo from a file\n", "inner": "env-file!"}
    files = heat.stacks.files(stack.id)
    assert any(name.endswith("/nested.yaml") for name in files)
    assert heat.stacks.environment(stack.id)["resource_registry"]["My::Inner"].endswith(
        "/nested.yaml"
    )
    heat.stacks.delete(stack.id)
    service.wait_status(heat, stack.id, ("DELETE_COMPLETE",))


def test_environment_files_are_merged_in_order(service: RunningService) -> None:
    heat = service.heat("demo")
    files = {
        "first.yaml": "parameters: {greeting: first, secret_word: kept}\n",
        "second.yaml": "parameters: {greeting: second}\n",
    }
    stack_id = heat.stacks.create(
        stack_name="merged-envs",
        template=STACK,
        files=files,
        environment_files=["first.yaml", "second.yaml"],
    )["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert _outputs(stack) == {"message": "second world"}
    with pytest.raises(heat_exc.HTTPBadRequest, match="missing.yaml is not in files"):
        heat.stacks.create(
            stack_name="no-env", template=STACK, files=files, environment_files=["missing.yaml"]
        )
    heat.stacks.delete(stack_id)


def test_template_url_is_fetched_over_http(service: RunningService, web: tuple[str, Path]) -> None:
    base, root = web
    (root / "stack.yaml").write_text(STACK)
    heat = service.heat("demo")
    stack_id = heat.stacks.create(
        stack_name="by-url", template_url=f"{base}/stack.yaml", parameters={"greeting": "url"}
    )["stack"]["id"]
    stack = service.wait_status(heat, stack_id, ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason
    assert _outputs(stack) == {"message": "url world"}
    assert heat.stacks.template(stack_id)["description"] == "A cloud-free stack"
    # openstacksdk's orchestration proxy sends template_url as well
    sdk = service.sdk("demo")
    made = sdk.orchestration.create_stack(
        name="by-url-sdk", template_url=f"{base}/stack.yaml", parameters={"greeting": "sdk"}
    )
    stack = service.wait_status(heat, made.id, ("CREATE_COMPLETE",))
    assert _outputs(stack) == {"message": "sdk world"}
    for done in (stack_id, made.id):
        heat.stacks.delete(done)


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("file:///etc/passwd", "Could not retrieve template: Invalid URL scheme file"),
        ("ftp://127.0.0.1/stack.yaml", "Could not retrieve template: Invalid URL scheme ftp"),
        ("{base}/missing.yaml", "Could not retrieve template: Failed to retrieve template from"),
        ("{base}/huge.yaml", "Template exceeds maximum allowed size (524288 bytes)"),
    ],
)
def test_template_url_refusals(
    service: RunningService, web: tuple[str, Path], url: str, expected: str
) -> None:
    base, root = web
    (root / "huge.yaml").write_text(STACK + "#" * MAX_TEMPLATE_SIZE)
    heat = service.heat("demo")
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name="refused", template_url=url.format(base=base))
    assert expected in str(caught.value)
    assert "root:" not in str(caught.value)
    assert "refused" not in [s.stack_name for s in heat.stacks.list()]


def test_inline_template_over_the_size_limit(service: RunningService) -> None:
    heat = service.heat("demo")
    with pytest.raises(heat_exc.HTTPBadRequest) as caught:
        heat.stacks.create(stack_name="big", template=STACK + "#" * MAX_TEMPLATE_SIZE)
    assert "exceeds maximum allowed size (524288 bytes)" in str(caught.value)
    assert caught.value.error["error"]["type"] == "RequestLimitExceeded"
