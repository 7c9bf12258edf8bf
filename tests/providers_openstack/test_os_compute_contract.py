"""Contract tests for the Nova types: servers, keypairs, server groups."""

from __future__ import annotations

import base64
from collections.abc import Iterator
from typing import Any

import pytest

from atonix_iac.errors import ResourceFailedError

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def net(cloud: Any, ident: Any, unique: str) -> Iterator[tuple[str, str]]:
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"net-{unique}"})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.30.0.0/24"}
    )
    yield f"net-{unique}", net.physical_id
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def test_server_lifecycle(cloud: Any, ident: Any, unique: str, net: tuple[str, str]) -> None:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    sdk = cloud.sdk()
    net_name, net_id = net
    who = ident("web.server")
    props = {
        "name": f"vm-{unique}",
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": net_name}],
        "metadata": {"role": "web"},
        "user_data": "#!/bin/sh\necho hi\n",
        "user_data_format": "RAW",
    }
    created = server_type.create(who, props)
    live = sdk.compute.get_server(created.physical_id)
    assert live.status == "ACTIVE"
    assert live.metadata == {
        "role": "web",
        "atonix:workspace": "ws",
        "atonix:environment": "env",
        "atonix:stack": who.stack,
        "atonix:address": "web.server",
    }
    assert created.attributes["name"] == f"vm-{unique}"
    assert created.attributes["first_address"].startswith("10.30.0.")
    assert created.attributes["networks"] == {net_name: [created.attributes["first_address"]]}
    assert "adminPass" not in created.attributes["show"]
    ports = list(sdk.network.ports(device_id=created.physical_id))
    assert [p.network_id for p in ports] == [net_id]

    # No drift right after create; names and ids both accepted.
    read = server_type.read(who, created.physical_id, props)
    assert read is not None and read.properties is not None
    assert {k: props[k] for k in read.properties} == read.properties

    # In place: name, metadata and a flavor resize keep the same server.
    new = {**props, "name": f"vm-{unique}-b", "metadata": {"tier": "1"}}
    new["flavor"] = cloud.bigger_flavor
    changed = frozenset({"name", "metadata", "flavor"})
    assert server_type.replace_reason(props, new, changed) is None
    updated = server_type.update(who, created.physical_id, props, new, changed)
    assert updated.physical_id == created.physical_id
    live = sdk.compute.get_server(created.physical_id)
    assert (live.name, live.status) == (f"vm-{unique}-b", "ACTIVE")
    assert live.flavor["original_name"] == cloud.bigger_flavor
    assert live.metadata["tier"] == "1" and "role" not in live.metadata
    assert live.metadata["atonix:address"] == "web.server"

    # Drift: metadata changed behind our back.
    sdk.compute.set_server_metadata(created.physical_id, tier="2")
    drift = server_type.read(who, created.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert drift.properties["metadata"] == {"tier": "2"}
    assert drift.properties["flavor"] == cloud.bigger_flavor

    server_type.delete(who, created.physical_id, new)
    assert server_type.read(who, created.physical_id, new) is None
    server_type.delete(who, created.physical_id, new)  # already gone


def test_server_replace_rules_follow_heat(cloud: Any) -> None:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    old = {"flavor": "m1.small", "image": "cirros", "user_data": "a"}
    assert server_type.schema.updatable("flavor")
    assert not server_type.schema.updatable("security_groups")
    policy = {**old, "flavor": "m1.medium", "flavor_update_policy": "REPLACE"}
    assert "flavor_update_policy is REPLACE" in str(
        server_type.replace_reason(old, policy, frozenset({"flavor"}))
    )
    image = {**old, "image": "ubuntu", "image_update_policy": "REPLACE"}
    assert server_type.replace_reason(old, image, frozenset({"image"}))
    rebuild = {**old, "image": "ubuntu"}
    assert server_type.replace_reason(old, rebuild, frozenset({"image"})) is None
    # user_data: Heat's default policy replaces; IGNORE does not.
    user_data = {**old, "user_data": "b"}
    assert server_type.replace_reason(old, user_data, frozenset({"user_data"}))
    ignored = {**user_data, "user_data_update_policy": "IGNORE"}
    assert server_type.replace_reason(old, ignored, frozenset({"user_data"})) is None


def test_server_user_data_is_base64(cloud: Any, ident: Any, net: tuple[str, str]) -> None:
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": net[0]}],
        "user_data": "#cloud-config\n",
        "user_data_format": "RAW",  # Heat's default, HEAT_CFNTOOLS, would wrap it
    }
    created = server_type.create(ident("server"), props)
    try:
        # Nova shows user_data to admins only (OS-EXT-SRV-ATTR:user_data, 2.3+).
        admin = cloud.admin_sdk()
        if admin is None:
            pytest.skip("reading user_data needs an admin connection to the target")
        live = admin.compute.get_server(created.physical_id)
        assert base64.b64decode(live.user_data).decode() == "#cloud-config\n"
    finally:
        server_type.delete(ident("server"), created.physical_id, props)


