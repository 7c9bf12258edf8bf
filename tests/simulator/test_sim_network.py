"""Neutron through openstacksdk: networks, subnets, routers, security groups, ports, FIPs."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import SimulatorServer


def test_network_subnet_and_find(conn: Connection) -> None:
    net = conn.network.create_network(name="app-net")
    conn.network.set_tags(net, ["stack:a"])
    subnet = conn.network.create_subnet(
        network_id=net.id,
        ip_version=4,
        cidr="192.168.10.0/24",
        name="app-subnet",
        dns_nameservers=["8.8.8.8"],
    )
    assert subnet.gateway_ip == "192.168.10.1"
    assert subnet.allocation_pools == [{"start": "192.168.10.2", "end": "192.168.10.254"}]
    assert conn.network.find_network("app-net").subnet_ids == [subnet.id]
    assert conn.network.find_subnet("app-subnet").cidr == "192.168.10.0/24"
    assert conn.network.find_network("missing") is None
    with pytest.raises(openstack.exceptions.ResourceNotFound) as err:
        conn.network.get_network("00000000-0000-0000-0000-000000000000")
    assert "could not be found" in str(err.value.details)
    with pytest.raises(openstack.exceptions.BadRequestException) as bad:
        conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="192.168.10.128/25")
    assert "overlaps with another subnet" in str(bad.value.details)
    with pytest.raises(openstack.exceptions.BadRequestException):
        conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.9.9.1/24")
    updated = conn.network.update_network(net, name="app-net-2")
    assert (updated.name, updated.revision_number) == ("app-net-2", 3)  # tagging was one revision
    conn.network.delete_network(net)
    assert conn.network.find_subnet(subnet.id) is None  # subnets go with their network


def test_public_network_is_external_and_shared(conn: Connection) -> None:
    public = conn.network.find_network("public")
    assert public.is_router_external and public.is_shared
    assert [n.name for n in conn.network.networks(is_router_external=True)] == ["public"]
    assert [n.name for n in conn.network.networks(is_router_external=False)] == []


def test_router_gateway_and_interfaces(conn: Connection, network_setup: dict[str, Any]) -> None:
    router = conn.network.get_router(network_setup["router"].id)
    gateway = router.external_gateway_info
    assert gateway["network_id"] == network_setup["public"].id
    assert gateway["external_fixed_ips"][0]["ip_address"].startswith("172.24.")
    ports = list(conn.network.ports(device_id=router.id))
    assert [p.device_owner for p in ports] == ["network:router_interface"]
    assert ports[0].fixed_ips[0]["ip_address"] == "10.0.0.1"
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        conn.network.delete_router(router)
    assert "still has ports" in str(err.value.details)
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.network.delete_subnet(network_setup["subnet"])
    conn.network.remove_interface_from_router(router, subnet_id=network_setup["subnet"].id)
    assert list(conn.network.ports(device_id=router.id)) == []
    conn.network.update_router(router, external_gateway_info={})
    assert conn.network.get_router(router.id).external_gateway_info is None
    conn.network.delete_router(router)
    conn.network.delete_subnet(network_setup["subnet"])


def test_default_security_group_and_rules(conn: Connection, connect: Any) -> None:
    groups = list(conn.network.security_groups())
    assert [g.name for g in groups] == ["default"]
    default_rules = {
        (r["direction"], r["ethertype"], r["remote_group_id"] is not None)
        for r in groups[0].security_group_rules
    }
    assert default_rules == {
        ("egress", "IPv4", False),
        ("egress", "IPv6", False),
        ("ingress", "IPv4", True),
        ("ingress", "IPv6", True),
    }
    web = conn.network.create_security_group(name="web", description="http")
    assert len(web.security_group_rules) == 2  # egress v4 + v6, as Neutron adds
    rule = conn.network.create_security_group_rule(
        security_group_id=web.id,
        direction="ingress",
        protocol="tcp",
        port_range_min=80,
        port_range_max=80,
        remote_ip_prefix="0.0.0.0/0",
        ether_type="IPv4",
    )
    assert (rule.port_range_min, rule.protocol) == (80, "tcp")
    with pytest.raises(openstack.exceptions.ConflictException) as dup:
        conn.network.create_security_group_rule(
            security_group_id=web.id,
            direction="ingress",
            protocol="tcp",
            port_range_min=80,
            port_range_max=80,
            remote_ip_prefix="0.0.0.0/0",
            ether_type="IPv4",
        )
    assert "already exists" in str(dup.value.details)
    with pytest.raises(openstack.exceptions.BadRequestException):
        conn.network.create_security_group_rule(
            security_group_id=web.id,
            direction="ingress",
            protocol="tcp",
            port_range_min=90,
            port_range_max=80,
        )
    assert len(conn.network.get_security_group(web.id).security_group_rules) == 3
    conn.network.delete_security_group_rule(rule)
    assert conn.network.find_security_group("web").id == web.id
    member = connect("demo", username="demo-user", password="password")
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        member.network.delete_security_group(groups[0])  # admins may, members may not
    assert "default security group" in str(err.value.details)
    conn.network.delete_security_group(web)
    assert [g.name for g in conn.network.security_groups()] == ["default"]


def test_ports_allocate_addresses(conn: Connection) -> None:
    net = conn.network.create_network(name="n")
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.5.0.0/29")
    web = conn.network.create_security_group(name="web")
    first = conn.network.create_port(network_id=net.id, name="p1", security_group_ids=[web.id])
    assert first.fixed_ips == [{"subnet_id": subnet.id, "ip_address": "10.5.0.2"}]
    assert first.security_group_ids == [web.id]
    assert first.mac_address.startswith("fa:16:3e:")
    fixed = conn.network.create_port(
        network_id=net.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.5.0.6"}]
    )
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.network.create_port(network_id=net.id, fixed_ips=[{"ip_address": "10.5.0.6"}])
    found = list(conn.network.ports(fixed_ips=["ip_address=10.5.0.6"]))
    assert [p.id for p in found] == [fixed.id]
    for _ in range(3):  # .3 .4 .5 are left in the /29 pool
        conn.network.create_port(network_id=net.id)
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        conn.network.create_port(network_id=net.id)
    assert "No more IP addresses available" in str(err.value.details)
    with pytest.raises(openstack.exceptions.ConflictException) as busy:
        conn.network.delete_network(net)
    assert "ports still in use" in str(busy.value.details)


def test_floating_ip_association(conn: Connection, network_setup: dict[str, Any]) -> None:
    port = conn.network.create_port(network_id=network_setup["net"].id)
    fip = conn.network.create_ip(floating_network_id=network_setup["public"].id)
    assert fip.status == "DOWN" and fip.port_id is None
    assert conn.network.find_ip(fip.floating_ip_address).id == fip.id
    conn.network.update_ip(fip, port_id=port.id)
    associated = conn.network.get_ip(fip.id)
    assert associated.port_id == port.id
    assert associated.fixed_ip_address == port.fixed_ips[0]["ip_address"]
    assert associated.router_id == network_setup["router"].id
    assert associated.status == "ACTIVE"
    conn.network.update_ip(fip, port_id=None)
    released = conn.network.get_ip(fip.id)
    assert (released.port_id, released.fixed_ip_address, released.status) == (None, None, "DOWN")
    conn.network.delete_ip(fip)
    assert conn.network.find_ip(fip.floating_ip_address) is None


def test_floating_ip_needs_router_to_subnet(conn: Connection) -> None:
    public = conn.network.find_network("public")
    net = conn.network.create_network(name="isolated")
    conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.7.0.0/24")
    port = conn.network.create_port(network_id=net.id)
    with pytest.raises(openstack.exceptions.ResourceNotFound) as err:
        conn.network.create_ip(floating_network_id=public.id, port_id=port.id)
    assert "is not reachable from subnet" in str(err.value.details)
    assert list(conn.network.ips()) == []  # the failed create left nothing behind


def test_tags(conn: Connection) -> None:
    net = conn.network.create_network(name="tagged")
    conn.network.create_network(name="plain")
    conn.network.set_tags(net, ["atonix", "stack=a"])
    assert conn.network.get_network(net.id).tags == ["atonix", "stack=a"]
    assert [n.name for n in conn.network.networks(tags="atonix")] == ["tagged"]
    assert [n.name for n in conn.network.networks(not_tags="atonix", is_router_external=False)] == [
        "plain"
    ]
    conn.network.set_tags(net, [])
    assert conn.network.get_network(net.id).tags == []


def test_network_quota_is_neutron_409(sim: SimulatorServer, conn: Connection) -> None:
    conn.network.update_quota(conn.current_project_id, networks=1)
    conn.network.create_network(name="one")
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        conn.network.create_network(name="two")
    assert err.value.details == "Quota exceeded for resources: ['network']."
    details = conn.network.get_quota(conn.current_project_id, details=True)
    assert details.networks == {"limit": 1, "used": 1, "reserved": 0}


def test_floatingip_quota(conn: Connection) -> None:
    public = conn.network.find_network("public")
    conn.network.update_quota(conn.current_project_id, floating_ips=1)
    conn.network.create_ip(floating_network_id=public.id)
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        conn.network.create_ip(floating_network_id=public.id)
    assert "['floatingip']" in str(err.value.details)


def test_subnet_from_pool(conn: Connection) -> None:
    pool = conn.network.create_subnet_pool(
        name="pool", prefixes=["10.200.0.0/16"], default_prefixlen=24
    )
    assert conn.network.find_subnet_pool("pool").id == pool.id
    assert conn.network.find_subnet_pool("nope") is None
    net = conn.network.create_network(name="pooled")
    first = conn.network.create_subnet(network_id=net.id, ip_version=4, subnetpool_id=pool.id)
    second = conn.network.create_subnet(
        network_id=net.id, ip_version=4, subnetpool_id=pool.id, prefixlen=26
    )
    assert (first.cidr, second.cidr) == ("10.200.0.0/24", "10.200.1.0/26")
    assert first.subnet_pool_id == pool.id
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.network.delete_subnet_pool(pool)
