"""Stack snapshots through heatclient and ``openstack stack snapshot ...``: taken by a job,
kept in the state database, listed, shown (hidden parameters masked), restored (the stack
converges to the snapshot's template and parameters again) and deleted."""

from __future__ import annotations

import json

import pytest
from _service_kit import STACK, RunningService, openstack_cli
from heatclient import exc as heat_exc

pytestmark = pytest.mark.timeout(180)

GROWN = STACK.replace(
    "outputs:",
    "  extra:\n    type: OS::Heat::Value\n    properties: {value: added later}\noutputs:",
)


def _outputs(stack: object) -> dict[str, object]:
    return {o["output_key"]: o["output_value"] for o in stack.outputs}  # type: ignore[attr-defined]


def test_snapshot_then_restore_with_heatclient(service: RunningService) -> None:
    heat = service.heat("demo")
    params = {"greeting": "one", "secret_word": "s3cret"}
    stack_id = heat.stacks.create(stack_name="snappy", template=STACK, parameters=params)["stack"][
        "id"
    ]
    assert service.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
        "CREATE_COMPLETE"
    )
    word_id = heat.resources.get(stack_id, "word").physical_resource_id

    taken = heat.stacks.snapshot(stack_id, "first")
    assert taken["name"] == "first" and taken["action"] == "CREATE"
    stack = service.wait_status(heat, stack_id, ("SNAPSHOT_COMPLETE",))
    assert stack.stack_status == "SNAPSHOT_COMPLETE", stack.stack_status_reason
    shown = heat.stacks.snapshot_show(stack_id, taken["id"])["snapshot"]
    assert shown["status"] == "COMPLETE"
    data = shown["data"]
    assert data["template"]["description"] == "A cloud-free stack"
    assert data["environment"]["parameters"]["greeting"] == "one"
    assert data["environment"]["parameters"]["secret_word"] == "******"
    assert "s3cret" not in json.dumps(shown)
    assert set(data["resources"]) == {"word", "app", "after"}
    assert data["resources"]["word"]["resource_id"] == word_id
    assert isinstance(data["state_serial"], int)
    # kept in the state database
    kept = service.services.engine.store.stack_snapshots().list(stack_id)
    assert [s.id for s in kept] == [taken["id"]]
    assert kept[0].body["parameters"]["secret_word"] == "s3cret"

    heat.stacks.update(stack_id, template=GROWN, parameters={"greeting": "two"})
    stack = service.wait_status(heat, stack_id, ("UPDATE_COMPLETE",))
    assert _outputs(stack) == {"message": "two world"}
    assert "extra" in {r.resource_name for r in heat.resources.list(stack_id)}

    heat.stacks.restore(stack_id, taken["id"])
    stack = service.wait_status(heat, stack_id, ("RESTORE_COMPLETE",))
    assert stack.stack_status == "RESTORE_COMPLETE", stack.stack_status_reason
    assert _outputs(stack) == {"message": "one world"}
    assert {r.resource_name for r in heat.resources.list(stack_id)} == {"word", "app", "after"}
    assert heat.resources.get(stack_id, "word").physical_resource_id == word_id
    assert "extra" not in heat.stacks.template(stack_id)["resources"]
    assert heat.stacks.get(stack_id).parameters["greeting"] == "one"

    listed = heat.stacks.snapshot_list(stack_id)["snapshots"]
    assert [(s["id"], s["status"]) for s in listed] == [(taken["id"], "COMPLETE")]
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.restore(stack_id, "no-such-snapshot")
    heat.stacks.snapshot_delete(stack_id, taken["id"])
    assert heat.stacks.snapshot_list(stack_id)["snapshots"] == []
    with pytest.raises(heat_exc.HTTPNotFound):
        heat.stacks.snapshot_show(stack_id, taken["id"])

    heat.stacks.snapshot(stack_id, "dropped with the stack")
    service.wait_status(heat, stack_id, ("SNAPSHOT_COMPLETE",))
    heat.stacks.delete(stack_id)
    service.wait_status(heat, stack_id, ("DELETE_COMPLETE",))
    assert service.services.engine.store.stack_snapshots().list(stack_id) == []


def test_snapshot_commands_of_openstackclient(service: RunningService) -> None:
    template = service.root / "snap.yaml"
    template.write_text(STACK)
    created = openstack_cli(
        service, "stack", "create", "-t", str(template), "--parameter", "greeting=cli",
        "--wait", "cli-snap",
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    taken = openstack_cli(
        service, "stack", "snapshot", "create", "--name", "nightly", "-f", "json", "cli-snap"
    )
    assert taken.returncode == 0, taken.stderr
    snapshot_id = json.loads(taken.stdout)["ID"]
    heat = service.heat("demo")
    service.wait_status(heat, "cli-snap", ("SNAPSHOT_COMPLETE",))
    listed = openstack_cli(service, "stack", "snapshot", "list", "-f", "json", "cli-snap")
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["id"], r["name"], r["status"]) for r in rows] == [
        (snapshot_id, "nightly", "COMPLETE")
    ]
    shown = openstack_cli(service, "stack", "snapshot", "show", "cli-snap", snapshot_id)
    assert shown.returncode == 0, shown.stderr
    assert "nightly" in shown.stdout
    heat.stacks.update("cli-snap", existing=True, parameters={"greeting": "changed"})
    service.wait_status(heat, "cli-snap", ("UPDATE_COMPLETE",))
    restored = openstack_cli(service, "stack", "snapshot", "restore", "cli-snap", snapshot_id)
    assert restored.returncode == 0, restored.stderr
    stack = service.wait_status(heat, "cli-snap", ("RESTORE_COMPLETE",))
    assert _outputs(stack) == {"message": "cli world"}
    deleted = openstack_cli(
        service, "stack", "snapshot", "delete", "--yes", "cli-snap", snapshot_id
    )
    assert deleted.returncode == 0, deleted.stderr
    missing = openstack_cli(service, "stack", "snapshot", "show", "cli-snap", snapshot_id)
    assert missing.returncode != 0
    assert "not found" in missing.stderr
    heat.stacks.delete("cli-snap")
