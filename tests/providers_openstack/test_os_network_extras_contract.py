"""Contract tests for floating IP port forwardings and extra route sets: create, read without
drift, update in place, find an interrupted create, delete twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceResult
from tests.providers_openstack._services import require_extension

pytestmark = pytest.mark.timeout(120)


def _routed_subnet(cloud: Any, ident: Any, cidr: str) -> tuple[Any, str, str]:
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": cidr}
    )
    router = types["OS::Neutron::Router"].create(
        ident("router"), {"external_gateway_info": {"network": cloud.public_network}}
    )
    types["OS::Neutron::RouterInterface"].create(
        ident("iface"), {"router": router.physical_id, "subnet": subnet.physical_id}
    )
    return net, subnet.physical_id, router.physical_id


def test_floating_ip_port_forward(cloud: Any, ident: Any) -> None:
    require_extension(cloud, "floating-ip-port-forwarding")
    types = cloud.provider().resource_types()
    net, _subnet, _router = _routed_subnet(cloud, ident, "10.97.0.0/24")
    port = types["OS::Neutron::Port"].create(ident("port"), {"network": net.physical_id})
    address = cloud.sdk().network.get_port(port.physical_id).fixed_ips[0]["ip_address"]
    fip = types["OS::Neutron::FloatingIP"].create(
        ident("fip"), {"floating_network": cloud.public_network}
    )
    fip_address = cloud.sdk().network.get_ip(fip.physical_id).floating_ip_address

    pf_type = types["OS::Neutron::FloatingIPPortForward"]
    props = {
        "floating_ip": fip_address,  # by address, as an operator writes it
        "internal_port": port.physical_id,
        "internal_ip_address": address,
        "internal_port_number": 22,
        "external_port": 2222,
        "protocol": "tcp",
    }
    since = datetime.now(UTC)
    started = pf_type.start_create(ident("ssh"), props)
    # Killed before state recorded it: found again by external port and protocol.
    assert pf_type.find_created(ident("ssh"), props, since, frozenset()) == started.physical_id
    assert pf_type.find_created(ident("ssh"), props, since, {started.physical_id}) is None
    done = pf_type.finish_create(ident("ssh"), ResourceResult(started.physical_id), props)
    assert done.attributes["show"]["external_port"] == 2222
    read = pf_type.read(ident("ssh"), done.physical_id, props)
    assert read is not None and read.properties == props

    # The same external port twice is refused by Neutron.
    with pytest.raises(ProviderError, match="duplicate"):
        pf_type.create(ident("ssh2"), props)

    moved = {**props, "external_port": 2200}
    pf_type.update(ident("ssh"), done.physical_id, props, moved, frozenset({"external_port"}))
    live = cloud.sdk().network.get_port_forwarding(done.physical_id, fip.physical_id)
    assert (live.external_port, live.internal_port) == (2200, 22)
    pf_type.delete(ident("ssh"), done.physical_id, moved)
    pf_type.delete(ident("ssh"), done.physical_id, moved)
    assert pf_type.read(ident("ssh"), done.physical_id, moved) is None
    # A floating IP that names nothing is caught at plan time.
    assert [d.message for d in pf_type.check({**props, "floating_ip": "203.0.113.254"})] == [
        "floating IP `203.0.113.254` not found"
    ]


def test_extra_route_set(cloud: Any, ident: Any) -> None:
    require_extension(cloud, "extraroute-atomic")
    types = cloud.provider().resource_types()
    _net, _subnet, router_id = _routed_subnet(cloud, ident, "10.98.0.0/24")
    set_type = types["OS::Neutron::ExtraRouteSet"]
    props = {
        "router": router_id,
        "routes": [
            {"destination": "192.168.10.0/24", "nexthop": "10.98.0.10"},
            {"destination": "192.168.11.0/24", "nexthop": "10.98.0.11"},
        ],
    }
    routes = set_type.create(ident("routes"), props)
    assert routes.physical_id == router_id
    live = cloud.sdk().network.get_router(router_id).routes
    assert sorted(r["destination"] for r in live) == ["192.168.10.0/24", "192.168.11.0/24"]
    read = set_type.read(ident("routes"), router_id, props)
    assert read is not None and read.properties == props
    assert set_type.find_created(ident("routes"), props, None, frozenset()) == router_id

    # Another set may not take routes this one holds.
    with pytest.raises(ProviderError, match="already has the routes"):
        set_type.create(ident("again"), {"router": router_id, "routes": props["routes"][:1]})

    changed = {
        **props,
        "routes": [
            props["routes"][0],
            {"destination": "192.168.12.0/24", "nexthop": "10.98.0.12"},
        ],
    }
    set_type.update(ident("routes"), router_id, props, changed, frozenset({"routes"}))
    live = cloud.sdk().network.get_router(router_id).routes
    assert sorted(r["destination"] for r in live) == ["192.168.10.0/24", "192.168.12.0/24"]
    # A route removed behind our back is drift.
    cloud.sdk().network.remove_extra_routes_from_router(
        router_id, {"router": {"routes": [changed["routes"][1]]}}
    )
    drift = set_type.read(ident("routes"), router_id, changed)
    assert drift is not None and drift.properties is not None
    assert drift.properties["routes"] == [changed["routes"][0]]

    set_type.delete(ident("routes"), router_id, changed)
    set_type.delete(ident("routes"), router_id, changed)
    assert cloud.sdk().network.get_router(router_id).routes == []


def test_extra_route_next_hop_must_be_attached(cloud: Any, ident: Any) -> None:
    require_extension(cloud, "extraroute-atomic")
    types = cloud.provider().resource_types()
    _net, _subnet, router_id = _routed_subnet(cloud, ident, "10.99.0.0/24")
    props = {"router": router_id, "routes": [{"destination": "0.0.0.0/0", "nexthop": "1.2.3.4"}]}
    with pytest.raises(ProviderError, match="nexthop is not connected"):
        types["OS::Neutron::ExtraRouteSet"].create(ident("routes"), props)


def test_tap_service_and_flow(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "taas")
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.84.0.0/24"}
    )
    monitor = types["OS::Neutron::Port"].create(
        ident("monitor"), {"network": net.physical_id, "name": f"monitor-{unique}"}
    )
    assert monitor.physical_id
    source = types["OS::Neutron::Port"].create(ident("source"), {"network": net.physical_id})

    service_type = types["OS::Neutron::TaaS::TapService"]
    service_props = {"name": f"tap-{unique}", "port": f"monitor-{unique}"}
    since = datetime.now(UTC)
    started = service_type.start_create(ident("tap"), service_props)
    assert service_type.find_created(ident("tap"), service_props, since, frozenset()) == (
        started.physical_id
    )
    service = service_type.finish_create(
        ident("tap"), ResourceResult(started.physical_id), service_props
    )
    read = service_type.read(ident("tap"), service.physical_id, service_props)
    assert read is not None and read.properties == service_props
    with pytest.raises(ProviderError, match="already used by a tap service"):
        service_type.create(ident("tap2"), {**service_props, "name": f"tap2-{unique}"})

    flow_type = types["OS::Neutron::TaaS::TapFlow"]
    flow_props = {
        "port": source.physical_id,
        "tap_service": service.physical_id,
        "direction": "IN",
        "vlan_filter": "10,20-30",
    }
    flow = flow_type.create(ident("flow"), flow_props)
    assert flow.attributes["show"]["direction"] == "IN"
    read = flow_type.read(ident("flow"), flow.physical_id, flow_props)
    assert read is not None and read.properties == flow_props
    described = {**flow_props, "description": "ingress mirror"}
    flow_type.update(
        ident("flow"), flow.physical_id, flow_props, described, frozenset({"description"})
    )
    assert cloud.sdk().network.get_tap_flow(flow.physical_id).description == "ingress mirror"

    # Deleting the service takes its flows with it; the flow's delete then finds it gone.
    service_type.delete(ident("tap"), service.physical_id, service_props)
    assert flow_type.read(ident("flow"), flow.physical_id, described) is None
    flow_type.delete(ident("flow"), flow.physical_id, described)
    service_type.delete(ident("tap"), service.physical_id, service_props)


def test_l2_gateway_and_connection(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "l2-gateway")
    types = cloud.provider().resource_types()
    gw_type = types["OS::Neutron::L2Gateway"]
    devices = [{"device_name": "switch1", "interfaces": [{"name": "eth1"}]}]
    gw_props = {"name": f"gw-{unique}", "devices": devices}
    since = datetime.now(UTC)
    started = gw_type.start_create(ident("gw"), gw_props)
    assert gw_type.find_created(ident("gw"), gw_props, since, frozenset()) == (started.physical_id)
    gw = gw_type.finish_create(ident("gw"), ResourceResult(started.physical_id), gw_props)
    read = gw_type.read(ident("gw"), gw.physical_id, gw_props)
    assert read is not None and read.properties == gw_props
    more = {
        **gw_props,
        "devices": [*devices, {"device_name": "switch2", "interfaces": [{"name": "eth2"}]}],
    }
    gw_type.update(ident("gw"), gw.physical_id, gw_props, more, frozenset({"devices"}))
    read = gw_type.read(ident("gw"), gw.physical_id, more)
    assert read is not None and read.properties == more

    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"l2-{unique}"})
    conn_type = types["OS::Neutron::L2GatewayConnection"]
    conn_props = {"l2_gateway_id": gw.physical_id, "network_id": f"l2-{unique}"}
    started = conn_type.start_create(ident("conn"), conn_props)
    assert conn_type.find_created(ident("conn"), conn_props, since, frozenset()) == (
        started.physical_id
    )
    conn = conn_type.finish_create(ident("conn"), ResourceResult(started.physical_id), conn_props)
    assert conn.attributes["show"]["network_id"] == net.physical_id
    read = conn_type.read(ident("conn"), conn.physical_id, conn_props)
    assert read is not None and read.properties == conn_props
    with pytest.raises(ProviderError, match="in use"):
        gw_type.delete(ident("gw"), gw.physical_id, more)
    conn_type.delete(ident("conn"), conn.physical_id, conn_props)
    conn_type.delete(ident("conn"), conn.physical_id, conn_props)
    gw_type.delete(ident("gw"), gw.physical_id, more)
    assert gw_type.read(ident("gw"), gw.physical_id, more) is None
