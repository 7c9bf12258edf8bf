"""Apply under faults and interruptions, against the simulator: every create is findable,
transient faults are retried within the run, nothing is duplicated or orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import time
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

import pytest
from _cli_kit import ATONIX, DEV, CloudProject

pytestmark = pytest.mark.timeout(240)

STACK = """heat_template_version: 2018-08-31
resources:
  net:
    type: OS::Neutron::Net
  subnet:
    type: OS::Neutron::Subnet
    properties:
      network: {get_resource: net}
      cidr: 10.77.0.0/24
  router:
    type: OS::Neutron::Router
    properties:
      external_gateway_info: {network: public}
  iface:
    type: OS::Neutron::RouterInterface
    properties:
      router: {get_resource: router}
      subnet: {get_resource: subnet}
  sg:
    type: OS::Neutron::SecurityGroup
  http:
    type: OS::Neutron::SecurityGroupRule
    properties:
      security_group: {get_resource: sg}
      protocol: tcp
      port_range_min: 80
      port_range_max: 80
  port:
    type: OS::Neutron::Port
    properties:
      network: {get_resource: net}
      fixed_ips: [{subnet: {get_resource: subnet}}]
      security_groups: [{get_resource: sg}]
  server:
    type: OS::Nova::Server
    properties:
      flavor: m1.tiny
      image: cirros
      networks: [{port: {get_resource: port}}]
  fip:
    type: OS::Neutron::FloatingIP
    depends_on: iface
    properties:
      floating_network: public
  fip_assoc:
    type: OS::Neutron::FloatingIPAssociation
    properties:
      floatingip_id: {get_resource: fip}
      port_id: {get_resource: port}
  volume:
    type: OS::Cinder::Volume
    properties: {size: 1}
  attach:
    type: OS::Cinder::VolumeAttachment
    properties:
      instance_uuid: {get_resource: server}
      volume_id: {get_resource: volume}
"""


@dataclass
class Crash:
    """A test's own workspace in the shared simulator, so that what one test leaves behind
    can never count as another's duplicate."""

    cloud: CloudProject
    workspace: str

    @property
    def scope(self) -> tuple[str, ...]:
        return ("-w", self.workspace, "-E", "dev")

    def run(self, *args: str) -> Any:
        return self.cloud.run(*args, *self.scope)

    def state(self) -> Any:
        return self.cloud.state(workspace=self.workspace, environment="dev")


@pytest.fixture
def crash(cloud_project: CloudProject) -> Crash:
    workspace = f"crash-{uuid.uuid4().hex[:8]}"
    body = "".join(f"      {line}\n" for line in DEV.splitlines())
    cloud_project.write("atonix.yaml", f"workspaces:\n  {workspace}:\n    environments:\n{body}")
    cloud_project.write("stack.yaml", STACK)
    return Crash(cloud_project, workspace)


def _stack_objects(crash: Crash, stack: str = "stack") -> Counter[str]:
    """Cloud objects carrying this stack's identity, counted by address (a count above 1 is
    a duplicate), plus the relations seen from the cloud's side."""
    sdk = crash.cloud.sdk()
    tag = f"atonix:stack={stack}"
    workspace = f"atonix:workspace={crash.workspace}"
    seen: Counter[str] = Counter()

    def tagged(objects: Any) -> None:
        for obj in objects:
            tags = set(obj.tags or [])
            if tag in tags and workspace in tags:
                address = next(t for t in tags if t.startswith("atonix:address="))
                seen[address.partition("=")[2]] += 1

    def ours(metadata: dict[str, str]) -> bool:
        return (
            metadata.get("atonix:stack") == stack
            and metadata.get("atonix:workspace") == crash.workspace
        )

    tagged(sdk.network.networks())
    tagged(sdk.network.subnets())
    tagged(sdk.network.routers())
    tagged(sdk.network.security_groups())
    tagged(sdk.network.ips())
    tagged(p for p in sdk.network.ports() if p.device_owner != "network:router_interface")
    for server in sdk.compute.servers(details=True):
        metadata = server.metadata or {}
        if (
            metadata.get("atonix:stack") == stack
            and metadata.get("atonix:workspace") == crash.workspace
        ):
            seen[metadata["atonix:address"]] += 1
    for volume in sdk.block_storage.volumes(details=True):
        metadata = volume.metadata or {}
        if (
            metadata.get("atonix:stack") == stack
            and metadata.get("atonix:workspace") == crash.workspace
        ):
            seen[metadata["atonix:address"]] += 1
            seen["attach"] += len(volume.attachments or [])
    routers = [r.id for r in sdk.network.routers() if {tag, workspace} <= set(r.tags or [])]
    for router_id in routers:
        seen["iface"] += sum(1 for _ in sdk.network.ports(device_id=router_id))
    return seen


