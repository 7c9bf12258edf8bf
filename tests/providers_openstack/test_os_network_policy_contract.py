"""Contract tests for Neutron's address scopes, subnet pools, provider networks, QoS policies
and rules, and RBAC policies."""

from __future__ import annotations

from typing import Any

import pytest
from _services import require_extension

pytestmark = pytest.mark.timeout(120)


def test_address_scope_and_subnet_pool(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    scope_props = {"name": f"scope-{unique}", "ip_version": 4}
    scope = types["OS::Neutron::AddressScope"].create(ident("scope"), scope_props)
    pool_type = types["OS::Neutron::SubnetPool"]
    pool_props = {
        "name": f"pool-{unique}",
        "prefixes": ["10.90.0.0/16"],
        "default_prefixlen": 24,
        "address_scope": f"scope-{unique}",
        "tags": ["team-a"],
    }
    pool = pool_type.create(ident("pool"), pool_props)
    live = sdk.network.get_subnet_pool(pool.physical_id)
    assert live.address_scope_id == scope.physical_id
    assert "team-a" in live.tags and "atonix:address=pool" in live.tags
    read = pool_type.read(ident("pool"), pool.physical_id, pool_props)
    assert read is not None and read.properties == pool_props

    wider = {**pool_props, "prefixes": ["10.90.0.0/16", "10.91.0.0/16"], "default_prefixlen": 26}
    pool_type.update(
        ident("pool"),
        pool.physical_id,
        pool_props,
        wider,
        frozenset({"prefixes", "default_prefixlen"}),
    )
    # Neutron stores the prefixes merged: the two adjacent /16s read back as one /15, and
    # the refresh sees no drift in that.
    assert sdk.network.get_subnet_pool(pool.physical_id).prefixes == ["10.90.0.0/15"]
    read = pool_type.read(ident("pool"), pool.physical_id, wider)
    assert read is not None and read.properties == wider
    assert types["OS::Neutron::AddressScope"].read(ident("scope"), scope.physical_id, scope_props)
    pool_type.delete(ident("pool"), pool.physical_id, wider)
    types["OS::Neutron::AddressScope"].delete(ident("scope"), scope.physical_id, scope_props)
    assert types["OS::Neutron::AddressScope"].read(ident("scope"), scope.physical_id, {}) is None


def test_provider_network(cloud: Any, ident: Any, unique: str) -> None:
    cloud.require_sim()  # a real cloud's physical networks are its own
    net_type = cloud.provider().resource_types()["OS::Neutron::ProviderNet"]
    props = {
        "name": f"vlan-{unique}",
        "network_type": "vlan",
        "physical_network": "physnet1",
        "segmentation_id": "101",
    }
    net = net_type.create(ident("net"), props)
    live = cloud.sdk().network.get_network(net.physical_id)
    assert (live.provider_network_type, live.provider_segmentation_id) == ("vlan", 101)
    read = net_type.read(ident("net"), net.physical_id, props)
    assert read is not None and read.properties == props
    moved = {**props, "segmentation_id": "102"}
    net_type.update(ident("net"), net.physical_id, props, moved, frozenset({"segmentation_id"}))
    assert cloud.sdk().network.get_network(net.physical_id).provider_segmentation_id == 102
    net_type.delete(ident("net"), net.physical_id, moved)


def test_qos_policy_and_rules(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "qos")
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    policy = types["OS::Neutron::QoSPolicy"].create(ident("qos"), {"name": f"qos-{unique}"})
    limit_type = types["OS::Neutron::QoSBandwidthLimitRule"]
    limit_props = {"policy": f"qos-{unique}", "max_kbps": 1000, "max_burst_kbps": 100}
    limit = limit_type.create(ident("limit"), limit_props)
    dscp = types["OS::Neutron::QoSDscpMarkingRule"].create(
        ident("dscp"), {"policy": policy.physical_id, "dscp_mark": 26}
    )
    rules = sdk.network.get_qos_policy(policy.physical_id).rules
    assert {r["type"] for r in rules} == {"bandwidth_limit", "dscp_marking"}
    read = limit_type.read(ident("limit"), limit.physical_id, limit_props)
    assert read is not None and read.properties == limit_props

    faster = {**limit_props, "max_kbps": 5000}
    limit_type.update(
        ident("limit"), limit.physical_id, limit_props, faster, frozenset({"max_kbps"})
    )
    drift = limit_type.read(ident("limit"), limit.physical_id, limit_props)
    assert drift is not None and drift.properties == faster

    limit_type.delete(ident("limit"), limit.physical_id, faster)
    assert limit_type.read(ident("limit"), limit.physical_id, faster) is None
    types["OS::Neutron::QoSDscpMarkingRule"].delete(
        ident("dscp"), dscp.physical_id, {"policy": policy.physical_id}
    )
    types["OS::Neutron::QoSPolicy"].delete(ident("qos"), policy.physical_id, {})
    # A rule whose policy is already gone is gone too.
    limit_type.delete(ident("limit"), limit.physical_id, faster)


def test_rbac_policy_shares_a_network(cloud: Any, ident: Any) -> None:
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    # A member may not list projects: the other project's id comes from its own token.
    other = cloud.sdk(cloud.projects[1]).current_project_id
    props = {
        "object_type": "network",
        "object_id": net.physical_id,
        "action": "access_as_shared",
        "target_tenant": other,
    }
    rbac_type = types["OS::Neutron::RBACPolicy"]
    policy = rbac_type.create(ident("rbac"), props)
    read = rbac_type.read(ident("rbac"), policy.physical_id, props)
    assert read is not None and read.properties == props
    rbac_type.delete(ident("rbac"), policy.physical_id, props)
    assert rbac_type.read(ident("rbac"), policy.physical_id, props) is None


def test_boolean_flags_read_back_without_drift(cloud: Any, ident: Any) -> None:
    """The SDK names ``admin_state_up`` ``is_admin_state_up`` (``enable_dhcp``:
    ``is_dhcp_enabled``): a refresh reads them by their API names, not as None."""
    types = cloud.provider().resource_types()
    net_props = {"admin_state_up": True, "shared": False, "port_security_enabled": True}
    net = types["OS::Neutron::Net"].create(ident("net"), net_props)
    read = types["OS::Neutron::Net"].read(ident("net"), net.physical_id, net_props)
    assert read is not None and read.properties == net_props
    subnet_props = {"network": net.physical_id, "cidr": "10.92.0.0/24", "enable_dhcp": False}
    subnet = types["OS::Neutron::Subnet"].create(ident("subnet"), subnet_props)
    read = types["OS::Neutron::Subnet"].read(ident("subnet"), subnet.physical_id, subnet_props)
    assert read is not None and read.properties is not None
    assert read.properties["enable_dhcp"] is False


def test_trunk_with_subports(cloud: Any, ident: Any) -> None:
    require_extension(cloud, "trunk")
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.93.0.0/24"}
    )
    ports = [
        types["OS::Neutron::Port"].create(ident(f"port{i}"), {"network": net.physical_id})
        for i in range(3)
    ]
    trunk_type = types["OS::Neutron::Trunk"]
    props = {
        "port": ports[0].physical_id,
        "sub_ports": [
            {"port": ports[1].physical_id, "segmentation_type": "vlan", "segmentation_id": 101}
        ],
    }
    trunk = trunk_type.create(ident("trunk"), props)
    assert trunk.attributes["port_id"] == ports[0].physical_id
    read = trunk_type.read(ident("trunk"), trunk.physical_id, props)
    assert read is not None and read.properties == props

    swapped = {
        **props,
        "sub_ports": [
            {"port": ports[2].physical_id, "segmentation_type": "vlan", "segmentation_id": 102}
        ],
    }
    trunk_type.update(ident("trunk"), trunk.physical_id, props, swapped, frozenset({"sub_ports"}))
    live = sdk.network.get_trunk(trunk.physical_id).sub_ports
    assert [(s["port_id"], s["segmentation_id"]) for s in live] == [(ports[2].physical_id, 102)]
    trunk_type.delete(ident("trunk"), trunk.physical_id, swapped)
    assert trunk_type.read(ident("trunk"), trunk.physical_id, swapped) is None


