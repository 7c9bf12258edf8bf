"""Octavia in the simulator, driven by openstacksdk's own resource classes."""

from __future__ import annotations

from typing import Any

import pytest
from openstack import exceptions as os_exceptions

from atonix_iac.simulator import SimulatorServer


def _subnet(conn: Any, cidr: str = "10.1.0.0/24") -> Any:
    net = conn.network.create_network(name="n")
    return conn.network.create_subnet(network_id=net.id, cidr=cidr, ip_version=4)


def test_pending_load_balancer_refuses_writes(sim: SimulatorServer, conn: Any) -> None:
    subnet = _subnet(conn)
    sim.set_delay(30, "loadbalancer")
    lb = conn.load_balancer.create_load_balancer(name="lb", vip_subnet_id=subnet.id, tags=["t"])
    assert lb.provisioning_status == "PENDING_CREATE"
    port = conn.network.get_port(lb.vip_port_id)
    assert port.fixed_ips[0]["ip_address"] == lb.vip_address
    with pytest.raises(os_exceptions.ConflictException) as caught:
        conn.load_balancer.create_listener(loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80)
    assert caught.value.details == f"Load Balancer {lb.id} is immutable and cannot be updated."
    assert [x.id for x in conn.load_balancer.load_balancers(tags="t")] == [lb.id]


def test_tree_goes_active_and_cascades(sim: SimulatorServer, conn: Any) -> None:
    subnet = _subnet(conn)
    lb = conn.load_balancer.create_load_balancer(vip_subnet_id=subnet.id)
    listener = conn.load_balancer.create_listener(
        loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80
    )
    pool = conn.load_balancer.create_pool(
        listener_id=listener.id, protocol="HTTP", lb_algorithm="ROUND_ROBIN"
    )
    member = conn.load_balancer.create_member(pool, address="10.1.0.9", protocol_port=80)
    hm = conn.load_balancer.create_health_monitor(
        pool_id=pool.id, type="HTTP", delay=5, timeout=3, max_retries=3
    )
    assert conn.load_balancer.get_member(member, pool).provisioning_status == "ACTIVE"
    assert conn.load_balancer.get_listener(listener.id).default_pool_id == pool.id
    assert conn.load_balancer.get_pool(pool.id).health_monitor_id == hm.id
    with pytest.raises(os_exceptions.BadRequestException, match="children"):
        conn.load_balancer.delete_load_balancer(lb.id)
    conn.load_balancer.delete_load_balancer(lb.id, cascade=True)
    assert list(conn.load_balancer.load_balancers()) == []
    assert conn.network.find_port(lb.vip_port_id) is None
    with pytest.raises(os_exceptions.NotFoundException):
        conn.load_balancer.get_pool(pool.id)


def test_quota_is_enforced(sim: SimulatorServer, conn: Any) -> None:
    subnet = _subnet(conn)
    project = conn.current_project_id
    quota = conn.load_balancer.update_quota(project, load_balancer=1)
    assert quota.load_balancers == 1
    conn.load_balancer.create_load_balancer(vip_subnet_id=subnet.id)
    with pytest.raises(os_exceptions.ForbiddenException, match="Quota has been met"):
        conn.load_balancer.create_load_balancer(vip_subnet_id=subnet.id)


def test_lifecycle_rule_fails_a_load_balancer(sim: SimulatorServer, conn: Any) -> None:
    subnet = _subnet(conn)
    sim.set_lifecycle([{"kind": "loadbalancer", "outcome": "error", "name": "bad-*"}])
    lb = conn.load_balancer.create_load_balancer(name="bad-lb", vip_subnet_id=subnet.id)
    assert conn.load_balancer.get_load_balancer(lb.id).provisioning_status == "ERROR"
    conn.load_balancer.delete_load_balancer(lb.id)
    assert list(conn.load_balancer.load_balancers()) == []


def test_children_name_parents_as_octavia_does(sim: SimulatorServer, conn: Any) -> None:
    """Octavia answers with id lists (``loadbalancers``, ``listeners``, ``pools``), never the
    ``loadbalancer_id``/``listener_id``/``pool_id`` a child was created with; listeners and
    pools still filter on ``loadbalancer_id``."""
    subnet = _subnet(conn)
    lb = conn.load_balancer.create_load_balancer(vip_subnet_id=subnet.id)
    other = conn.load_balancer.create_load_balancer(vip_subnet_id=subnet.id)
    listener = conn.load_balancer.create_listener(
        loadbalancer_id=lb.id, protocol="HTTP", protocol_port=80
    )
    pool = conn.load_balancer.create_pool(
        listener_id=listener.id, protocol="HTTP", lb_algorithm="ROUND_ROBIN"
    )
    hm = conn.load_balancer.create_health_monitor(
        pool_id=pool.id, type="TCP", delay=5, timeout=3, max_retries=3
    )
    lbaas = "/lbaas"
    shown = {
        "listener": conn.load_balancer.get(f"{lbaas}/listeners/{listener.id}").json()["listener"],
        "pool": conn.load_balancer.get(f"{lbaas}/pools/{pool.id}").json()["pool"],
        "healthmonitor": conn.load_balancer.get(f"{lbaas}/healthmonitors/{hm.id}").json()[
            "healthmonitor"
        ],
    }
    assert "loadbalancer_id" not in shown["listener"]
    assert shown["listener"]["loadbalancers"] == [{"id": lb.id}]
    assert "loadbalancer_id" not in shown["pool"] and "listener_id" not in shown["pool"]
    assert shown["pool"]["listeners"] == [{"id": listener.id}]
    assert shown["pool"]["loadbalancers"] == [{"id": lb.id}]
    assert "pool_id" not in shown["healthmonitor"]
    assert shown["healthmonitor"]["pools"] == [{"id": pool.id}]

    def ids(collection: str, lb_id: str) -> list[str]:
        answer = conn.load_balancer.get(f"{lbaas}/{collection}?loadbalancer_id={lb_id}").json()
        return [x["id"] for x in answer[collection]]

    assert ids("listeners", lb.id) == [listener.id] and ids("listeners", other.id) == []
    assert ids("pools", lb.id) == [pool.id] and ids("pools", other.id) == []