def _in_state(crash: Crash) -> dict[str, str | None]:
    state = crash.state()
    return {r.address: r.physical_id for r in state.resources.values()}


ALL = {
    "net",
    "subnet",
    "router",
    "sg",
    "port",
    "server",
    "fip",
    "volume",
    "iface",
    "attach",
}


def _assert_converged(crash: Crash) -> None:
    seen = _stack_objects(crash)
    assert set(seen) == ALL, seen
    assert all(count == 1 for count in seen.values()), f"duplicates: {seen}"
    again = crash.run("plan", "-detailed-exitcode")
    assert again.exit_code == 0, again.output
    assert set(_in_state(crash)) == ALL | {"http", "fip_assoc"}


def _destroy_clean(crash: Crash) -> None:
    gone = crash.run("destroy", "-auto-approve")
    assert gone.exit_code == 0, gone.output
    assert not _stack_objects(crash), "destroy left objects behind"


def test_transient_faults_are_retried_within_the_run(crash: Crash) -> None:
    sim = crash.cloud.sim
    sim.add_fault(service="network", method="POST", path="/networks", status=503, count=2)
    sim.add_fault(service="network", method="PUT", path="/*/tags", status=500, count=2)
    sim.add_fault(service="compute", method="POST", path="/servers", status=502, count=1)
    sim.add_fault(service="block-storage", method="POST", path="/volumes", status=500, count=1)
    sim.add_fault(
        service="network",
        method="PUT",
        path="/routers/*/add_router_interface",
        status=409,
        message="Router is busy, retry later",
        count=1,
    )
    try:
        applied = crash.run("apply", "-auto-approve")
        assert applied.exit_code == 0, applied.output
        assert "Still trying after a transient fault" in applied.stdout
        assert "(HTTP 503); attempt 2 in" in applied.stdout
        _assert_converged(crash)

        # Deleting a subnet whose ports Neutron is still releasing answers 409 "in use".
        sim.add_fault(
            service="network",
            method="DELETE",
            path="/subnets/*",
            status=409,
            message="Unable to complete operation on subnet: One or more ports have an IP"
            " allocation from this subnet. The subnet is still in use.",
            count=2,
        )
        _destroy_clean(crash)
    finally:
        sim.clear_faults()


def test_a_refusal_fails_at_once_with_the_service_message(crash: Crash) -> None:
    sim = crash.cloud.sim
    sim.add_fault(
        service="network",
        method="POST",
        path="/networks",
        status=400,
        message="Invalid input for operation: bad value.",
        count=1,
    )
    sim.clear_request_log()
    try:
        applied = crash.run("apply", "-auto-approve")
    finally:
        sim.clear_faults()
    assert applied.exit_code == 1
    assert "Invalid input for operation: bad value. (HTTP 400)" in applied.stderr
    posts = [w for w in crash.cloud.writes() if w.endswith("/networks")]
    assert len(posts) == 1, posts  # not retried
    assert "net" not in _in_state(crash)
    assert crash.run("apply", "-auto-approve").exit_code == 0
    _assert_converged(crash)
    _destroy_clean(crash)


def test_a_create_whose_follow_up_failed_is_finished_by_the_next_run(crash: Crash) -> None:
    """The network exists but its tag call was refused: state keeps its id as pending, and
    the next run finishes it (tags it) instead of creating a second one."""
    sim = crash.cloud.sim
    sim.add_fault(
        service="network",
        method="PUT",
        path="/networks/*/tags",
        status=400,
        message="Invalid tag",
        count=1,
    )
    try:
        failed = crash.run("apply", "-auto-approve")
    finally:
        sim.clear_faults()
    assert failed.exit_code == 1
    pending = crash.state().resources["net"]
    assert pending.status == "pending_create" and pending.physical_id
    again = crash.run("apply", "-auto-approve")
    assert again.exit_code == 0, again.output
    assert f"Recovered: net: adopted {pending.physical_id}" in again.stderr
    assert _in_state(crash)["net"] == pending.physical_id
    _assert_converged(crash)
    _destroy_clean(crash)