def test_segment(cloud: Any, ident: Any, unique: str) -> None:
    cloud.require_sim()  # segments need the segments extension and an admin
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    segment_type = types["OS::Neutron::Segment"]
    props = {
        "name": f"seg-{unique}",
        "network": net.physical_id,
        "network_type": "vlan",
        "physical_network": "physnet1",
        "segmentation_id": 201,
    }
    segment = segment_type.create(ident("segment"), props)
    read = segment_type.read(ident("segment"), segment.physical_id, props)
    assert read is not None and read.properties == props
    renamed = {**props, "name": f"seg-{unique}-b"}
    segment_type.update(ident("segment"), segment.physical_id, props, renamed, frozenset({"name"}))
    assert cloud.sdk().network.get_segment(segment.physical_id).name == f"seg-{unique}-b"
    segment_type.delete(ident("segment"), segment.physical_id, renamed)
    assert segment_type.read(ident("segment"), segment.physical_id, renamed) is None


def test_qos_minimum_packet_rate_rule(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "qos-pps-minimum")
    types = cloud.provider().resource_types()
    policy = types["OS::Neutron::QoSPolicy"].create(ident("qos"), {"name": f"pps-{unique}"})
    rule_type = types["OS::Neutron::QoSMinimumPacketRateRule"]
    props = {"policy": f"pps-{unique}", "min_kpps": 1000, "direction": "egress"}
    rule = rule_type.create(ident("pps"), props)
    rules = cloud.sdk().network.get_qos_policy(policy.physical_id).rules
    assert [(r["type"], r["min_kpps"]) for r in rules] == [("minimum_packet_rate", 1000)]
    read = rule_type.read(ident("pps"), rule.physical_id, props)
    assert read is not None and read.properties == props
    faster = {**props, "min_kpps": 2000}
    rule_type.update(ident("pps"), rule.physical_id, props, faster, frozenset({"min_kpps"}))
    read = rule_type.read(ident("pps"), rule.physical_id, props)
    assert read is not None and read.properties == faster
    rule_type.delete(ident("pps"), rule.physical_id, faster)
    rule_type.delete(ident("pps"), rule.physical_id, faster)
    assert rule_type.read(ident("pps"), rule.physical_id, faster) is None
    types["OS::Neutron::QoSPolicy"].delete(ident("qos"), policy.physical_id, {})
