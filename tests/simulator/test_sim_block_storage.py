"""Cinder through openstacksdk: volume states, extend, attach/detach via Nova, quotas."""

from __future__ import annotations

from typing import Any

import openstack
import pytest
from openstack.connection import Connection

from atonix_iac.simulator import SimulatorServer


def _server(conn: Connection, net_id: str) -> Any:
    image = conn.image.find_image("cirros")
    server = conn.compute.create_server(
        name="vm", flavor_id="1", image_id=image.id, networks=[{"uuid": net_id}]
    )
    return conn.compute.wait_for_server(server, wait=5, interval=0.05)


def test_volume_create_extend_delete(sim: SimulatorServer, conn: Connection) -> None:
    sim.set_delay(0.2)  # every kind: creating, extending, deleting
    volume = conn.block_storage.create_volume(size=1, name="data", metadata={"k": "v"})
    assert volume.status == "creating"
    volume = conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)
    assert (volume.size, volume.volume_type, volume.is_bootable) == (1, "__DEFAULT__", False)
    assert conn.block_storage.find_volume("data").id == volume.id
    assert conn.block_storage.get_volume(volume.id).metadata == {"k": "v"}
    conn.block_storage.extend_volume(volume, 3)
    volume = conn.block_storage.get_volume(volume.id)
    assert (volume.status, volume.size) == ("extending", 1)
    volume = conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)
    assert volume.size == 3
    with pytest.raises(openstack.exceptions.BadRequestException) as err:
        conn.block_storage.extend_volume(volume, 2)
    assert "must be greater than current size" in str(err.value.details)
    conn.block_storage.delete_volume(volume)
    conn.block_storage.wait_for_delete(volume, wait=5, interval=0.05)
    assert conn.block_storage.find_volume("data") is None


def test_volume_types(conn: Connection) -> None:
    assert [t.name for t in conn.block_storage.types()] == ["__DEFAULT__"]
    assert conn.block_storage.find_type("__DEFAULT__") is not None
    with pytest.raises(openstack.exceptions.ResourceNotFound):
        conn.block_storage.create_volume(size=1, volume_type="gold")


def test_attach_and_detach(conn: Connection, network_setup: dict[str, Any]) -> None:
    server = _server(conn, network_setup["net"].id)
    volume = conn.block_storage.create_volume(size=2, name="disk")
    volume = conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)
    attachment = conn.compute.create_volume_attachment(server, volume_id=volume.id)
    assert attachment.device == "/dev/vdb"
    volume = conn.block_storage.wait_for_status(volume, "in-use", wait=5, interval=0.05)
    assert volume.attachments[0]["server_id"] == server.id
    assert [a.volume_id for a in conn.compute.volume_attachments(server)] == [volume.id]
    attached = conn.compute.get_server(server.id).attached_volumes
    assert [v["id"] for v in attached] == [volume.id]
    with pytest.raises(openstack.exceptions.BadRequestException) as err:
        conn.block_storage.delete_volume(volume)
    assert "must be available" in str(err.value.details)
    conn.compute.delete_volume_attachment(server, volume.id)
    volume = conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)
    assert volume.attachments == []
    assert conn.compute.get_server(server.id).attached_volumes == []


def test_server_delete_releases_volume(conn: Connection, network_setup: dict[str, Any]) -> None:
    server = _server(conn, network_setup["net"].id)
    volume = conn.block_storage.create_volume(size=1)
    conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05)
    conn.compute.create_volume_attachment(server, volume_id=volume.id)
    conn.compute.delete_server(server)
    conn.compute.wait_for_delete(server, wait=5, interval=0.05)
    assert (
        conn.block_storage.wait_for_status(volume, "available", wait=5, interval=0.05).attachments
        == []
    )


def test_gigabytes_quota_is_cinder_413(conn: Connection) -> None:
    conn.block_storage.update_quota_set(conn.current_project_id, gigabytes=5)
    conn.block_storage.create_volume(size=4)
    with pytest.raises(openstack.exceptions.HttpException) as err:
        conn.block_storage.create_volume(size=2)
    assert err.value.status_code == 413
    assert "exceeds allowed gigabytes quota" in str(err.value.details)
    assert "Requested 2G, quota is 5G and 4G has been consumed" in str(err.value.details)
    quota = conn.block_storage.get_quota_set(conn.current_project_id, usage=True)
    assert quota.usage["gigabytes"] == 4
    limits = conn.block_storage.get_limits().absolute
    assert (limits.max_total_volume_gigabytes, limits.total_gigabytes_used) == (5, 4)