def _wait_for_write(cloud: CloudProject, request: str, deadline_s: float = 60.0) -> None:
    """Until a write ``METHOD /suffix`` has reached the cloud."""
    method, suffix = request.split(" ", 1)
    end = time.monotonic() + deadline_s
    while time.monotonic() < end:
        if any(w.startswith(method) and w.endswith(suffix) for w in cloud.writes()):
            return
        time.sleep(0.02)
    raise AssertionError(f"no {request} request within {deadline_s}s: {cloud.writes()}")


@pytest.mark.parametrize(
    "killed_after", ["POST /servers", "POST /volumes", "PUT /add_router_interface"]
)
def test_apply_killed_mid_create_converges_with_one_plain_rerun(
    crash: Crash, killed_after: str
) -> None:
    """kill -9 right after a create request reached the cloud (the server still building):
    one plain apply adopts what the killed run made; nothing is duplicated, destroy leaves
    nothing behind, and no lock needs breaking by hand."""
    sim = crash.cloud.sim
    sim.configure(delays={"server": 2.0, "volume": 1.0})
    sim.clear_request_log()
    try:
        process = subprocess.Popen(
            [str(ATONIX), "apply", "-auto-approve", *crash.scope],
            cwd=crash.cloud.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        try:
            _wait_for_write(crash.cloud, killed_after)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        rerun = crash.cloud.process("apply", "-auto-approve", *crash.scope)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "force-unlock" not in rerun.stderr
        _assert_converged(crash)
        _destroy_clean(crash)
    finally:
        sim.configure(delays={})


def test_a_create_that_never_got_an_answer_is_looked_up_then_planned_again(
    crash: Crash, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every attempt answered 503: the run fails, but state keeps the intent (the cloud may
    have made the volume); the next run looks it up, finds nothing, and creates it once."""
    monkeypatch.setenv("ATONIX_RETRY_ATTEMPTS", "2")
    monkeypatch.setenv("ATONIX_RETRY_INITIAL_S", "0.01")
    sim = crash.cloud.sim
    sim.add_fault(service="block-storage", method="POST", path="/volumes", status=503)
    try:
        failed = crash.run("apply", "-auto-approve")
    finally:
        sim.clear_faults()
    assert failed.exit_code == 1
    assert "(HTTP 503)" in failed.stderr
    intent = crash.state().resources["volume"]
    assert intent.status == "pending_create" and intent.physical_id is None
    again = crash.run("apply", "-auto-approve")
    assert again.exit_code == 0, again.output
    assert "Recovered: volume: an unfinished run's create made no object" in again.stderr
    _assert_converged(crash)
    _destroy_clean(crash)


def test_creates_whose_answer_was_lost_are_adopted_not_repeated(crash: Crash) -> None:
    """Every create below succeeds in the cloud, but its answer is a 503 or a dropped
    connection: the run looks the token (or natural key) up before asking again, adopts what
    the cloud made, and converges in the same run with one object per address."""
    sim = crash.cloud.sim
    lost = [
        ("network", "POST", "/networks", 503, "error"),
        ("network", "POST", "/ports", 500, "reset"),
        ("network", "PUT", "/routers/*/add_router_interface", 502, "error"),
        ("network", "POST", "/security-group-rules", 500, "reset"),
        ("network", "PUT", "/floatingips/*", 503, "error"),
        ("compute", "POST", "/servers", 503, "reset"),
        ("compute", "POST", "/servers/*/os-volume_attachments", 500, "error"),
        ("block-storage", "POST", "/volumes", 500, "error"),
    ]
    for service, method, path, status, action in lost:
        sim.add_fault(
            service=service,
            method=method,
            path=path,
            status=status,
            action=action,
            when="after",
            count=1,
        )
    sim.clear_request_log()
    try:
        applied = crash.run("apply", "-auto-approve")
        fired = [r for r in sim.request_log() if r.fault]
    finally:
        sim.clear_faults()
    assert applied.exit_code == 0, applied.output
    assert len(fired) == len(lost), [f"{r.method} {r.path} {r.status}" for r in fired]
    assert "Still trying after a transient fault" in applied.stdout
    _assert_converged(crash)
    _destroy_clean(crash)
