"""Nova through openstacksdk: flavors, images, servers and their actions, keypairs, groups."""

from __future__ import annotations

import time
from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import SimulatorServer


def _boot(
    conn: Connection, net_id: str, name: str = "vm1", flavor: str = "m1.tiny", **kwargs: Any
) -> Any:
    image = conn.image.find_image("cirros")
    server = conn.compute.create_server(
        name=name,
        flavor_id=conn.compute.find_flavor(flavor).id,
        image_id=image.id,
        networks=[{"uuid": net_id}],
        **kwargs,
    )
    return conn.compute.wait_for_server(server, wait=10, interval=0.05)


def test_seeded_flavors_and_images(conn: Connection) -> None:
    flavors = {f.name: (f.vcpus, f.ram) for f in conn.compute.flavors()}
    assert flavors == {
        "m1.tiny": (1, 512),
        "m1.small": (1, 2048),
        "m1.medium": (2, 4096),
        "m1.large": (4, 8192),
        "m1.xlarge": (8, 16384),
    }
    assert conn.compute.find_flavor("m1.large").id == "4"
    assert conn.compute.find_flavor("4").name == "m1.large"
    assert conn.compute.find_flavor("m9.huge") is None
    assert {i.name for i in conn.image.images()} == {"cirros", "ubuntu"}
    cirros = conn.image.find_image("cirros")
    assert conn.image.get_image(cirros.id).status == "active"
    assert conn.image.find_image("nope") is None
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        conn.image.get_image("00000000-0000-0000-0000-000000000000")


def test_server_lifecycle(sim: SimulatorServer, conn: Connection) -> None:
    sim.set_delay(0.2, "server")
    net = conn.network.create_network(name="n1")
    conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.1.0.0/24")
    image = conn.image.find_image("cirros")
    created = conn.compute.create_server(
        name="web-1", flavor_id="2", image_id=image.id, networks=[{"uuid": net.id}]
    )
    assert conn.compute.get_server(created.id).status == "BUILD"
    server = conn.compute.wait_for_server(created, wait=10, interval=0.05)
    assert server.status == "ACTIVE"
    assert server.flavor.name == "m1.small"
    assert server.addresses["n1"][0]["addr"] == "10.1.0.2"
    assert server.security_groups == [{"name": "default"}]
    ports = list(conn.network.ports(device_id=server.id))
    assert len(ports) == 1
    assert (ports[0].device_owner, ports[0].status) == ("compute:nova", "ACTIVE")
    assert conn.compute.find_server("web-1").id == server.id

    conn.compute.update_server(server, name="web-renamed")
    conn.compute.set_server_metadata(server, role="frontend", tier="1")
    fetched = conn.compute.get_server(server.id)
    assert fetched.name == "web-renamed"
    assert fetched.metadata == {"role": "frontend", "tier": "1"}

    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=10, interval=0.05)
    assert conn.compute.find_server(server.id) is None
    assert list(conn.network.ports(network_id=net.id)) == []  # Nova-created port went too


def test_update_server_metadata_in_body_is_rejected_like_nova(
    conn: Connection, network_setup: dict[str, Any]
) -> None:
    server = _boot(conn, network_setup["net"].id)
    with pytest.raises(openstack.exceptions.BadRequestException) as err:
        conn.compute.update_server(server, metadata={"a": "b"})
    assert "Additional properties are not allowed" in str(err.value.details)


def test_server_with_existing_port_keeps_port_on_delete(conn: Connection) -> None:
    net = conn.network.create_network(name="n1")
    subnet = conn.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.2.0.0/24")
    port = conn.network.create_port(
        network_id=net.id, fixed_ips=[{"subnet_id": subnet.id, "ip_address": "10.2.0.50"}]
    )
    assert port.status == "DOWN"
    image = conn.image.find_image("cirros")
    server = conn.compute.create_server(
        name="p", flavor_id="1", image_id=image.id, networks=[{"port": port.id}]
    )
    server = conn.compute.wait_for_server(server, wait=5, interval=0.05)
    assert server.addresses["n1"][0]["addr"] == "10.2.0.50"
    assert conn.network.get_port(port.id).device_id == server.id
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=5, interval=0.05)
    unbound = conn.network.get_port(port.id)
    assert (unbound.device_id, unbound.device_owner, unbound.status) == ("", "", "DOWN")


