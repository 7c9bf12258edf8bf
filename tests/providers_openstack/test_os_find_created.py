"""Every create can be found again: by its token, or, for objects that carry nothing, by
their natural key; never an object state already records, never someone else's older one.

Each test plays what a run killed right after the create call leaves behind: the object
exists (``start_create`` returned) but nothing recorded its id. ``find_created`` must give
that id back, and ``finish_create`` must complete it as a normal create would.
"""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from atonix_iac.errors import ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult

pytestmark = pytest.mark.timeout(120)


def _token(identity: ResourceIdentity) -> ResourceIdentity:
    return replace(identity, token=str(uuid.uuid4()))


def _now() -> datetime:
    return datetime.now(UTC)


def _found_then_finished(
    kind: Any, who: ResourceIdentity, props: dict[str, Any], since: datetime
) -> ResourceResult:
    started = kind.start_create(who, props)
    assert kind.find_created(who, props, since, frozenset()) == started.physical_id
    # What state already records is never adopted again.
    assert kind.find_created(who, props, since, frozenset({started.physical_id})) is None
    return kind.finish_create(who, ResourceResult(started.physical_id), props)


def test_network_is_found_by_token_and_untagged_by_name(
    cloud: Any, ident: Any, unique: str
) -> None:
    net_type = cloud.provider().resource_types()["OS::Neutron::Net"]
    sdk = cloud.sdk()
    since = _now()
    who = _token(ident("net"))
    props = {"name": f"found-{unique}"}

    # Killed between the create and the tag call: no tags yet, found by name and time.
    started = net_type.start_create(who, props)
    assert sdk.network.get_network(started.physical_id).tags == []
    assert net_type.find_created(who, props, since, frozenset()) == started.physical_id

    done = net_type.finish_create(who, ResourceResult(started.physical_id), props)
    assert f"atonix:token={who.token}" in sdk.network.get_network(done.physical_id).tags
    assert done.attributes["name"] == f"found-{unique}"

    # Tagged now: found by the token; another create's token does not take it, and an
    # object older than the intent is not ours.
    assert net_type.find_created(who, props, since, frozenset()) == started.physical_id
    other = _token(ident("net"))
    assert net_type.find_created(other, props, since, frozenset()) is None
    untagged = sdk.network.create_network(name=f"found-{unique}")
    later = _now() + timedelta(minutes=10)
    assert net_type.find_created(other, props, later, frozenset()) is None
    sdk.network.delete_network(untagged.id)
    net_type.delete(who, started.physical_id, props)


