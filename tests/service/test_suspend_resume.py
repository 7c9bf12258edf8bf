"""``openstack stack suspend/resume`` for real: a server is suspended and resumed through
Nova's actions (the simulator's, over HTTP), each resource an event, failures as Heat
reports them."""

from __future__ import annotations

import pytest
from _service_kit import RunningService, openstack_cli

pytestmark = pytest.mark.timeout(180)

TEMPLATE = """\
heat_template_version: 2018-08-31
resources:
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.tiny
      image: cirros
      networks: []
  after:
    type: OS::Heat::Value
    properties: {value: {get_resource: server}}
"""


def _ok(service: RunningService, *args: str) -> str:
    done = openstack_cli(service, *args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def _status(service: RunningService, stack: str) -> tuple[str, str]:
    shown = service.heat("demo").stacks.get(stack)
    return str(shown.stack_status), str(shown.stack_status_reason)


def _server_status(service: RunningService, server_id: str) -> str:
    return str(service.sdk("demo").compute.get_server(server_id).status)


def _events(service: RunningService, stack: str) -> list[tuple[str, str]]:
    listed = service.heat("demo").events.list(stack)
    return [(e.resource_name, e.resource_status) for e in listed]


def _server_id(service: RunningService, stack: str) -> str:
    return str(service.heat("demo").resources.get(stack, "server").physical_resource_id)


def test_suspend_and_resume_drive_nova(service: RunningService) -> None:
    (service.root / "server.yaml").write_text(TEMPLATE)
    _ok(service, "stack", "create", "--wait", "-t", "server.yaml", "sleeper")
    server_id = _server_id(service, "sleeper")
    assert _server_status(service, server_id) == "ACTIVE"

    _ok(service, "stack", "suspend", "--wait", "sleeper")
    assert _status(service, "sleeper") == (
        "SUSPEND_COMPLETE",
        "Stack SUSPEND completed successfully",
    )
    assert _server_status(service, server_id) == "SUSPENDED"
    events = _events(service, "sleeper")
    # dependents first: the value before the server it names
    order = [e for e in events if e[1].startswith("SUSPEND")]
    assert order == [
        ("sleeper", "SUSPEND_IN_PROGRESS"),
        ("after", "SUSPEND_IN_PROGRESS"),
        ("after", "SUSPEND_COMPLETE"),
        ("server", "SUSPEND_IN_PROGRESS"),
        ("server", "SUSPEND_COMPLETE"),
        ("sleeper", "SUSPEND_COMPLETE"),
    ]
    listed = _ok(service, "stack", "resource", "list", "sleeper", "-f", "value", "-c",
                 "resource_status")  # fmt: skip
    assert set(listed.split()) == {"SUSPEND_COMPLETE"}

    # Heat refuses to update a suspended stack
    refused = openstack_cli(service, "stack", "update", "--existing", "sleeper")
    assert refused.returncode != 0
    assert "suspended" in refused.stderr and "Traceback" not in refused.stderr

    _ok(service, "stack", "resume", "--wait", "sleeper")
    assert _status(service, "sleeper")[0] == "RESUME_COMPLETE"
    assert _server_status(service, server_id) == "ACTIVE"
    resumed = [e for e in _events(service, "sleeper") if e[1].startswith("RESUME")]
    assert resumed[:3] == [
        ("sleeper", "RESUME_IN_PROGRESS"),
        ("server", "RESUME_IN_PROGRESS"),
        ("server", "RESUME_COMPLETE"),
    ]

    # a run that died after Nova suspended the server: the next run leaves it as it is
    service.sdk("demo").compute.suspend_server(server_id)
    _ok(service, "stack", "suspend", "--wait", "sleeper")
    assert _status(service, "sleeper")[0] == "SUSPEND_COMPLETE"
    assert _server_status(service, server_id) == "SUSPENDED"
    _ok(service, "stack", "resume", "--wait", "sleeper")
    service.heat("demo").stacks.delete("sleeper")


def test_a_server_nova_cannot_suspend_fails_the_suspend(service: RunningService) -> None:
    (service.root / "server.yaml").write_text(TEMPLATE)
    _ok(service, "stack", "create", "--wait", "-t", "server.yaml", "stopped")
    server_id = _server_id(service, "stopped")
    sdk = service.sdk("demo")
    sdk.compute.stop_server(server_id)
    sdk.compute.wait_for_server(sdk.compute.get_server(server_id), status="SHUTOFF", wait=30)

    failed = openstack_cli(service, "stack", "suspend", "--wait", "stopped")
    assert failed.returncode != 0
    status, reason = _status(service, "stopped")
    assert status == "SUSPEND_FAILED"
    assert reason.startswith("Resource SUSPEND failed: server: ")
    events = _events(service, "stopped")
    assert ("server", "SUSPEND_FAILED") in events
    assert _server_status(service, server_id) == "SHUTOFF"

    # resuming what was never suspended is refused, resource by resource, as Heat does
    openstack_cli(service, "stack", "resume", "--wait", "stopped")
    status, reason = _status(service, "stopped")
    assert status == "RESUME_FAILED"
    assert "invalid for resume" in reason
    service.heat("demo").stacks.delete("stopped")


def test_a_resume_run_again_after_its_worker_died_completes(service: RunningService) -> None:
    """What a worker killed mid-resume leaves (the stack RESUME_IN_PROGRESS, the server's
    step in progress, Nova's resume sent) is finished by the job's next run."""
    heat = service.heat("demo")
    stack_id = heat.stacks.create(stack_name="revived", template=TEMPLATE)["stack"]["id"]
    assert service.wait_status(heat, stack_id, ("CREATE_COMPLETE",)).stack_status == (
        "CREATE_COMPLETE"
    )
    heat.actions.suspend(stack_id)
    assert service.wait_status(heat, stack_id, ("SUSPEND_COMPLETE",)).stack_status == (
        "SUSPEND_COMPLETE"
    )
    server_id = _server_id(service, stack_id)
    records = service.services.engine.records
    # the dead run: the stack's status and the server's step written, Nova's resume sent
    records.set_status(stack_id, "RESUME", "IN_PROGRESS", "Stack RESUME started")
    records.add_event(
        stack_id, "server", "OS::Nova::Server", server_id, "RESUME", "IN_PROGRESS", "state changed"
    )
    service.sdk("demo").compute.resume_server(server_id)
    job = records.add_job(stack_id, "RESUME")
    service.services.engine.run_job(job)  # the job delivered again, to another worker

    stack = heat.stacks.get(stack_id)
    assert (stack.stack_status, stack.stack_status_reason) == (
        "RESUME_COMPLETE",
        "Stack RESUME completed successfully",
    )
    assert _server_status(service, server_id) == "ACTIVE"
    assert heat.resources.get(stack_id, "server").resource_status == "RESUME_COMPLETE"
    heat.stacks.delete(stack_id)
