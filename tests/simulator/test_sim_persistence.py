"""State across restarts, the ``serve`` CLI in a subprocess, and parallel load."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import openstack
import pytest

from atonix_iac.simulator import SimConfig, SimulatorServer


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def test_state_survives_restart(tmp_path: Path) -> None:
    data = tmp_path / "state"
    with SimulatorServer(data, projects=["demo"]) as first:
        conn = openstack.connect(**first.connect_kwargs())
        net = conn.network.create_network(name="kept")
        conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.3.0.0/24")
        image = conn.image.find_image("cirros")
        server = conn.compute.create_server(
            name="kept-vm", flavor_id="1", image_id=image.id, networks=[{"uuid": net.id}]
        )
        conn.compute.update_quota_set(conn.current_project_id, instances=7)
        project_id = conn.current_project_id
        conn.close()
    state = json.loads((data / "state.json").read_text())
    assert any(n["name"] == "kept" for n in state["tables"]["network"].values())
    assert not list(data.glob(".state-*.tmp"))  # atomic writes leave no temp files

    with SimulatorServer(data, projects=["demo"]) as second:
        conn = openstack.connect(**second.connect_kwargs())
        assert conn.current_project_id == project_id
        assert conn.network.find_network("kept").id == net.id
        restored = conn.compute.get_server(server.id)
        assert (restored.name, restored.status) == ("kept-vm", "ACTIVE")
        assert restored.addresses["kept"][0]["addr"] == "10.3.0.2"
        assert conn.compute.get_quota_set(project_id).instances == 7
        port = conn.network.create_port(network_id=net.id)  # IPAM state came back too
        assert port.fixed_ips[0]["ip_address"] == "10.3.0.3"
        conn.close()


def test_synchronous_persistence_mode(tmp_path: Path) -> None:
    config = SimConfig(persist_interval=0)
    with SimulatorServer(tmp_path, config=config) as sim:
        conn = openstack.connect(**sim.connect_kwargs())
        conn.network.create_network(name="now")
        state = json.loads((tmp_path / "state.json").read_text())  # no stop/flush needed
        assert any(n["name"] == "now" for n in state["tables"]["network"].values())
        conn.close()


def test_cli_serve_writes_clouds_yaml(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    port = _free_port()
    data = tmp_path / "cli"
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "atonix_iac.simulator",
            "serve",
            "--port",
            str(port),
            "--data",
            str(data),
            "--projects",
            "demo,team2",
            "--build-delay",
            "0.01",
            "--quota",
            "compute.instances=3",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None
        lines = [proc.stdout.readline() for _ in range(3)]
        clouds = data / "clouds.yaml"
        assert f"export OS_CLIENT_CONFIG_FILE={clouds.resolve()}\n" in lines
        monkeypatch.setenv("OS_CLIENT_CONFIG_FILE", str(clouds))
        conn = openstack.connect(cloud="atonix-sim")
        assert conn.identity.get_project(conn.current_project_id).name == "demo"
        assert conn.compute.find_flavor("m1.tiny") is not None
        assert conn.compute.get_quota_set(conn.current_project_id).instances == 3
        conn.close()
        team2 = openstack.connect(cloud="atonix-sim-team2")
        assert team2.identity.get_project(team2.current_project_id).name == "team2"
        team2.network.create_network(name="from-cli")
        team2.close()
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(timeout=10)
    assert proc.returncode == 0
    state = json.loads((data / "state.json").read_text())  # flushed on SIGTERM
    assert any(n["name"] == "from-cli" for n in state["tables"]["network"].values())


def test_parallel_server_creates(tmp_path: Path) -> None:
    """120 creates at parallelism 20 all reach ACTIVE with distinct addresses.

    ``load_check.py`` in this directory runs the 1,000-server version out of process.
    """
    count = 120
    with SimulatorServer(tmp_path, projects=["load"]) as sim:
        sim.set_quota("load", "compute", instances=count, cores=count, ram=count * 512)
        setup = openstack.connect(**sim.connect_kwargs("load"))
        net = setup.network.create_network(name="load-net")
        setup.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.100.0.0/16")
        image_id = setup.image.find_image("cirros").id
        conns = [openstack.connect(**sim.connect_kwargs("load")) for _ in range(20)]

        def boot(i: int) -> str:
            conn = conns[i % len(conns)]
            server = conn.compute.create_server(
                name=f"vm-{i}", flavor_id="1", image_id=image_id, networks=[{"uuid": net.id}]
            )
            return str(conn.compute.wait_for_server(server, wait=30, interval=0.05).status)

        started = time.monotonic()
        with ThreadPoolExecutor(max_workers=20) as pool:
            statuses = list(pool.map(boot, range(count)))
        elapsed = time.monotonic() - started
        assert statuses == ["ACTIVE"] * count
        addresses = {s.addresses["load-net"][0]["addr"] for s in setup.compute.servers()}
        assert len(addresses) == count
        assert elapsed < 30
        for conn in [setup, *conns]:
            conn.close()
    assert os.path.getsize(tmp_path / "state.json") > 0


def test_serve_function_runs_until_stopped(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import threading

    from atonix_iac.simulator import serve

    stop = threading.Event()
    port = _free_port()
    thread = threading.Thread(
        target=serve, args=(port, tmp_path, ["demo"], 0.0), kwargs={"stop": stop}, daemon=True
    )
    thread.start()
    deadline = time.monotonic() + 10
    while not (tmp_path / "clouds.yaml").exists() and time.monotonic() < deadline:
        time.sleep(0.02)
    conn = openstack.connect(
        auth_url=f"http://127.0.0.1:{port}/identity",
        username="admin",
        password="admin",
        project_name="demo",
        user_domain_name="Default",
        project_domain_name="Default",
        region_name="RegionOne",
        load_yaml_config=False,
        load_envvars=False,
    )
    assert conn.compute.find_flavor("m1.xlarge").vcpus == 8
    conn.close()
    stop.set()
    thread.join(timeout=10)
    assert not thread.is_alive()
    assert "export OS_CLIENT_CONFIG_FILE=" in capsys.readouterr().out


def test_two_simulators_in_one_process_delete_in_their_own_stores(
    sim: SimulatorServer, tmp_path: Path
) -> None:
    """Deletion finalizers used to be process-global: the last simulator started took them
    over, so a server or volume deleted in an earlier one stayed `deleting` for ever."""
    first = openstack.connect(**sim.connect_kwargs("demo"))
    with SimulatorServer(tmp_path / "second", projects=["demo"]):
        volume = first.block_storage.create_volume(size=1, name="v")
        first.block_storage.wait_for_status(volume, "available", wait=10, interval=0.05)
        first.block_storage.delete_volume(volume)
        assert first.block_storage.find_volume(volume.id) is None
    first.close()
