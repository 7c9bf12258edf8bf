"""Fault modes: an error after the request was processed (the work is kept, the answer lost),
and a connection reset without any response, before or after processing."""

from __future__ import annotations

import http.client
import json
import urllib.request
from pathlib import Path
from typing import Any

import openstack
import pytest
from keystoneauth1.exceptions import ConnectFailure
from openstack.connection import Connection

from atonix_iac.simulator import FaultRule, SimConfig, SimulatorServer


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


def _network_names(conn: Connection) -> list[str]:
    project = conn.current_project_id
    return sorted(n.name for n in conn.network.networks(project_id=project))


def test_defaults_are_before_and_error() -> None:
    rule = FaultRule()
    assert (rule.when, rule.action) == ("before", "error")
    assert FaultRule(status=-1).action == "reset"
    assert not FaultRule(status=0).fails and FaultRule(status=0, action="reset").fails
    with pytest.raises(ValueError, match="when"):
        FaultRule(when="during")
    with pytest.raises(ValueError, match="action"):
        FaultRule(action="explode")
    assert SimConfig.from_dict({"faults": [{"when": "after", "status": 503}]}).faults[0].when == (
        "after"
    )


def test_error_after_processing_keeps_the_created_object(
    sim: SimulatorServer, conn: Connection
) -> None:
    sim.set_faults([FaultRule(service="network", method="POST", path="/networks", when="after")])
    with pytest.raises(openstack.exceptions.HttpException) as err:
        conn.network.create_network(name="lost-answer")
    assert err.value.status_code == 500
    assert "after processing" in str(err.value.details)
    sim.clear_faults()
    assert _network_names(conn) == ["lost-answer"]
    (record,) = [r for r in sim.request_log(writes_only=True) if r.path.endswith("/networks")]
    assert (record.status, record.fault) == (500, True)


def test_error_before_processing_creates_nothing(sim: SimulatorServer, conn: Connection) -> None:
    sim.set_faults([FaultRule(service="network", method="POST", path="/networks", status=503)])
    with pytest.raises(openstack.exceptions.HttpException) as err:
        conn.network.create_network(name="never")
    assert err.value.status_code == 503
    sim.clear_faults()
    assert _network_names(conn) == []


def test_after_fault_on_delete_deletes(sim: SimulatorServer, conn: Connection) -> None:
    net = conn.network.create_network(name="doomed")
    sim.set_faults([FaultRule(service="network", method="DELETE", status=409, when="after")])
    with pytest.raises(openstack.exceptions.HttpException) as err:
        conn.network.delete_network(net, ignore_missing=False)
    assert err.value.status_code == 409
    sim.clear_faults()
    assert _network_names(conn) == []


@pytest.mark.parametrize(("when", "kept"), [("before", []), ("after", ["reset-net"])])
def test_reset_drops_the_connection(
    sim: SimulatorServer, conn: Connection, when: str, kept: list[str]
) -> None:
    _admin(
        sim,
        "PUT",
        "faults",
        [{"service": "network", "method": "POST", "path": "/networks", "status": -1, "when": when}],
    )
    with pytest.raises(ConnectFailure, match="Connection reset by peer"):
        conn.network.create_network(name="reset-net")
    _admin(sim, "DELETE", "faults")
    assert _network_names(conn) == kept
    (record,) = [r for r in sim.request_log(writes_only=True) if r.path.endswith("/networks")]
    assert (record.status, record.fault) == (-1, True)


def test_reset_sends_no_response_bytes(sim: SimulatorServer, conn: Connection) -> None:
    """Plain HTTP: the client gets no status line at all, only a closed connection."""
    token = conn.session.get_token()
    sim.set_faults([FaultRule(service="network", method="GET", action="reset", count=1)])
    client = http.client.HTTPConnection(sim.host, sim.port, timeout=10)
    try:
        client.request("GET", "/networking/v2.0/networks", headers={"X-Auth-Token": token})
        with pytest.raises((ConnectionError, http.client.RemoteDisconnected)):
            client.getresponse()
    finally:
        client.close()
    client = http.client.HTTPConnection(sim.host, sim.port, timeout=10)
    try:  # count=1: the next request is answered
        client.request("GET", "/networking/v2.0/networks", headers={"X-Auth-Token": token})
        assert client.getresponse().status == 200
    finally:
        client.close()


def test_modes_load_from_a_config_file(tmp_path: Path) -> None:
    config_file = tmp_path / "sim.json"
    rules = [{"service": "nova", "when": "after", "action": "reset", "error_rate": 0.1}]
    config_file.write_text(json.dumps({"faults": rules}), encoding="utf-8")
    config = SimConfig.from_dict(json.loads(config_file.read_text(encoding="utf-8")))
    (rule,) = config.faults
    assert (rule.service, rule.when, rule.action) == ("compute", "after", "reset")
    assert config.to_dict()["faults"][0]["when"] == "after"
