"""Fault injection, lifecycle outcomes, latency and the request log."""

from __future__ import annotations

import json
import time
import urllib.request
from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import FaultRule, LifecycleRule, SimulatorServer


def _admin(sim: SimulatorServer, method: str, path: str, body: Any = None) -> Any:
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(
        f"{sim.url}/_sim/{path}",
        data=data,
        method=method,
        headers={"Content-Type": "application/json"},
    )
    with urllib.request.urlopen(req) as resp:
        raw = resp.read()
    return json.loads(raw) if raw else None


def _create(conn: Connection, net_id: str, name: str = "vm") -> Any:
    image = conn.image.find_image("cirros")
    return conn.compute.create_server(
        name=name, flavor_id="1", image_id=image.id, networks=[{"uuid": net_id}]
    )


def test_error_rate_one_on_server_create(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    sim.set_faults(
        [FaultRule(service="compute", method="POST", path="/servers", status=500, message="boom")]
    )
    with pytest.raises(openstack.exceptions.HttpException) as err:
        _create(conn, network_setup["net"].id)
    assert err.value.status_code == 500
    assert err.value.details == "boom"
    assert list(conn.compute.servers()) == []  # other calls are unaffected
    sim.clear_faults()
    assert (
        conn.compute.wait_for_server(
            _create(conn, network_setup["net"].id), wait=5, interval=0.05
        ).status
        == "ACTIVE"
    )


def test_fault_count_and_status_via_admin_endpoint(sim: SimulatorServer, conn: Connection) -> None:
    reply = _admin(
        sim,
        "PUT",
        "faults",
        {
            "faults": [
                {
                    "service": "network",
                    "method": "POST",
                    "path": "/networks",
                    "status": 503,
                    "count": 1,
                }
            ]
        },
    )
    assert reply["faults"][0]["status"] == 503
    with pytest.raises(openstack.exceptions.HttpException) as err:
        conn.network.create_network(name="first")
    assert err.value.status_code == 503
    assert "Simulated fault" in str(err.value.details)
    assert conn.network.create_network(name="second").name == "second"  # count exhausted
    _admin(sim, "DELETE", "faults")
    assert _admin(sim, "GET", "faults")["faults"] == []


def test_server_stuck_in_build(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    sim.set_lifecycle([LifecycleRule(kind="server", outcome="stuck", name="stuck-*")])
    server = _create(conn, network_setup["net"].id, "stuck-1")
    with pytest.raises(openstack.exceptions.ResourceTimeout):
        conn.compute.wait_for_server(server, wait=0.3, interval=0.05)
    assert conn.compute.get_server(server.id).status == "BUILD"
    other = conn.compute.wait_for_server(
        _create(conn, network_setup["net"].id, "fine"), wait=5, interval=0.05
    )
    assert other.status == "ACTIVE"
    conn.compute.delete_server(server)  # stuck servers can still be deleted
    conn.compute.wait_for_delete(server, wait=5, interval=0.05)


def test_server_goes_to_error(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    _admin(sim, "PUT", "lifecycle", [{"kind": "server", "outcome": "error", "count": 1}])
    server = _create(conn, network_setup["net"].id)
    with pytest.raises(openstack.exceptions.ResourceFailure):
        conn.compute.wait_for_server(server, wait=5, interval=0.05)
    failed = conn.compute.get_server(server.id)
    assert (failed.status, failed.vm_state) == ("ERROR", "error")
    assert "No valid host" in failed.fault["message"]
    retry = conn.compute.wait_for_server(
        _create(conn, network_setup["net"].id), wait=5, interval=0.05
    )
    assert retry.status == "ACTIVE"


def test_volume_goes_to_error(sim: SimulatorServer, conn: Connection) -> None:
    sim.set_lifecycle([{"kind": "volume", "outcome": "error"}])
    volume = conn.block_storage.create_volume(size=1)
    with pytest.raises(openstack.exceptions.ResourceFailure):
        conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)


def test_build_delay_is_time_based(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    sim.set_delay(0.3, "server")
    started = time.monotonic()
    server = _create(conn, network_setup["net"].id)
    assert conn.compute.get_server(server.id).status == "BUILD"
    conn.compute.wait_for_server(server, wait=5, interval=0.05)
    assert 0.3 <= time.monotonic() - started < 2.0


def test_latency_applies_to_api_calls(sim: SimulatorServer, conn: Connection) -> None:
    list(conn.compute.flavors())
    sim.set_latency(0.2)
    started = time.monotonic()
    list(conn.compute.flavors())
    assert time.monotonic() - started >= 0.2
    sim.set_latency(0.0)


def test_request_log_counts_writes(sim: SimulatorServer, conn: Connection) -> None:
    conn.network.create_network(name="n")
    writes = sim.request_log(writes_only=True)
    assert [(r.method, r.service, r.status, r.project) for r in writes] == [
        ("POST", "network", 201, "demo")
    ]
    sim.clear_request_log()
    list(conn.network.networks())
    conn.compute.find_flavor("m1.tiny")
    assert sim.request_log(writes_only=True) == []
    assert {r.service for r in sim.request_log()} == {"network", "compute"}
    over_http = _admin(sim, "GET", "requests?writes=false")["requests"]
    assert [r["path"] for r in over_http][0] == "/networking/v2.0/networks"
    assert all(
        set(r) >= {"method", "path", "service", "project", "status", "write"} for r in over_http
    )
    _admin(sim, "DELETE", "requests")
    assert _admin(sim, "GET", "requests")["requests"] == []


def test_project_isolation(sim: SimulatorServer, connect: Any) -> None:
    demo, alt = connect("demo"), connect("alt")
    net = demo.network.create_network(name="secret-net")
    volume = demo.block_storage.create_volume(size=1, name="secret-vol")
    assert alt.network.find_network("secret-net") is None
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        alt.network.get_network(net.id)
    assert alt.block_storage.find_volume(volume.id) is None
    image = demo.image.find_image("cirros")
    server = demo.compute.create_server(
        name="secret-vm", flavor_id="1", image_id=image.id, networks="none"
    )
    assert alt.compute.find_server(server.id) is None
    assert alt.compute.find_server("secret-vm") is None
    assert list(alt.compute.servers()) == []
    assert [n.name for n in alt.network.networks()] == ["public"]
    assert len(list(alt.network.security_groups())) == 1  # alt's own default group
    assert alt.network.get_quota(alt.current_project_id, details=True).networks["used"] == 0


def test_admin_endpoints_steer_delays_and_projects(sim: SimulatorServer, connect: Any) -> None:
    assert _admin(sim, "GET", "health") == {"status": "ok"}
    delays = _admin(sim, "PUT", "delays", {"default": 0.0, "server": 0.25})
    assert delays == {"default": 0.0, "delays": {"server": 0.25}}
    assert _admin(sim, "GET", "config")["delays"] == {"server": 0.25}
    projects = _admin(sim, "POST", "projects", {"name": "late"})["projects"]
    assert set(projects) == {"admin", "demo", "alt", "late"}
    late = connect("late")
    assert late.current_project_id == projects["late"]
    _admin(sim, "PUT", "quotas/late/compute", {"instances": 0})
    image = late.image.find_image("cirros")
    with pytest.raises(openstack.exceptions.ForbiddenException) as err:
        late.compute.create_server(name="x", flavor_id="1", image_id=image.id, networks="none")
    assert "Quota exceeded for instances" in str(err.value.details)
    tables = _admin(sim, "GET", "state")["tables"]
    assert tables["flavor"] == 5 and tables["image"] == 2
