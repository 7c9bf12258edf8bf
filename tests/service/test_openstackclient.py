"""``openstack stack ...`` (python-openstackclient + python-heatclient, unmodified), run as
processes against the simulator's Keystone, which lists the service as ``orchestration``."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from _service_kit import STACK, RunningService

OPENSTACK = Path(sys.executable).with_name("openstack")


def _openstack(service: RunningService, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OS_") and k != "ATONIX_CONFIG"}
    env.update(
        {
            "OS_AUTH_URL": service.sim.auth_url,
            "OS_USERNAME": "admin",
            "OS_PASSWORD": "admin",
            "OS_PROJECT_NAME": "demo",
            "OS_USER_DOMAIN_NAME": "Default",
            "OS_PROJECT_DOMAIN_NAME": "Default",
            "OS_IDENTITY_API_VERSION": "3",
            "OS_REGION_NAME": "RegionOne",
        }
    )
    return subprocess.run(
        [str(OPENSTACK), *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
        cwd=service.root,
    )


def test_openstack_stack_commands(service: RunningService) -> None:
    template = service.root / "stack.yaml"
    template.write_text(STACK)
    created = _openstack(
        service,
        "stack", "create", "-t", str(template), "--parameter", "greeting=cli", "--wait",
        "-f", "json", "cli-stack",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    # --wait prints the stack's events (as Heat words them) before the JSON document
    events, _, document = created.stdout.partition("\n{")
    assert "[cli-stack]: CREATE_IN_PROGRESS  Stack CREATE started" in events
    assert "[cli-stack]: CREATE_COMPLETE  Stack CREATE completed successfully" in events
    body = json.loads("{" + document)
    assert body["stack_status"] == "CREATE_COMPLETE"
    stack_id = body["id"]

    shown = _openstack(service, "stack", "show", "-f", "json", "cli-stack")
    assert shown.returncode == 0, shown.stderr
    stack = json.loads(shown.stdout)
    assert stack["id"] == stack_id
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert [o["output_value"] for o in stack["outputs"]] == ["cli world"]

    listed = _openstack(service, "stack", "list", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    assert [s["Stack Name"] for s in json.loads(listed.stdout)] == ["cli-stack"]

    resources = _openstack(service, "stack", "resource", "list", "-f", "json", "cli-stack")
    assert resources.returncode == 0, resources.stderr
    assert {r["resource_name"] for r in json.loads(resources.stdout)} == {"word", "app", "after"}

    deleted = _openstack(service, "stack", "delete", "--yes", "--wait", "cli-stack")
    assert deleted.returncode == 0, deleted.stderr
    listed = _openstack(service, "stack", "list", "-f", "json")
    assert json.loads(listed.stdout or "[]") == []