def test_a_resize_nova_cannot_place_fails_with_novas_reason(
    cloud: Any, ident: Any, unique: str, net: tuple[str, str]
) -> None:
    # No host has the trait this flavor requires: Nova's scheduler finds no host and the
    # server goes back to ACTIVE on its old flavor, with no fault. It must not read as done.
    admin = cloud.admin_sdk()
    if admin is None:
        pytest.skip("creating a flavor needs an admin connection to the target")
    flavor = admin.compute.create_flavor(name=f"nohost-{unique}", ram=2048, vcpus=1, disk=20)
    admin.compute.create_flavor_extra_specs(flavor, {"trait:CUSTOM_ATONIX_NO_HOST": "required"})
    if cloud.sim is not None:  # the simulator ignores traits: say what the scheduler would
        cloud.sim.set_lifecycle([{"kind": "resize", "outcome": "error", "count": 1}])
    server_type = cloud.provider().resource_types()["OS::Nova::Server"]
    who = ident("server")
    props = {"flavor": cloud.small_flavor, "image": cloud.image, "networks": [{"network": net[0]}]}
    created = server_type.create(who, props)
    try:
        bigger = {**props, "flavor": flavor.name}
        with pytest.raises(ResourceFailedError) as info:
            server_type.update(who, created.physical_id, props, bigger, frozenset({"flavor"}))
        message = info.value.format()
        assert f"resizing server {created.physical_id} to {flavor.name} failed" in message
        assert f"it is still {cloud.small_flavor}" in message
        assert "Error" in message or "No valid host" in message, message
        live = cloud.sdk().compute.get_server(created.physical_id)
        assert (live.status, live.flavor["original_name"]) == ("ACTIVE", cloud.small_flavor)
    finally:
        server_type.delete(who, created.physical_id, props)
        admin.compute.delete_flavor(flavor)


def test_keypair_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    keypair_type = cloud.provider().resource_types()["OS::Nova::KeyPair"]
    sdk = cloud.sdk()
    props = {"name": f"kp-{unique}", "save_private_key": True}
    created = keypair_type.create(ident("kp"), props)
    assert created.physical_id == f"kp-{unique}"
    assert created.attributes["private_key"].startswith("-----BEGIN")
    assert "private_key" in keypair_type.schema.attributes
    assert keypair_type.schema.attributes["private_key"].sensitive
    assert "private_key" not in created.attributes["show"]
    assert sdk.compute.get_keypair(f"kp-{unique}").public_key == created.attributes["public_key"]
    read = keypair_type.read(ident("kp"), created.physical_id, props)
    assert read is not None and read.properties == {"name": f"kp-{unique}"}
    assert not keypair_type.schema.has_handle_update  # any change replaces
    sdk.compute.delete_keypair(f"kp-{unique}")
    assert keypair_type.read(ident("kp"), created.physical_id, props) is None
    keypair_type.delete(ident("kp"), created.physical_id, props)


def test_server_group_lifecycle(cloud: Any, ident: Any, unique: str) -> None:
    group_type = cloud.provider().resource_types()["OS::Nova::ServerGroup"]
    sdk = cloud.sdk()
    props = {"name": f"sg-{unique}", "policies": ["anti-affinity"]}
    created = group_type.create(ident("group"), props)
    live = sdk.compute.get_server_group(created.physical_id)
    assert live.name == f"sg-{unique}"
    assert "anti-affinity" in (live.policies or [live.policy])
    assert group_type.read(ident("group"), created.physical_id, props) is not None
    group_type.delete(ident("group"), created.physical_id, props)
    assert group_type.read(ident("group"), created.physical_id, props) is None
    group_type.delete(ident("group"), created.physical_id, props)
