"""Fixtures: a simulator on a free port in a temp dir, and SDK connections to it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import SimConfig, SimulatorServer

Connect = Callable[..., Connection]


@pytest.fixture
def sim(tmp_path: Path) -> Iterator[SimulatorServer]:
    server = SimulatorServer(
        tmp_path / "sim", projects=["demo", "alt"], config=SimConfig(seed=1234)
    )
    with server:
        yield server


@pytest.fixture
def connect(sim: SimulatorServer) -> Iterator[Connect]:
    """Open SDK connections (closed at teardown): ``connect(project="alt", username=...)``."""
    opened: list[Connection] = []

    def factory(project: str = "demo", **kwargs: Any) -> Connection:
        conn = openstack.connect(**sim.connect_kwargs(project, **kwargs))
        opened.append(conn)
        return conn

    yield factory
    for conn in opened:
        conn.close()


@pytest.fixture
def conn(connect: Connect) -> Connection:
    return connect()


@pytest.fixture
def network_setup(conn: Connection) -> dict[str, Any]:
    """A private network + subnet routed to ``public`` (what floating IPs need)."""
    public = conn.network.find_network("public")
    net = conn.network.create_network(name="private")
    subnet = conn.network.create_subnet(
        network_id=net.id, ip_version=4, cidr="10.0.0.0/24", name="private-subnet"
    )
    router = conn.network.create_router(
        name="router1", external_gateway_info={"network_id": public.id}
    )
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    return {"public": public, "net": net, "subnet": subnet, "router": router}
