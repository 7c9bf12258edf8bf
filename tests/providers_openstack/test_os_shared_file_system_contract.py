"""Contract tests for the Manila types: a share with access rules on a share network.

Share types are an admin's (Manila's policy), and so is a share's ``share_server_id``: on a real
target those steps run only when ATONIX_REALCLOUD_ADMIN_CLOUD names an admin cloud. A share on
a share network names a share type whose driver handles share servers, as on any Manila.
"""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.workspace.config import Binding

from .conftest import require_service

pytestmark = pytest.mark.timeout(180)


@pytest.fixture
def manila(cloud: Any) -> dict[str, Any]:
    require_service(cloud, "shared-file-system")
    return dict(cloud.provider().resource_types())


@pytest.fixture
def admin_manila(cloud: Any, manila: dict[str, Any]) -> dict[str, Any]:
    """The resource types bound to an admin (share types need one)."""
    if cloud.sim is not None:
        return manila
    if cloud.admin_cloud is None:
        pytest.skip("share types need ATONIX_REALCLOUD_ADMIN_CLOUD")
    provider = OpenStackProvider(Binding("ws", "env", cloud.admin_cloud, None, "RegionOne"))
    cloud._providers.append(provider)
    return dict(provider.resource_types())


def test_share_lifecycle(cloud: Any, manila: dict[str, Any], ident: Any, unique: str) -> None:
    sdk = cloud.sdk()
    share_type = manila["OS::Manila::Share"]
    rules = [{"access_type": "ip", "access_to": "10.70.0.0/24", "access_level": "rw"}]
    props = {
        "name": f"share-{unique}",
        "share_protocol": "NFS",
        "size": 1,
        "metadata": {"team": "web"},
        "access_rules": rules,
    }
    created = share_type.create(ident("share"), props)
    live = sdk.shared_file_system.get_share(created.physical_id)
    assert live.status == "available"
    assert live.metadata["team"] == "web" and live.metadata["atonix:address"] == "share"
    assert [r.access_to for r in sdk.shared_file_system.access_rules(created.physical_id)] == [
        "10.70.0.0/24"
    ]
    assert created.attributes["export_locations"]
    assert created.attributes["metadata"] == {"team": "web"}

    read = share_type.read(ident("share"), created.physical_id, props)
    assert read is not None and read.properties == props

    # In place: a second rule replaces the first, new metadata and name.
    new_rules = [{"access_type": "ip", "access_to": "10.71.0.5", "access_level": "ro"}]
    new = {**props, "name": f"share-{unique}-b", "metadata": {"team": "db"}}
    new["access_rules"] = new_rules
    share_type.update(
        ident("share"),
        created.physical_id,
        props,
        new,
        frozenset({"name", "metadata", "access_rules"}),
    )
    live = sdk.shared_file_system.get_share(created.physical_id)
    assert live.name == f"share-{unique}-b" and live.metadata["team"] == "db"
    access = list(sdk.shared_file_system.access_rules(created.physical_id))
    assert [(r.access_to, r.access_level) for r in access] == [("10.71.0.5", "ro")]

    # Drift: a rule granted behind our back.
    sdk.shared_file_system.create_access_rule(
        created.physical_id, access_type="ip", access_to="10.72.0.1"
    )
    drift = share_type.read(ident("share"), created.physical_id, new)
    assert drift is not None and drift.properties is not None
    assert len(drift.properties["access_rules"]) == 2

    share_type.delete(ident("share"), created.physical_id, new)
    assert share_type.read(ident("share"), created.physical_id, new) is None
    share_type.delete(ident("share"), created.physical_id, new)