def test_subnet_port_router_and_security_group_are_found(
    cloud: Any, ident: Any, unique: str
) -> None:
    types = cloud.provider().resource_types()
    since = _now()
    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"n-{unique}"})
    cases = [
        (
            "OS::Neutron::Subnet",
            {"network": net.physical_id, "cidr": "10.61.0.0/24", "name": f"s-{unique}"},
        ),
        ("OS::Neutron::Port", {"network": net.physical_id, "name": f"p-{unique}"}),
        ("OS::Neutron::Router", {"name": f"r-{unique}"}),
        ("OS::Neutron::SecurityGroup", {"name": f"sg-{unique}", "rules": []}),
    ]
    made: list[tuple[Any, ResourceIdentity, str, dict[str, Any]]] = []
    for type_name, props in cases:
        kind = types[type_name]
        who = _token(ident(type_name.rsplit(":", 1)[1].lower()))
        done = _found_then_finished(kind, who, props, since)
        made.append((kind, who, done.physical_id, props))
    for kind, who, physical_id, props in reversed(made):
        kind.delete(who, physical_id, props)
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def test_relations_are_found_by_their_natural_key(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    since = _now()
    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"n-{unique}"})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.62.0.0/24"}
    )
    router = types["OS::Neutron::Router"].create(
        ident("router"), {"external_gateway_info": {"network": cloud.public_network}}
    )
    port = types["OS::Neutron::Port"].create(ident("port"), {"network": net.physical_id})
    group = types["OS::Neutron::SecurityGroup"].create(ident("sg"), {"rules": []})

    iface_props = {"router": router.physical_id, "subnet": subnet.physical_id}
    iface = _found_then_finished(
        types["OS::Neutron::RouterInterface"], _token(ident("iface")), iface_props, since
    )
    assert iface.attributes["show"]["port_id"]

    fip = types["OS::Neutron::FloatingIP"].create(
        ident("fip"), {"floating_network": cloud.public_network}
    )
    assoc_props = {"floatingip_id": fip.physical_id, "port_id": port.physical_id}
    assoc_type = types["OS::Neutron::FloatingIPAssociation"]
    assert assoc_type.find_created(ident("assoc"), assoc_props, since, frozenset()) is None
    _found_then_finished(assoc_type, _token(ident("assoc")), assoc_props, since)

    rule_props = {
        "security_group": group.physical_id,
        "protocol": "tcp",
        "port_range_min": 8080,
        "port_range_max": 8080,
        "remote_ip_prefix": "10.0.0.0/8",
    }
    rule_type = types["OS::Neutron::SecurityGroupRule"]
    rule = _found_then_finished(rule_type, _token(ident("rule")), rule_props, since)
    # A rule that existed before the intent is the user's, not an interrupted create's.
    later = _now() + timedelta(minutes=10)
    assert rule_type.find_created(ident("rule"), rule_props, later, frozenset()) is None

    rule_type.delete(ident("rule"), rule.physical_id, rule_props)
    assoc_type.delete(ident("assoc"), fip.physical_id, assoc_props)
    types["OS::Neutron::FloatingIP"].delete(ident("fip"), fip.physical_id, {})
    types["OS::Neutron::RouterInterface"].delete(ident("iface"), iface.physical_id, iface_props)
    types["OS::Neutron::SecurityGroup"].delete(ident("sg"), group.physical_id, {})
    types["OS::Neutron::Port"].delete(ident("port"), port.physical_id, {})
    types["OS::Neutron::Router"].delete(ident("router"), router.physical_id, {})
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def test_server_volume_and_attachment_are_found(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    since = _now()
    net = types["OS::Neutron::Net"].create(ident("net"), {"name": f"n-{unique}"})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.63.0.0/24"}
    )
    server_props = {
        "name": f"srv-{unique}",
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": net.physical_id}],
    }
    server_type = types["OS::Nova::Server"]
    who = _token(ident("server"))
    server = _found_then_finished(server_type, who, server_props, since)
    assert sdk.compute.get_server(server.physical_id).status == "ACTIVE"
    # Same name, another create's token: not ours.
    assert server_type.find_created(_token(ident("server")), server_props, since, ()) is None

    volume_type = types["OS::Cinder::Volume"]
    volume_props = {"size": 1, "name": f"vol-{unique}"}
    volume = _found_then_finished(volume_type, _token(ident("vol")), volume_props, since)
    assert volume.attributes["status"] == "available"

    attach_type = types["OS::Cinder::VolumeAttachment"]
    attach_props = {"instance_uuid": server.physical_id, "volume_id": volume.physical_id}
    assert attach_type.find_created(ident("attach"), attach_props, since, ()) is None
    attach = _found_then_finished(attach_type, _token(ident("attach")), attach_props, since)
    assert sdk.block_storage.get_volume(volume.physical_id).status == "in-use"

    attach_type.delete(ident("attach"), attach.physical_id, attach_props)
    volume_type.delete(ident("vol"), volume.physical_id, volume_props)
    server_type.delete(who, server.physical_id, server_props)
    types["OS::Neutron::Subnet"].delete(ident("subnet"), subnet.physical_id, {})
    types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})


def test_keypair_and_server_group_are_found(cloud: Any, ident: Any, unique: str) -> None:
    types = cloud.provider().resource_types()
    since = _now()
    key_type = types["OS::Nova::KeyPair"]
    key_props = {"name": f"key-{unique}"}
    key = _found_then_finished(key_type, _token(ident("key")), key_props, since)
    assert key.attributes["public_key"]
    # Its generated private key was lost with the interrupted run: finishing fails, so the
    # plan replaces it and a new one is saved.
    saved = {**key_props, "save_private_key": True}
    with pytest.raises(ResourceFailedError, match="private key was never saved"):
        key_type.finish_create(ident("key"), ResourceResult(key.physical_id), saved)
    key_type.delete(ident("key"), key.physical_id, key_props)

    group_type = types["OS::Nova::ServerGroup"]
    group_props = {"name": f"grp-{unique}", "policies": ["anti-affinity"]}
    group = _found_then_finished(group_type, _token(ident("grp")), group_props, since)
    group_type.delete(ident("grp"), group.physical_id, group_props)
