"""Contract tests for the Octavia types: a load balancer and the objects under it."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError, TransientProviderError
from atonix_iac.providers.base import ResourceIdentity

from .conftest import require_service

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def lb_types(cloud: Any) -> dict[str, Any]:
    require_service(cloud, "load-balancer")
    return dict(cloud.provider().resource_types())


def _subnet(types: dict[str, Any], ident: Any, cidr: str) -> str:
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": cidr}
    )
    return str(subnet.physical_id)


def test_load_balancer_tree(cloud: Any, lb_types: dict[str, Any], ident: Any, unique: str) -> None:
    sdk = cloud.sdk()
    subnet = _subnet(lb_types, ident, "10.61.0.0/24")
    lb_type = lb_types["OS::Octavia::LoadBalancer"]
    lb_props = {"name": f"lb-{unique}", "vip_subnet": subnet}
    lb = lb_type.create(ident("lb"), lb_props)
    live = sdk.load_balancer.get_load_balancer(lb.physical_id)
    assert live.provisioning_status == "ACTIVE"
    assert "atonix:address=lb" in live.tags
    port = sdk.network.get_port(lb.attributes["vip_port_id"])
    assert port.fixed_ips[0]["ip_address"] == lb.attributes["vip_address"]
    assert lb.attributes["vip_subnet_id"] == subnet

    listener_props = {"loadbalancer": lb.physical_id, "protocol": "HTTP", "protocol_port": 80}
    listener = lb_types["OS::Octavia::Listener"].create(ident("listener"), listener_props)
    pool_props = {
        "listener": listener.physical_id,
        "protocol": "HTTP",
        "lb_algorithm": "ROUND_ROBIN",
    }
    pool = lb_types["OS::Octavia::Pool"].create(ident("pool"), pool_props)
    member_type = lb_types["OS::Octavia::PoolMember"]
    member_props = {"pool": pool.physical_id, "address": "10.61.0.50", "protocol_port": 8080}
    member = member_type.create(ident("member"), member_props)
    monitor_props = {
        "pool": pool.physical_id,
        "type": "HTTP",
        "delay": 5,
        "timeout": 3,
        "max_retries": 3,
    }
    monitor = lb_types["OS::Octavia::HealthMonitor"].create(ident("hm"), monitor_props)
    policy_props = {"listener": listener.physical_id, "action": "REJECT"}
    policy = lb_types["OS::Octavia::L7Policy"].create(ident("policy"), policy_props)
    rule_props = {
        "l7policy": policy.physical_id,
        "type": "PATH",
        "compare_type": "STARTS_WITH",
        "value": "/admin",
    }
    rule = lb_types["OS::Octavia::L7Rule"].create(ident("rule"), rule_props)

    read_pool = lb_types["OS::Octavia::Pool"].read(ident("pool"), pool.physical_id, pool_props)
    assert read_pool is not None and read_pool.properties == pool_props
    assert read_pool.attributes["members"] == [member.physical_id]
    assert read_pool.attributes["healthmonitor_id"] == monitor.physical_id
    read_member = member_type.read(ident("member"), member.physical_id, member_props)
    assert read_member is not None and read_member.properties == member_props
    got = sdk.load_balancer.get_member(member.physical_id, pool.physical_id)
    assert got.provisioning_status == "ACTIVE" and got.address == "10.61.0.50"
    assert lb_type.read(ident("lb"), lb.physical_id, lb_props).properties == lb_props

    # In place: weight and the algorithm.
    new_member = {**member_props, "weight": 5}
    member_type.update(
        ident("member"), member.physical_id, member_props, new_member, frozenset({"weight"})
    )
    assert sdk.load_balancer.get_member(member.physical_id, pool.physical_id).weight == 5
    new_pool = {**pool_props, "lb_algorithm": "LEAST_CONNECTIONS"}
    lb_types["OS::Octavia::Pool"].update(
        ident("pool"), pool.physical_id, pool_props, new_pool, frozenset({"lb_algorithm"})
    )

    # Drift: renamed behind our back.
    sdk.load_balancer.update_load_balancer(lb.physical_id, name="renamed")
    drift = lb_type.read(ident("lb"), lb.physical_id, lb_props)
    assert drift is not None and drift.properties == {**lb_props, "name": "renamed"}

    # Delete, children first as the walk does; twice is fine.
    for type_name, result, props in (
        ("OS::Octavia::L7Rule", rule, rule_props),
        ("OS::Octavia::L7Policy", policy, policy_props),
        ("OS::Octavia::HealthMonitor", monitor, monitor_props),
        ("OS::Octavia::PoolMember", member, new_member),
        ("OS::Octavia::Pool", pool, new_pool),
        ("OS::Octavia::Listener", listener, listener_props),
        ("OS::Octavia::LoadBalancer", lb, lb_props),
    ):
        lb_types[type_name].delete(ident("x"), result.physical_id, props)
        assert lb_types[type_name].read(ident("x"), result.physical_id, props) is None
        lb_types[type_name].delete(ident("x"), result.physical_id, props)
    assert sdk.network.find_port(lb.attributes["vip_port_id"]) is None


def test_pending_load_balancer_is_a_transient_conflict(
    cloud: Any, lb_types: dict[str, Any], ident: Any
) -> None:
    sim = cloud.require_sim()
    subnet = _subnet(lb_types, ident, "10.62.0.0/24")
    sim.set_delay(30, "loadbalancer")
    lb_type = lb_types["OS::Octavia::LoadBalancer"]
    started = lb_type.start_create(ident("lb"), {"vip_subnet": subnet})
    listener_props = {"loadbalancer": started.physical_id, "protocol": "TCP", "protocol_port": 22}
    with pytest.raises(TransientProviderError, match="immutable"):
        lb_types["OS::Octavia::Listener"].create(ident("listener"), listener_props)
    sim.set_delay(0, "loadbalancer")
    sim.app.load_balancing.store.get("lb", started.physical_id)["_due"] = 0
    lb_type.finish_create(ident("lb"), started, {"vip_subnet": subnet})
    lb_type.delete(ident("lb"), started.physical_id, {"vip_subnet": subnet})


def test_find_created_by_token(cloud: Any, lb_types: dict[str, Any], ident: Any) -> None:
    subnet = _subnet(lb_types, ident, "10.63.0.0/24")
    lb_type = lb_types["OS::Octavia::LoadBalancer"]
    who = ident("lb")
    token = ResourceIdentity(who.workspace, who.environment, who.stack, who.address, "tok-1")
    started = lb_type.start_create(token, {"vip_subnet": subnet})
    assert lb_type.find_created(token, {"vip_subnet": subnet}, None, ()) == started.physical_id
    assert lb_type.find_created(token, {"vip_subnet": subnet}, None, {started.physical_id}) is None
    lb_type.delete(who, started.physical_id, {"vip_subnet": subnet})


def test_check_names_missing_references(cloud: Any, lb_types: dict[str, Any]) -> None:
    listener = lb_types["OS::Octavia::Listener"]
    found = listener.check({"loadbalancer": "no-such-lb", "protocol": "HTTP", "protocol_port": 80})
    assert [d.message for d in found] == ["load balancer `no-such-lb` not found"]
    member = lb_types["OS::Octavia::PoolMember"]
    found = member.check({"pool": "no-such-pool", "address": "10.0.0.1", "protocol_port": 80})
    assert [d.message for d in found] == ["pool `no-such-pool` not found"]
    with pytest.raises(ProviderError, match="pool `missing` not found"):
        member.create(
            ResourceIdentity("ws", "env", "s", "m"),
            {"pool": "missing", "address": "10.0.0.1", "protocol_port": 80},
        )


def test_quota_demand_and_live_limits(cloud: Any, lb_types: dict[str, Any], ident: Any) -> None:
    """A plan with a load balancer and a share asks Octavia and Manila for their limits."""
    require_service(cloud, "shared-file-system")
    provider = cloud.provider()
    subnet = _subnet(lb_types, ident, "10.64.0.0/24")
    lb = lb_types["OS::Octavia::LoadBalancer"].create(ident("lb"), {"vip_subnet": subnet})

    class Change:
        def __init__(self, type_name: str, after: dict[str, Any]) -> None:
            self.type, self.action, self.before, self.after = type_name, "create", None, after

    demand = provider.quota_demand(
        [
            Change("OS::Octavia::LoadBalancer", {"vip_subnet": subnet}),
            Change("OS::Manila::Share", {"share_protocol": "NFS", "size": 5}),
        ]
    )
    assert demand.peak == {"load_balancers": 1, "shares": 1, "share_gigabytes": 5}
    live = provider.live_limits()
    assert live.usage["load_balancers"] >= 1
    assert "shares" in live.limits and "share_gigabytes" in live.usage
    assert "clusters" not in live.limits  # Magnum is not asked: the plan has no cluster
    lb_types["OS::Octavia::LoadBalancer"].delete(ident("lb"), lb.physical_id, {})