def test_resize_confirm_and_power_actions(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    server = _boot(conn, network_setup["net"].id)
    conn.compute.resize_server(server, conn.compute.find_flavor("m1.small").id)
    server = conn.compute.wait_for_server(server, status="VERIFY_RESIZE", wait=5, interval=0.05)
    assert server.flavor.name == "m1.small"
    conn.compute.confirm_server_resize(server)
    server = conn.compute.wait_for_server(server, wait=5, interval=0.05)
    assert server.status == "ACTIVE"
    assert conn.compute.get_limits().absolute.total_ram_used == 2048

    conn.compute.stop_server(server)
    assert (
        conn.compute.wait_for_server(server, status="SHUTOFF", wait=5, interval=0.05).power_state
        == 4
    )
    with pytest.raises(openstack.exceptions.ConflictException) as err:
        conn.compute.stop_server(server)
    assert "vm_state stopped" in str(err.value.details)
    conn.compute.start_server(server)
    conn.compute.wait_for_server(server, wait=5, interval=0.05)
    conn.compute.reboot_server(server, "HARD")
    assert conn.compute.wait_for_server(server, wait=5, interval=0.05).status == "ACTIVE"


def test_flavor_disk_too_small_for_image(conn: Connection, network_setup: dict[str, Any]) -> None:
    ubuntu = conn.image.find_image("ubuntu")
    with pytest.raises(openstack.exceptions.BadRequestException) as err:
        conn.compute.create_server(
            name="x",
            flavor_id="1",
            image_id=ubuntu.id,
            networks=[{"uuid": network_setup["net"].id}],
        )
    assert "Flavor's disk is too small" in str(err.value.details)


def test_networks_required_at_recent_microversion(conn: Connection) -> None:
    image = conn.image.find_image("cirros")
    with pytest.raises(openstack.exceptions.BadRequestException) as err:
        conn.compute.create_server(name="x", flavor_id="1", image_id=image.id)
    assert "'networks' is a required property" in str(err.value.details)
    server = conn.compute.create_server(name="x", flavor_id="1", image_id=image.id, networks="none")
    assert conn.compute.wait_for_server(server, wait=5, interval=0.05).addresses == {}


def test_keypairs(conn: Connection) -> None:
    generated = conn.compute.create_keypair(name="gen")
    assert generated.private_key.startswith("-----BEGIN")
    public_key = (
        "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIB3c3Rk9b7V0YkzQ4m0j2Zb6Ql1dE8pQ0m2Z4x7o9aXc user@host"
    )
    imported = conn.compute.create_keypair(name="imported", public_key=public_key)
    assert imported.fingerprint.count(":") == 15
    assert imported.private_key is None
    assert {k.name for k in conn.compute.keypairs()} == {"gen", "imported"}
    assert conn.compute.find_keypair("imported").public_key == public_key
    with pytest.raises(openstack.exceptions.ConflictException):
        conn.compute.create_keypair(name="gen")
    conn.compute.delete_keypair("gen")
    assert conn.compute.find_keypair("gen") is None


def test_server_group_membership(conn: Connection, network_setup: dict[str, Any]) -> None:
    group = conn.compute.create_server_group(name="spread", policy="anti-affinity")
    assert conn.compute.get_server_group(group.id).policy == "anti-affinity"
    server = _boot(conn, network_setup["net"].id, scheduler_hints={"group": group.id})
    assert conn.compute.get_server_group(group.id).member_ids == [server.id]
    assert conn.compute.find_server_group("spread").id == group.id
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=5, interval=0.05)
    assert conn.compute.get_server_group(group.id).member_ids == []
    conn.compute.delete_server_group(group)
    assert list(conn.compute.server_groups()) == []


def test_instances_quota_is_nova_403(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    conn.compute.update_quota_set(conn.current_project_id, instances=2)
    _boot(conn, network_setup["net"].id, "a")
    _boot(conn, network_setup["net"].id, "b")
    image = conn.image.find_image("cirros")
    with pytest.raises(openstack.exceptions.ForbiddenException) as err:
        conn.compute.create_server(
            name="c", flavor_id="1", image_id=image.id, networks=[{"uuid": network_setup["net"].id}]
        )
    assert err.value.status_code == 403
    assert err.value.details == (
        "Quota exceeded for instances: Requested 1, but already used 2 of 2 instances"
    )
    usage = conn.compute.get_quota_set(conn.current_project_id, usage=True)
    assert usage.usage["instances"] == 2
    assert [s.name for s in conn.compute.servers()] == ["b", "a"]


def test_non_admin_cannot_update_quota(connect: Any) -> None:
    member = connect("demo", username="demo-user", password="password")
    with pytest.raises(openstack.exceptions.ForbiddenException):
        member.compute.update_quota_set(member.current_project_id, instances=100)


def test_boot_from_volume(conn: Connection, network_setup: dict[str, Any]) -> None:
    image = conn.image.find_image("cirros")
    server = conn.compute.create_server(
        name="bfv",
        flavor_id="1",
        networks=[{"uuid": network_setup["net"].id}],
        block_device_mapping=[
            {
                "boot_index": 0,
                "uuid": image.id,
                "source_type": "image",
                "destination_type": "volume",
                "volume_size": 2,
                "delete_on_termination": True,
            }
        ],
    )
    server = conn.compute.wait_for_server(server, wait=5, interval=0.05)
    assert not server.image  # volume-booted: Nova reports image ""
    [root] = server.attached_volumes
    volume = conn.block_storage.wait_for_status(
        conn.block_storage.get_volume(root["id"]), "in-use", wait=5, interval=0.05
    )
    assert (volume.size, volume.is_bootable) == (2, True)
    assert volume.attachments[0]["device"] == "/dev/vda"
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=5, interval=0.05)
    assert conn.block_storage.find_volume(root["id"]) is None  # delete_on_termination


