"""``openstack stack update --existing`` (heatclient's PATCH): the body names the template as
null and the files as ``{}``; the stack keeps its template and files, as Heat keeps them, and
only the parameters given change."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _service_kit import RunningService

OPENSTACK = Path(sys.executable).with_name("openstack")

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
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_")}
    env.update(
        {
            "OS_AUTH_URL": service.sim.auth_url,
            "OS_USERNAME": "admin",
            "OS_PASSWORD": "admin",
            "OS_PROJECT_NAME": "demo",
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
        }
    )
    done = subprocess.run(
        [str(OPENSTACK), *args, "-f", "json"],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=service.root,
    )
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
