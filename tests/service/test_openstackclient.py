"""``openstack stack ...`` (python-openstackclient + python-heatclient, unmodified), run as
processes against the simulator's Keystone, which lists the service as ``orchestration``."""

from __future__ import annotations

import json

from _service_kit import STACK, RunningService, openstack_cli


def test_openstack_stack_commands(service: RunningService) -> None:
    template = service.root / "stack.yaml"
    template.write_text(STACK)
    created = openstack_cli(
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

    shown = openstack_cli(service, "stack", "show", "-f", "json", "cli-stack")
    assert shown.returncode == 0, shown.stderr
    stack = json.loads(shown.stdout)
    assert stack["id"] == stack_id
    assert stack["stack_status"] == "CREATE_COMPLETE"
    assert [o["output_value"] for o in stack["outputs"]] == ["cli world"]

    listed = openstack_cli(service, "stack", "list", "-f", "json")
    assert listed.returncode == 0, listed.stderr
    assert [s["Stack Name"] for s in json.loads(listed.stdout)] == ["cli-stack"]

    resources = openstack_cli(service, "stack", "resource", "list", "-f", "json", "cli-stack")
    assert resources.returncode == 0, resources.stderr
    assert {r["resource_name"] for r in json.loads(resources.stdout)} == {"word", "app", "after"}

    deleted = openstack_cli(service, "stack", "delete", "--yes", "--wait", "cli-stack")
    assert deleted.returncode == 0, deleted.stderr
    listed = openstack_cli(service, "stack", "list", "-f", "json")
    assert json.loads(listed.stdout or "[]") == []
