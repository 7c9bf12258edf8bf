"""Apply under faults and interruptions, against the simulator: every create is findable,
transient faults are retried within the run, nothing is duplicated or orphaned."""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections import Counter
from typing import Any

import pytest
from _cli_kit import ATONIX, CloudProject

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

DEV = "dev: {cloud: atonix-sim, project: demo, region: RegionOne}"
SCOPE = ("-w", "team", "-E", "dev")


def _stack_objects(cloud: CloudProject, stack: str = "stack") -> Counter[str]:
    """Cloud objects carrying this stack's identity, counted by address (a count above 1 is
    a duplicate), plus the relations seen from the cloud's side."""
    sdk = cloud.sdk()
    tag = f"atonix:stack={stack}"
    seen: Counter[str] = Counter()

    def tagged(objects: Any) -> None:
        for obj in objects:
            tags = set(obj.tags or [])
            if tag in tags and "atonix:workspace=team" in tags:
                address = next(t for t in tags if t.startswith("atonix:address="))
                seen[address.partition("=")[2]] += 1

    tagged(sdk.network.networks())
    tagged(sdk.network.subnets())
    tagged(sdk.network.routers())
    tagged(sdk.network.security_groups())
    tagged(sdk.network.ips())
    tagged(p for p in sdk.network.ports() if p.device_owner != "network:router_interface")
    for server in sdk.compute.servers(details=True):
        metadata = server.metadata or {}
        if metadata.get("atonix:stack") == stack and metadata.get("atonix:workspace") == "team":
            seen[metadata["atonix:address"]] += 1
    for volume in sdk.block_storage.volumes(details=True):
        metadata = volume.metadata or {}
        if metadata.get("atonix:stack") == stack and metadata.get("atonix:workspace") == "team":
            seen[metadata["atonix:address"]] += 1
            seen["attach"] += len(volume.attachments or [])
    routers = [r.id for r in sdk.network.routers() if tag in set(r.tags or [])]
    for router_id in routers:
        seen["iface"] += sum(1 for _ in sdk.network.ports(device_id=router_id))
    return seen


def _in_state(cloud: CloudProject) -> dict[str, str | None]:
    state = cloud.state(workspace="team", environment="dev")
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


def _assert_converged(cloud: CloudProject) -> None:
    seen = _stack_objects(cloud)
    assert set(seen) == ALL, seen
    assert all(count == 1 for count in seen.values()), f"duplicates: {seen}"
    again = cloud.run("plan", "-detailed-exitcode", *SCOPE)
    assert again.exit_code == 0, again.output
    assert set(_in_state(cloud)) == ALL | {"http", "fip_assoc"}


def _destroy_clean(cloud: CloudProject) -> None:
    gone = cloud.run("destroy", "-auto-approve", *SCOPE)
    assert gone.exit_code == 0, gone.output
    assert not _stack_objects(cloud), "destroy left objects behind"


def test_transient_faults_are_retried_within_the_run(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    sim = cloud_project.sim
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
        applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
        assert applied.exit_code == 0, applied.output
        assert "Still trying after a transient fault" in applied.stdout
        assert "(HTTP 503); attempt 2 in" in applied.stdout
        _assert_converged(cloud_project)

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
        _destroy_clean(cloud_project)
    finally:
        sim.clear_faults()


def test_a_refusal_fails_at_once_with_the_service_message(cloud_project: CloudProject) -> None:
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    sim = cloud_project.sim
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
        applied = cloud_project.run("apply", "-auto-approve", *SCOPE)
    finally:
        sim.clear_faults()
    assert applied.exit_code == 1
    assert "Invalid input for operation: bad value. (HTTP 400)" in applied.stderr
    posts = [w for w in cloud_project.writes() if w.endswith("/networks")]
    assert len(posts) == 1, posts  # not retried
    assert "net" not in _in_state(cloud_project)
    assert cloud_project.run("apply", "-auto-approve", *SCOPE).exit_code == 0
    _assert_converged(cloud_project)
    _destroy_clean(cloud_project)


def test_a_create_whose_follow_up_failed_is_finished_by_the_next_run(
    cloud_project: CloudProject,
) -> None:
    """The network exists but its tag call was refused: state keeps its id as pending, and
    the next run finishes it (tags it) instead of creating a second one."""
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    sim = cloud_project.sim
    sim.add_fault(
        service="network",
        method="PUT",
        path="/networks/*/tags",
        status=400,
        message="Invalid tag",
        count=1,
    )
    try:
        failed = cloud_project.run("apply", "-auto-approve", *SCOPE)
    finally:
        sim.clear_faults()
    assert failed.exit_code == 1
    pending = cloud_project.state(workspace="team", environment="dev").resources["net"]
    assert pending.status == "pending_create" and pending.physical_id
    again = cloud_project.run("apply", "-auto-approve", *SCOPE)
    assert again.exit_code == 0, again.output
    assert f"Recovered: net: adopted {pending.physical_id}" in again.stderr
    assert _in_state(cloud_project)["net"] == pending.physical_id
    _assert_converged(cloud_project)
    _destroy_clean(cloud_project)


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
    cloud_project: CloudProject, killed_after: str
) -> None:
    """kill -9 right after a create request reached the cloud (the server still building):
    one plain apply adopts what the killed run made; nothing is duplicated, destroy leaves
    nothing behind, and no lock needs breaking by hand."""
    cloud_project.bind(DEV)
    cloud_project.write("stack.yaml", STACK)
    sim = cloud_project.sim
    sim.configure(delays={"server": 2.0, "volume": 1.0})
    sim.clear_request_log()
    try:
        process = subprocess.Popen(
            [str(ATONIX), "apply", "-auto-approve", *SCOPE],
            cwd=cloud_project.root,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            env=dict(os.environ),
        )
        try:
            _wait_for_write(cloud_project, killed_after)
        finally:
            os.kill(process.pid, signal.SIGKILL)
            process.wait(timeout=30)
        rerun = cloud_project.process("apply", "-auto-approve", *SCOPE)
        assert rerun.returncode == 0, rerun.stdout + rerun.stderr
        assert "force-unlock" not in rerun.stderr
        _assert_converged(cloud_project)
        _destroy_clean(cloud_project)
    finally:
        sim.configure(delays={})
