"""Behaviour the real OpenStack (devcloud/, Nova 34, Neutron 29, Cinder 29) showed where the
simulator first disagreed. Each test names the request, the real answer and what the simulator
used to answer."""

from __future__ import annotations

import base64
from typing import Any

from openstack.connection import Connection

NOVA_2_90 = {"OpenStack-API-Version": "compute 2.90"}


def test_member_server_view_hides_admin_only_extended_attributes(
    conn: Connection, connect: Any
) -> None:
    # GET /servers/{id} as a member: real Nova omits OS-EXT-SRV-ATTR:user_data, :host,
    # :hypervisor_hostname, :instance_name ... (admin-only policy); the simulator returned them.
    member = connect("demo", username="demo-user", password="password")
    net = member.network.create_network(name="pin-net")
    member.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.5.0.0/24")
    server = member.compute.create_server(
        name="pin",
        flavor_id="1",
        image_id=member.image.find_image("cirros").id,
        networks=[{"uuid": net.id}],
        user_data=base64.b64encode(b"#cloud-config\n").decode(),
    )
    member.compute.wait_for_server(server, wait=10, interval=0.05)

    as_member = member.compute.get(f"/servers/{server.id}", headers=NOVA_2_90).json()["server"]
    as_admin = conn.compute.get(f"/servers/{server.id}", headers=NOVA_2_90).json()["server"]

    hidden = {k for k in as_admin if k not in as_member}
    assert "OS-EXT-SRV-ATTR:user_data" in hidden
    assert {"OS-EXT-SRV-ATTR:host", "OS-EXT-SRV-ATTR:hypervisor_hostname"} <= hidden
    assert "OS-EXT-SRV-ATTR:hostname" in as_member  # this one members do see (>= 2.90)
    assert member.compute.get_server(server.id).user_data is None
    assert base64.b64decode(conn.compute.get_server(server.id).user_data) == b"#cloud-config\n"


def test_tags_in_a_post_body_are_refused_or_dropped(conn: Connection) -> None:
    # POST /v2.0/networks with "tags": real Neutron 29 answers 400 "Attribute 'tags' not
    # allowed in POST"; the simulator used to store them. POST /v2.0/ports with "tags":
    # 201 and the port has no tags (only the optional ML2 extension driver
    # tag_ports_during_bulk_creation applies them); the simulator used to store them.
    from openstack import exceptions

    try:
        conn.network.create_network(name="tagged", tags=["a"])
    except exceptions.BadRequestException as exc:
        assert "Attribute 'tags' not allowed in POST" in str(exc)
    else:
        raise AssertionError("a network created with tags in the body")
    net = conn.network.create_network(name="tagged")
    conn.network.set_tags(net, ["a"])
    assert conn.network.get_network(net.id).tags == ["a"]
    port = conn.network.create_port(network_id=net.id, tags=["p"])
    assert conn.network.get_port(port.id).tags == []


def test_a_resize_no_host_can_take_returns_to_active_and_only_the_action_says_why(
    sim: Any, conn: Connection, connect: Any
) -> None:
    # POST /servers/{id}/action {"resize"} to a flavor whose required trait no host has:
    # real Nova 34 answers 202, the server goes RESIZE -> ACTIVE on its old flavor, no fault;
    # GET /servers/{id}/os-instance-actions shows action "resize" with message "Error", and
    # its event "conductor_migrate_server" has result "Error" (details for admins, 2.84). The
    # simulator resized every time, had no instance actions and no POST os-extra_specs.
    flavor = conn.compute.create_flavor(name="nohost", ram=2048, vcpus=1, disk=20)
    specs = conn.compute.create_flavor_extra_specs(flavor, {"trait:CUSTOM_NO_HOST": "required"})
    assert specs.extra_specs == {"trait:CUSTOM_NO_HOST": "required"}
    member = connect("demo", username="demo-user", password="password")
    net = member.network.create_network(name="resize-net")
    member.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.6.0.0/24")
    server = member.compute.create_server(
        name="resize-me",
        flavor_id="2",
        image_id=member.image.find_image("cirros").id,
        networks=[{"uuid": net.id}],
    )
    member.compute.wait_for_server(server, wait=10, interval=0.05)
    sim.set_lifecycle([{"kind": "resize", "outcome": "error", "count": 1}])
    sim.set_delay(2.0, "server_action")  # long enough to see RESIZE right after the POST

    member.compute.resize_server(server, flavor.id)
    resizing = member.compute.get_server(server.id)
    assert resizing.status == "RESIZE"
    member.compute.wait_for_server(resizing, status="ACTIVE", wait=10, interval=0.05)
    live = member.compute.get_server(server.id)
    assert (live.status, live.flavor["original_name"]) == ("ACTIVE", "m1.small")
    assert not live.fault

    actions = list(member.compute.server_actions(server))
    assert [a.action for a in actions] == ["resize", "create"]  # newest first
    as_member = member.compute.get_server_action(actions[0].request_id, server)
    assert as_member.message == "Error"
    assert [(e.event, e.result, e.details) for e in as_member.events] == [
        ("conductor_migrate_server", "Error", None)
    ]
    as_admin = conn.compute.get_server_action(actions[0].request_id, server)
    assert "No valid host" in str(as_admin.events[0].details)
