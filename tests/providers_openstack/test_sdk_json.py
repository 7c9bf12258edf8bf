"""Objects created and read through ``_sdk_json`` are the ones openstacksdk's own calls give."""

from __future__ import annotations

from typing import Any

import pytest
from openstack.compute.v2 import server as sdk_server
from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port

from atonix_iac.providers.openstack import _sdk_json
from atonix_iac.providers.openstack._base import show


def _same_object(got: Any, expected: Any) -> None:
    assert type(got) is type(expected)
    assert show(got) == show(expected)
    assert got.to_dict(computed=False) == expected.to_dict(computed=False)
    assert got.microversion == expected.microversion


def test_a_created_port_is_the_port_the_sdk_reads(cloud: Any, unique: str) -> None:
    conn = cloud.provider().connection
    net = conn.network.create_network(name=f"json-{unique}")
    try:
        attrs = {
            "name": f"json-{unique}",
            "network_id": net.id,
            "is_admin_state_up": True,  # an SDK attribute name: sent as admin_state_up
            "description": "d",
        }
        facts = _sdk_json.ProxyFacts()
        port = _sdk_json.create_object(
            conn.network, facts, sdk_port.Port, attrs, conn.network.create_port
        )
        _same_object(port, conn.network.get_port(port.id))
        assert (port.name, port.description, port.is_admin_state_up) == (attrs["name"], "d", True)
        read = _sdk_json.get_object(conn.network, facts, sdk_port.Port, port.id)
        _same_object(read, conn.network.get_port(port.id))
    finally:
        for found in conn.network.ports(network_id=net.id):
            conn.network.delete_port(found)
        conn.network.delete_network(net)


def test_a_server_read_is_the_server_the_sdk_reads(cloud: Any, ident: Any, unique: str) -> None:
    provider = cloud.provider()
    conn = provider.connection
    types = provider.resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.61.0.0/24"}
    )
    server_type = types["OS::Nova::Server"]
    props = {
        "flavor": cloud.small_flavor,
        "image": cloud.image,
        "networks": [{"network": net.physical_id}],
        "metadata": {"role": "json"},
    }
    created = server_type.create(ident("server"), props)
    try:
        facts = _sdk_json.ProxyFacts()
        got = _sdk_json.get_object(conn.compute, facts, sdk_server.Server, created.physical_id)
        _same_object(got, conn.compute.get_server(created.physical_id))
        assert got.metadata["role"] == "json"
        assert created.attributes["show"] == show(got)
    finally:
        server_type.delete(ident("server"), created.physical_id, {})
        conn.network.delete_network(net.physical_id, ignore_missing=True)


CREATE_ATTRS: list[tuple[Any, dict[str, Any]]] = [
    (
        sdk_port.Port,
        {
            "name": "p",
            "network_id": "n1",
            "is_admin_state_up": False,
            "security_group_ids": ["s1"],
            "fixed_ips": [{"subnet_id": "s"}],
            "binding:vnic_type": "direct",
            "unknown_extension": {"x": 1},
        },
    ),
    (sdk_network.Network, {"name": "n", "is_port_security_enabled": True, "mtu": 1400}),
    (
        sdk_server.Server,
        {
            "name": "s",
            "flavor_id": "f",
            "image_id": "i",
            "networks": [{"port": "p1"}],
            "metadata": {"a": "b"},
            "user_data": "dGV4dA==",
            "availability_zone": "nova",
            "scheduler_hints": {"group": "g"},
            "admin_password": "secret",
            "block_device_mapping": [{"boot_index": 0}],
            "tags": ["t"],
        },
    ),
]


@pytest.mark.parametrize(("resource_class", "attrs"), CREATE_ATTRS)
def test_create_requests_are_the_sdks(resource_class: Any, attrs: dict[str, Any]) -> None:
    expected = resource_class.new(**dict(attrs))._prepare_request(
        requires_id=False, prepend_key=True, base_path=None
    )
    got = _sdk_json.request_of(resource_class, dict(attrs))
    assert (got.url, got.body, dict(got.headers)) == (
        expected.url,
        expected.body,
        dict(expected.headers),
    )


def test_a_class_with_its_own_create_goes_through_the_sdk() -> None:
    calls: list[dict[str, Any]] = []

    class OwnCreate(sdk_network.Network):
        def create(self, *args: Any, **kwargs: Any) -> Any:  # pragma: no cover - not called
            raise AssertionError("the fast path must not call this")

    def sdk_create(**attrs: Any) -> str:
        calls.append(attrs)
        return "made by the SDK"

    facts = _sdk_json.ProxyFacts()
    assert _sdk_json.create_object(None, facts, OwnCreate, {"name": "n"}, sdk_create) == (
        "made by the SDK"
    )
    assert calls == [{"name": "n"}]


def test_urls_are_joined_as_keystoneauth_joins_them(cloud: Any) -> None:
    conn = cloud.provider().connection
    facts = _sdk_json.ProxyFacts()
    for proxy, path in ((conn.compute, "/flavors"), (conn.network, "networks")):
        url = facts.url(proxy, path)
        assert url.startswith(("http://", "https://"))
        assert proxy.get(url).url == proxy.get(path).url


def test_a_tagged_port_is_not_read_again(cloud: Any, ident: Any, unique: str) -> None:
    """Create then tag, and the attributes (``show`` too) carry the tags Neutron now holds."""
    sim = cloud.require_sim()
    provider = cloud.provider()
    types = provider.resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    port_type = types["OS::Neutron::Port"]
    provider.connection.network.get("/ports")  # token and discovery out of the way
    sim.clear_request_log()
    port = port_type.create(ident("port"), {"network": net.physical_id, "tags": ["team-a"]})
    try:
        calls = [(r.method, r.path.rsplit("/", 1)[-1]) for r in sim.request_log("network")]
        assert calls == [("POST", "ports"), ("PUT", "tags")]
        live = provider.connection.network.get_port(port.physical_id)
        assert sorted(port.attributes["show"]["tags"]) == sorted(live.tags)
        assert "team-a" in live.tags and "atonix:address=port" in live.tags
    finally:
        port_type.delete(ident("port"), port.physical_id, {})
        types["OS::Neutron::Net"].delete(ident("net"), net.physical_id, {})