def test_pagination_with_limit_terminates(conn: Connection, network_setup: dict[str, Any]) -> None:
    for i in range(5):
        conn.network.create_network(name=f"page-{i}")
    names = [n.name for n in conn.network.networks(limit=2) if n.name.startswith("page-")]
    assert names == [f"page-{i}" for i in range(5)]
    for i in range(3):
        _boot(conn, network_setup["net"].id, f"s{i}")
    assert len(list(conn.compute.servers(limit=2))) == 3
    assert {i.name for i in conn.image.images(limit=1)} == {"cirros", "ubuntu"}


def test_keypairs_are_project_scoped_unless_configured(sim: SimulatorServer, connect: Any) -> None:
    demo, alt = connect("demo"), connect("alt")
    demo.compute.create_keypair(name="kp")
    assert alt.compute.find_keypair("kp") is None
    alt.compute.create_keypair(name="kp")  # same name, other project: no conflict
    sim.configure(keypairs_per_project=False)  # real Nova: keypairs belong to the user
    alt.compute.create_keypair(name="mine")
    with pytest.raises(openstack.exceptions.ConflictException):
        demo.compute.create_keypair(name="mine")


def test_server_list_status_filter_settles_builds(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    """``status`` narrows the list before rendering: a build that is over is listed as
    ACTIVE even if nothing read it since, several values mean any of them, case-insensitive,
    and paging works on the narrowed list."""
    net_id = network_setup["net"].id
    _boot(conn, net_id, "done")
    sim.set_delay(2.0, "server")
    image = conn.image.find_image("cirros")
    for i in range(3):
        conn.compute.create_server(
            name=f"b{i}", flavor_id="1", image_id=image.id, networks=[{"uuid": net_id}]
        )
    builds_over = time.monotonic() + 2.05

    def listed(**query: Any) -> set[str]:
        return {s.name for s in conn.compute.servers(details=False, **query)}

    assert listed(status="BUILD") == {"b0", "b1", "b2"}
    assert listed(status="build", limit=1) == {"b0", "b1", "b2"}
    assert listed(status="ACTIVE") == {"done"}
    assert listed(status="SHUTOFF") == set()
    time.sleep(max(0.0, builds_over - time.monotonic()))  # nothing reads the servers meanwhile
    assert listed(status="ACTIVE") == {"done", "b0", "b1", "b2"}
    assert listed(status="BUILD") == set()
    response = conn.compute.get("/servers?status=BUILD&status=ACTIVE")
    assert {s["name"] for s in response.json()["servers"]} == {"done", "b0", "b1", "b2"}


def test_changes_since_lists_the_servers_a_transition_changed(
    sim: SimulatorServer, conn: Connection, network_setup: dict[str, Any]
) -> None:
    """A build's end changes the server, so ``updated`` moves and ``changes-since`` lists it;
    a detail list leaves ``server_groups`` out (Nova shows them on one server only)."""
    net_id = network_setup["net"].id
    _boot(conn, net_id, "old")
    time.sleep(1.1)  # ``updated`` has whole seconds
    sim.set_delay(1.2, "server")
    image = conn.image.find_image("cirros")
    new = conn.compute.create_server(
        name="new", flavor_id="1", image_id=image.id, networks=[{"uuid": net_id}]
    )
    created = conn.compute.get_server(new.id).updated_at
    time.sleep(1.3)
    stamp = created.replace("+00:00", "Z")

    def changed(since: str) -> dict[str, Any]:
        response = conn.compute.get("/servers/detail", params={"changes-since": since})
        return {s["name"]: s for s in response.json()["servers"]}

    listed = changed(stamp)
    assert set(listed) == {"new"}
    assert listed["new"]["status"] == "ACTIVE"
    assert listed["new"]["updated"] > stamp  # the build's end, not the create
    assert "server_groups" not in listed["new"]
    assert set(changed("2000-01-01T00:00:00+00:00")) == {"old", "new"}
    bad = conn.compute.get("/servers/detail", params={"changes-since": "yesterday"})
    assert bad.status_code == 400 and "changes-since" in bad.text