def test_share_network_with_security_service(
    cloud: Any, manila: dict[str, Any], admin_manila: dict[str, Any], ident: Any, unique: str
) -> None:
    net = manila["OS::Neutron::Net"].create(ident("net"), {})
    subnet = manila["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": net.physical_id, "cidr": "10.73.0.0/24"}
    )
    service_props = {
        "type": "ldap",
        "name": f"ldap-{unique}",
        "server": "10.73.0.9",
        "password": "s3cret",
    }
    service = manila["OS::Manila::SecurityService"].create(ident("ldap"), service_props)
    assert "password" not in service.attributes["show"]
    network_type = manila["OS::Manila::ShareNetwork"]
    props = {
        "name": f"sn-{unique}",
        "neutron_network": net.physical_id,
        "neutron_subnet": subnet.physical_id,
        "security_services": [f"ldap-{unique}"],
    }
    network = network_type.create(ident("sn"), props)
    # Manila reads the subnet's CIDR only when it sets up the first share server.
    assert network.attributes["cidr"] is None
    read = network_type.read(ident("sn"), network.physical_id, props)
    assert read is not None and read.properties == props

    # Security services change in place while no share server uses the network.
    without = {**props, "security_services": []}
    network_type.update(
        ident("sn"), network.physical_id, props, without, frozenset({"security_services"})
    )
    read = network_type.read(ident("sn"), network.physical_id, without)
    assert read is not None and read.properties is not None
    assert read.properties["security_services"] == []
    network_type.update(
        ident("sn"), network.physical_id, without, props, frozenset({"security_services"})
    )

    servers = {"name": f"servers-{unique}", "driver_handles_share_servers": True}
    share_type = admin_manila["OS::Manila::ShareType"].create(ident("type"), servers)
    share_props = {
        "share_protocol": "CIFS",
        "size": 1,
        "share_network": f"sn-{unique}",
        "share_type": f"servers-{unique}",
    }
    share = manila["OS::Manila::Share"].create(ident("share"), share_props)
    admin = cloud.admin_sdk()
    assert admin.shared_file_system.get_share(share.physical_id).share_server_id
    read = network_type.read(ident("sn"), network.physical_id, props)
    assert read is not None and read.attributes["cidr"] == "10.73.0.0/24"
    # Once a share server uses the network, Manila (below 2.63) keeps its security services.
    with pytest.raises(ProviderError, match="Share network is used"):
        network_type.update(
            ident("sn"), network.physical_id, props, without, frozenset({"security_services"})
        )

    manila["OS::Manila::Share"].delete(ident("share"), share.physical_id, share_props)
    network_type.delete(ident("sn"), network.physical_id, props)
    admin_manila["OS::Manila::ShareType"].delete(ident("type"), share_type.physical_id, servers)
    manila["OS::Manila::SecurityService"].delete(ident("ldap"), service.physical_id, service_props)
    assert (
        manila["OS::Manila::SecurityService"].read(ident("ldap"), service.physical_id, {}) is None
    )


def test_share_type_extra_specs(admin_manila: dict[str, Any], ident: Any, unique: str) -> None:
    type_type = admin_manila["OS::Manila::ShareType"]
    props = {
        "name": f"gold-{unique}",
        "driver_handles_share_servers": False,
        "extra_specs": {"replication_type": "dr", "tier": "gold"},
    }
    created = type_type.create(ident("type"), props)
    new = {**props, "extra_specs": {"tier": "platinum"}}
    type_type.update(ident("type"), created.physical_id, props, new, frozenset({"extra_specs"}))
    read = type_type.read(ident("type"), created.physical_id, new)
    assert read is not None and read.properties == new
    type_type.delete(ident("type"), created.physical_id, new)


def test_check_names_missing_share_network(cloud: Any, manila: dict[str, Any]) -> None:
    found = manila["OS::Manila::Share"].check(
        {"share_protocol": "NFS", "size": 1, "share_network": "no-such-net"}
    )
    assert [d.message for d in found] == ["share network `no-such-net` not found"]


def test_share_found_again_by_its_token(cloud: Any, manila: dict[str, Any], ident: Any) -> None:
    """A create whose answer was lost is adopted by the token in the share's metadata."""
    share_type = manila["OS::Manila::Share"]
    who = ident("share")
    token = type(who)(who.workspace, who.environment, who.stack, who.address, "tok-3")
    props = {"share_protocol": "NFS", "size": 1}
    started = share_type.start_create(token, props)
    assert share_type.find_created(token, props, None, ()) == started.physical_id
    assert share_type.find_created(token, props, None, {started.physical_id}) is None
    done = share_type.finish_create(token, started, props)
    assert done.attributes["status"] == "available"
    share_type.delete(who, started.physical_id, props)
