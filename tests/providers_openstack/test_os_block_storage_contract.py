"""Contract tests for the Cinder types: volumes and their attachment to servers."""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError

pytestmark = pytest.mark.timeout(180)


def test_volume_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    volume_type = cloud.provider().resource_types()["OS::Cinder::Volume"]
    sdk = cloud.sdk()
    who = ident("data")
    props = {"name": f"vol-{unique}", "size": 1, "metadata": {"purpose": "db"}}
    created = volume_type.create(who, props)
    live = sdk.block_storage.get_volume(created.physical_id)
    assert (live.status, live.size) == ("available", 1)
    assert live.metadata["purpose"] == "db"
    assert live.metadata["atonix:address"] == "data"
    assert live.metadata["atonix:stack"] == who.stack
    assert created.attributes["size"] == 1
    assert created.attributes["metadata"] == {"purpose": "db"}

    read = volume_type.read(who, created.physical_id, props)
    assert read is not None and read.properties == props

    # In place: extend, rename, new description and metadata.
    new = {**props, "size": 2, "name": f"vol-{unique}-b", "description": "bigger"}
    new["metadata"] = {"purpose": "logs"}
    updated = volume_type.update(
        who, created.physical_id, props, new, frozenset({"size", "name", "description", "metadata"})
    )
    assert updated.physical_id == created.physical_id
    live = sdk.block_storage.get_volume(created.physical_id)
    assert (live.size, live.name, live.description) == (2, f"vol-{unique}-b", "bigger")
    assert live.metadata["purpose"] == "logs" and live.metadata["atonix:address"] == "data"

    # Cinder cannot shrink: a clear error, nothing changed.
    with pytest.raises(ProviderError, match="cannot shrink"):
        volume_type.update(who, created.physical_id, new, props, frozenset({"size"}))

    # Drift: extended behind our back.
    sdk.block_storage.extend_volume(created.physical_id, 3)
    sdk.block_storage.wait_for_status(
        sdk.block_storage.get_volume(created.physical_id), "available", interval=0.05, wait=30
    )
    drift = volume_type.read(who, created.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert drift.properties["size"] == 3

    volume_type.delete(who, created.physical_id, new)
    assert volume_type.read(who, created.physical_id, new) is None
    volume_type.delete(who, created.physical_id, new)


def test_volume_attachment(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.40.0.0/24"}
    )
    server = types["OS::Nova::Server"].create(
        ident("server"),
        {
            "flavor": cloud.small_flavor,
            "image": cloud.image,
            "networks": [{"network": net.physical_id}],
        },
    )
    volume = types["OS::Cinder::Volume"].create(ident("vol"), {"size": 1})
    attach_type = types["OS::Cinder::VolumeAttachment"]
    props = {"instance_uuid": server.physical_id, "volume_id": volume.physical_id}

    attachment = attach_type.create(ident("attach"), props)
    live = sdk.block_storage.get_volume(volume.physical_id)
    assert live.status == "in-use"
    assert [a["server_id"] for a in live.attachments] == [server.physical_id]
    assert attach_type.read(ident("attach"), attachment.physical_id, props) is not None

    attach_type.delete(ident("attach"), attachment.physical_id, props)
    assert sdk.block_storage.get_volume(volume.physical_id).status == "available"
    assert attach_type.read(ident("attach"), attachment.physical_id, props) is None
    attach_type.delete(ident("attach"), attachment.physical_id, props)  # already detached

    types["OS::Nova::Server"].delete(ident("server"), server.physical_id, {})
    types["OS::Cinder::Volume"].delete(ident("vol"), volume.physical_id, {})
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})
