"""``openstack stack update --existing`` (heatclient's PATCH): the body names the template as
null and the files as ``{}``; the stack keeps its template and files, as Heat keeps them, and
only the parameters given change."""

from __future__ import annotations

import json

from _service_kit import RunningService, openstack_cli

TEMPLATE = """\
heat_template_version: 2018-08-31
parameters:
  greeting:
    type: string
    default: hello
resources:
  app:
    type: OS::Heat::Value
    properties:
      value:
        str_replace:
          template: {get_file: message.txt}
          params: {GREETING: {get_param: greeting}}
outputs:
  message:
    value: {get_attr: [app, value]}
"""


def _openstack(service: RunningService, *args: str) -> dict[str, object]:
    done = openstack_cli(service, *args, "-f", "json")
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    document: dict[str, object] = json.loads("\n".join(lines[lines.index("{") :]))
    return document


def test_update_existing_keeps_template_and_files(service: RunningService) -> None:
    # Created through heatclient's API with a relative get_file (the CLI would send the file
    # under its file:// URL, which atonix's template loader refuses).
    heat = service.heat("demo")
    created = heat.stacks.create(
        stack_name="existing-stack",
        template=TEMPLATE,
        files={"message.txt": "GREETING from a file"},
    )
    stack = service.wait_status(heat, created["stack"]["id"], ("CREATE_COMPLETE",))
    assert stack.stack_status == "CREATE_COMPLETE", stack.stack_status_reason

    updated = _openstack(
        service, "stack", "update", "--existing", "--parameter", "greeting=hi", "--wait",
        "existing-stack",
    )  # fmt: skip
    assert updated["stack_status"] == "UPDATE_COMPLETE", updated
    shown = _openstack(service, "stack", "output", "show", "existing-stack", "message")
    assert shown["output_value"] == "hi from a file"
    heat.stacks.delete(stack.id)
    assert service.wait_status(heat, stack.id, ("DELETE_COMPLETE",)).stack_status == (
        "DELETE_COMPLETE"
    )
