"""Contract tests for the Neutron types: create, update in place, replace, delete, drift."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.providers.base import ResourceIdentity

pytestmark = pytest.mark.timeout(120)


def identity_tags(identity: ResourceIdentity) -> set[str]:
    return {
        f"atonix:workspace={identity.workspace}",
        f"atonix:environment={identity.environment}",
        f"atonix:stack={identity.stack}",
        f"atonix:address={identity.address}",
    }


def test_net_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    net_type = cloud.provider().resource_types()["OS::Neutron::Net"]
    sdk = cloud.sdk()
    who = ident("app.net")
    props = {"name": f"net-{unique}", "tags": ["team-a"]}

    created = net_type.create(who, props)
    live = sdk.network.get_network(created.physical_id)
    assert live.name == f"net-{unique}"
    assert set(live.tags) == identity_tags(who) | {"team-a"}
    assert created.attributes["name"] == f"net-{unique}"
    assert created.attributes["subnets"] == []

    # In place: the id stays, the name changes.
    new = {"name": f"net-{unique}-b", "tags": ["team-b"]}
    assert net_type.schema.updatable("name")
    updated = net_type.update(who, created.physical_id, props, new, frozenset({"name", "tags"}))
    assert updated.physical_id == created.physical_id
    live = sdk.network.get_network(created.physical_id)
    assert live.name == f"net-{unique}-b"
    assert set(live.tags) == identity_tags(who) | {"team-b"}

    # No drift: read reports what the template said.
    read = net_type.read(who, created.physical_id, new)
    assert read is not None and read.properties == new

    # Drift: renamed behind our back.
    sdk.network.update_network(created.physical_id, name="renamed-by-hand")
    drifted = net_type.read(who, created.physical_id, new)
    assert drifted is not None and drifted.properties is not None
    assert drifted.properties["name"] == "renamed-by-hand"

    net_type.delete(who, created.physical_id, new)
    assert sdk.network.find_network(created.physical_id) is None
    assert net_type.read(who, created.physical_id, new) is None
    net_type.delete(who, created.physical_id, new)  # already gone: success


@pytest.fixture
def network(cloud: Any, ident: Any, unique: str) -> Any:
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"net-{unique}"})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"),
        {"name": f"sub-{unique}", "network": f"net-{unique}", "cidr": "10.20.0.0/24"},
    )
    yield net, subnet
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def test_subnet_update_and_replace_rule(cloud: Any, ident: Any, network: Any) -> None:
    subnet_type = cloud.provider().resource_types()["OS::Neutron::Subnet"]
    net, subnet = network
    sdk = cloud.sdk()
    live = sdk.network.get_subnet(subnet.physical_id)
    assert live.network_id == net.physical_id  # named by name, resolved to the id
    assert "atonix:address=subnet" in live.tags
    assert subnet.attributes["cidr"] == "10.20.0.0/24"

    old = {"name": live.name, "cidr": "10.20.0.0/24", "network": net.physical_id}
    new = {**old, "name": "renamed", "dns_nameservers": ["1.1.1.1"]}
    subnet_type.update(ident("subnet"), subnet.physical_id, old, new, frozenset({"name"}))
    assert sdk.network.get_subnet(subnet.physical_id).name == "renamed"

    # Heat replaces a subnet whose cidr changes.
    assert not subnet_type.schema.updatable("cidr")
    assert subnet_type.schema.updatable("dns_nameservers")


def test_port_with_security_group_names(cloud: Any, ident: Any, network: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    net, subnet = network
    sg = types["OS::Neutron::SecurityGroup"].create(ident("sg"), {"name": f"sg-{unique}"})
    props = {
        "network": net.physical_id,
        "fixed_ips": [{"subnet": f"sub-{unique}", "ip_address": "10.20.0.10"}],
        "security_groups": [f"sg-{unique}"],
        "name": f"port-{unique}",
    }
    port = types["OS::Neutron::Port"].create(ident("port"), props)
    live = sdk.network.get_port(port.physical_id)
    assert live.security_group_ids == [sg.physical_id]
    assert port.attributes["fixed_ips"] == [
        {"subnet_id": subnet.physical_id, "ip_address": "10.20.0.10"}
    ]
    assert port.attributes["mac_address"]
    assert "atonix:address=port" in live.tags

    # Names and ids mean the same: no drift.
    read = types["OS::Neutron::Port"].read(ident("port"), port.physical_id, props)
    assert read is not None and read.properties == {
        "name": f"port-{unique}",
        "security_groups": [f"sg-{unique}"],
    }

    # Update in place: drop the security group, rename.
    new = {**props, "security_groups": [], "name": f"port-{unique}-b"}
    types["OS::Neutron::Port"].update(
        ident("port"), port.physical_id, props, new, frozenset({"security_groups", "name"})
    )
    live = sdk.network.get_port(port.physical_id)
    assert (live.security_group_ids, live.name) == ([], f"port-{unique}-b")

    # Drift: a group added by hand shows up as ids.
    sdk.network.update_port(port.physical_id, security_groups=[sg.physical_id])
    drift = types["OS::Neutron::Port"].read(ident("port"), port.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert drift.properties["security_groups"] == [sg.physical_id]

    types["OS::Neutron::Port"].delete(ident("port"), port.physical_id, new)
    types["OS::Neutron::Port"].delete(ident("port"), port.physical_id, new)
    types["OS::Neutron::SecurityGroup"].delete(ident("sg"), sg.physical_id, {})
    assert sdk.network.find_port(port.physical_id) is None


def test_router_gateway_interface_and_floating_ip(
    cloud: Any, ident: Any, network: Any, unique: str
) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    net, subnet = network
    public = sdk.network.find_network(cloud.public_network)
    router_props = {
        "name": f"router-{unique}",
        "external_gateway_info": {"network": cloud.public_network},
    }
    router = types["OS::Neutron::Router"].create(ident("router"), router_props)
    live = sdk.network.get_router(router.physical_id)
    assert live.external_gateway_info["network_id"] == public.id
    assert "atonix:address=router" in live.tags

    iface_props = {"router": router.physical_id, "subnet": subnet.physical_id}
    iface = types["OS::Neutron::RouterInterface"].create(ident("iface"), iface_props)
    assert iface.attributes["show"]["subnet_id"] == subnet.physical_id
    assert types["OS::Neutron::RouterInterface"].read(
        ident("iface"), iface.physical_id, iface_props
    )
    assert not types["OS::Neutron::RouterInterface"].schema.has_handle_update

    port = types["OS::Neutron::Port"].create(ident("port"), {"network": net.physical_id})
    fip_props = {"floating_network": cloud.public_network}
    fip = types["OS::Neutron::FloatingIP"].create(ident("fip"), fip_props)
    assert fip.attributes["floating_ip_address"]
    assert fip.attributes["floating_network_id"] == public.id
    assert fip.attributes["port_id"] is None

    # Associate in place (FloatingIP.port_id is update_allowed) ...
    new_fip = {**fip_props, "port_id": port.physical_id}
    updated = types["OS::Neutron::FloatingIP"].update(
        ident("fip"), fip.physical_id, fip_props, new_fip, frozenset({"port_id"})
    )
    assert updated.attributes["port_id"] == port.physical_id
    assert updated.attributes["fixed_ip_address"]

    # ... drift when disassociated by hand.
    sdk.network.update_ip(fip.physical_id, port_id=None)
    drift = types["OS::Neutron::FloatingIP"].read(ident("fip"), fip.physical_id, new_fip)
    assert drift is not None and drift.properties == {"port_id": None}

    # The association type binds and unbinds the same floating IP.
    assoc_type = types["OS::Neutron::FloatingIPAssociation"]
    assoc_props = {"floatingip_id": fip.physical_id, "port_id": port.physical_id}
    assoc = assoc_type.create(ident("assoc"), assoc_props)
    assert sdk.network.get_ip(fip.physical_id).port_id == port.physical_id
    assert assoc_type.read(ident("assoc"), assoc.physical_id, assoc_props) is not None
    assoc_type.delete(ident("assoc"), assoc.physical_id, assoc_props)
    assert sdk.network.get_ip(fip.physical_id).port_id is None
    assert assoc_type.read(ident("assoc"), assoc.physical_id, assoc_props) is None

    # Router rename in place, then tear everything down (each delete twice: idempotent).
    renamed = {**router_props, "name": f"router-{unique}-b"}
    types["OS::Neutron::Router"].update(
        ident("router"), router.physical_id, router_props, renamed, frozenset({"name"})
    )
    assert sdk.network.get_router(router.physical_id).name == f"router-{unique}-b"
    no_drift = types["OS::Neutron::Router"].read(ident("router"), router.physical_id, renamed)
    assert no_drift is not None and no_drift.properties == renamed

    for type_name, result in (
        ("OS::Neutron::FloatingIP", fip),
        ("OS::Neutron::Port", port),
        ("OS::Neutron::RouterInterface", iface),
        ("OS::Neutron::Router", router),
    ):
        types[type_name].delete(ident("x"), result.physical_id, {})
        types[type_name].delete(ident("x"), result.physical_id, {})
    assert sdk.network.find_router(router.physical_id) is None
    assert types["OS::Neutron::RouterInterface"].read(ident("iface"), iface.physical_id, {}) is None


HTTP = {
    "protocol": "tcp",
    "port_range_min": 80,
    "port_range_max": 80,
    "remote_ip_prefix": "0.0.0.0/0",
}
SSH = {
    "protocol": "tcp",
    "port_range_min": 22,
    "port_range_max": 22,
    "remote_ip_prefix": "10.0.0.0/8",
}


def _rule_ports(sdk: Any, group_id: str) -> set[tuple[str, Any]]:
    return {
        (r.direction, r.port_range_min)
        for r in sdk.network.security_group_rules(security_group_id=group_id)
    }


def test_security_group_rules_reconciled_in_place(cloud: Any, ident: Any, unique: str) -> None:
    sg_type = cloud.provider().resource_types()["OS::Neutron::SecurityGroup"]
    sdk = cloud.sdk()
    props = {"name": f"sg-{unique}", "description": "web", "rules": [HTTP]}
    sg = sg_type.create(ident("sg"), props)
    live = sdk.network.get_security_group(sg.physical_id)
    assert "atonix:address=sg" in live.tags
    # Default egress rules stay when the template declares no egress rule.
    assert _rule_ports(sdk, sg.physical_id) == {("ingress", 80), ("egress", None)}

    read = sg_type.read(ident("sg"), sg.physical_id, props)
    assert read is not None and read.properties == props

    new = {**props, "description": "web and ssh", "rules": [HTTP, SSH]}
    sg_type.update(ident("sg"), sg.physical_id, props, new, frozenset({"rules", "description"}))
    assert _rule_ports(sdk, sg.physical_id) == {("ingress", 80), ("ingress", 22), ("egress", None)}
    assert sdk.network.get_security_group(sg.physical_id).description == "web and ssh"

    # Drift: a rule added by hand.
    sdk.network.create_security_group_rule(
        security_group_id=sg.physical_id,
        direction="ingress",
        protocol="tcp",
        port_range_min=3306,
        port_range_max=3306,
    )
    drift = sg_type.read(ident("sg"), sg.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert {r.get("port_range_min") for r in drift.properties["rules"]} == {80, 22, 3306}

    # Declaring an egress rule removes the defaults, as Heat does.
    egress = {
        "direction": "egress",
        "protocol": "tcp",
        "port_range_min": 443,
        "port_range_max": 443,
    }
    final = {**new, "rules": [HTTP, egress]}
    sg_type.update(ident("sg"), sg.physical_id, new, final, frozenset({"rules"}))
    assert _rule_ports(sdk, sg.physical_id) == {("ingress", 80), ("egress", 443)}

    sg_type.delete(ident("sg"), sg.physical_id, final)
    sg_type.delete(ident("sg"), sg.physical_id, final)
    assert sdk.network.find_security_group(sg.physical_id) is None


def test_security_group_rule_resource(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    sg = types["OS::Neutron::SecurityGroup"].create(ident("sg"), {"name": f"sg-{unique}"})
    rule_type = types["OS::Neutron::SecurityGroupRule"]
    props = {"security_group": f"sg-{unique}", "port_range_min": 8080, "port_range_max": 8080}
    rule = rule_type.create(ident("rule"), props)
    live = sdk.network.get_security_group_rule(rule.physical_id)
    assert (live.protocol, live.direction, live.ether_type) == ("tcp", "ingress", "IPv4")
    assert live.security_group_id == sg.physical_id
    # Neutron cannot update a rule: any change replaces it.
    assert not rule_type.schema.has_handle_update
    assert not rule_type.schema.updatable("port_range_min")
    sdk.network.delete_security_group_rule(rule.physical_id)
    assert rule_type.read(ident("rule"), rule.physical_id, props) is None
    rule_type.delete(ident("rule"), rule.physical_id, props)  # gone already: fine
    types["OS::Neutron::SecurityGroup"].delete(ident("sg"), sg.physical_id, {})
