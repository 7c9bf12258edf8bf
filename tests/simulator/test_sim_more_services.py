"""VPNaaS, metering, port forwardings, extra routes and Trove in the simulator: the shapes and
refusals the real services answer with."""

from __future__ import annotations

import time
from typing import Any

from atonix_iac.simulator import SimulatorServer


def _routed(conn: Any, cidr: str) -> tuple[Any, Any]:
    net = conn.network.create_network(name="n")
    subnet = conn.network.create_subnet(network_id=net.id, cidr=cidr, ip_version=4)
    public = conn.network.find_network("public")
    router = conn.network.create_router(external_gateway_info={"network_id": public.id})
    conn.network.add_interface_to_router(router, subnet_id=subnet.id)
    return router, subnet


def test_vpn_objects_and_their_refusals(conn: Any) -> None:
    net = conn.network
    bare = net.create_router(name="no-gateway")
    refused = net.post("/vpn/vpnservices", json={"vpnservice": {"router_id": bare.id}})
    assert refused.status_code == 400 and "no external network gateway" in refused.text
    router, subnet = _routed(conn, "10.50.0.0/24")
    service = net.create_vpn_service(router_id=router.id, subnet_id=subnet.id)
    assert (service.status, service.external_v4_ip is not None) == ("PENDING_CREATE", True)
    ike = net.create_vpn_ike_policy(name="ike", lifetime={"value": 600})
    assert (ike.lifetime, ike.pfs) == ({"units": "seconds", "value": 600}, "group5")
    ipsec = net.create_vpn_ipsec_policy(name="ipsec")
    site = net.create_vpn_ipsec_site_connection(
        vpnservice_id=service.id,
        ikepolicy_id=ike.id,
        ipsecpolicy_id=ipsec.id,
        peer_address="172.24.4.9",
        peer_id="172.24.4.9",
        peer_cidrs=["10.9.0.0/24"],
        psk="k",
    )
    assert (site.mtu, site.initiator, site.dpd["timeout"]) == (1500, "bi-directional", 120)
    assert net.get_vpn_service(service.id).status == "ACTIVE"
    in_use = net.delete(f"/vpn/ikepolicies/{ike.id}")
    assert in_use.status_code == 409 and in_use.json()["NeutronError"]["type"] == "IKEPolicyInUse"
    net.delete_vpn_ipsec_site_connection(site)
    assert net.get_vpn_service(service.id).status == "PENDING_CREATE"
    net.delete_vpn_ike_policy(ike)
    missing = net.get(f"/vpn/ikepolicies/{ike.id}")
    assert missing.status_code == 404 and missing.json()["NeutronError"]["type"] == (
        "IKEPolicyNotFound"
    )


def test_metering_rules_overlap_and_go_with_their_label(conn: Any) -> None:
    net = conn.network
    label = net.create_metering_label(name="m")
    net.create_metering_label_rule(
        metering_label_id=label.id, remote_ip_prefix="10.0.0.0/8", direction="egress"
    )
    again = net.post(
        "/metering/metering-label-rules",
        json={
            "metering_label_rule": {
                "metering_label_id": label.id,
                "remote_ip_prefix": "10.0.0.0/8",
                "direction": "egress",
            }
        },
    )
    assert again.status_code == 409
    net.delete_metering_label(label)
    assert list(net.metering_label_rules()) == []


def test_port_forwarding_and_extra_routes(conn: Any) -> None:
    net = conn.network
    router, subnet = _routed(conn, "10.51.0.0/24")
    port = net.create_port(network_id=subnet.network_id)
    address = port.fixed_ips[0]["ip_address"]
    fip = net.create_ip(floating_network_id=net.find_network("public").id)
    pf = net.create_port_forwarding(
        floatingip_id=fip.id,
        internal_port_id=port.id,
        internal_ip_address=address,
        internal_port=22,
        external_port=2022,
        protocol="tcp",
    )
    assert [p.id for p in net.port_forwardings(fip)] == [pf.id]
    wrong_ip = net.post(
        f"/floatingips/{fip.id}/port_forwardings",
        json={
            "port_forwarding": {
                "internal_port_id": port.id,
                "internal_ip_address": "10.51.0.250",
                "internal_port": 80,
                "external_port": 8080,
                "protocol": "tcp",
            }
        },
    )
    assert wrong_ip.status_code == 400 and "does not belong to port" in wrong_ip.text
    route = {"destination": "192.168.0.0/24", "nexthop": "10.51.0.5"}
    net.add_extra_routes_to_router(router, {"router": {"routes": [route]}})
    net.add_extra_routes_to_router(router, {"router": {"routes": [route]}})  # idempotent
    assert net.get_router(router.id).routes == [route]
    net.remove_extra_routes_from_router(router, {"router": {"routes": [route]}})
    assert net.get_router(router.id).routes == []


def test_trove_instance_builds_resizes_and_shuts_down(sim: SimulatorServer, conn: Any) -> None:
    trove = conn.database
    flavor = conn.compute.find_flavor("m1.small")
    sim.set_delay(0.2, "database_instance")
    answer = trove.post(
        "/instances",
        json={"instance": {"name": "db", "flavorRef": flavor.id, "volume": {"size": 1}}},
    )
    assert answer.status_code == 200
    instance = answer.json()["instance"]
    assert (instance["status"], instance["datastore"]) == (
        "BUILD",
        {"type": "mysql", "version": "8.0"},
    )
    busy = trove.post(
        f"/instances/{instance['id']}/action", json={"resize": {"volume": {"size": 2}}}
    )
    assert busy.status_code == 422
    time.sleep(0.25)
    shown = trove.get(f"/instances/{instance['id']}").json()["instance"]
    assert shown["status"] == "ACTIVE" and shown["hostname"]
    users = trove.post(
        f"/instances/{instance['id']}/users",
        json={"users": [{"name": "u", "password": "p", "databases": [{"name": "nope"}]}]},
    )
    assert users.status_code == 404
    assert trove.delete(f"/instances/{instance['id']}").status_code == 202
    assert trove.get(f"/instances/{instance['id']}").status_code == 404
