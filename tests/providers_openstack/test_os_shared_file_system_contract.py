"""Contract tests for the Manila types: a share with access rules on a share network.

Share types are an admin's (Manila's policy), and so is a share's ``share_server_id``: on a real
target those steps run only when ATONIX_REALCLOUD_ADMIN_CLOUD names an admin cloud. A share on
a share network names a share type whose driver handles share servers, as on any Manila.
"""

from __future__ import annotations

from typing import Any

import pytest

from atonix_iac.errors import ProviderError, ProviderTimeoutError, ResourceFailedError
from atonix_iac.providers.openstack import OpenStackProvider
from atonix_iac.workspace.config import Binding

from .conftest import require_service

TEST_TIMEOUT_S = 180
pytestmark = pytest.mark.timeout(TEST_TIMEOUT_S)


@pytest.fixture
def manila(cloud: Any) -> dict[str, Any]:
    """The resource types, waiting well inside the test's timeout: a share or rule that never
    settles fails with the provider's message (its status, the rules left), not pytest's."""
    require_service(cloud, "shared-file-system")
    timeout_s = min(cloud.timeout_s, TEST_TIMEOUT_S / 2)
    return dict(cloud.provider(timeout_s=timeout_s).resource_types())


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


def test_rule_level_changes_in_place(
    cloud: Any, manila: dict[str, Any], ident: Any, unique: str
) -> None:
    """Manila counts a rule being revoked as existing: the same address at another level is
    granted only once the old rule is gone (the simulator revokes as slowly as the dev cloud)."""
    if cloud.sim is not None:
        cloud.sim.set_delay(0.3, "share_access")
    sdk = cloud.sdk()
    share_type = manila["OS::Manila::Share"]
    rw = [{"access_type": "ip", "access_to": "10.74.0.0/24", "access_level": "rw"}]
    props = {"name": f"share-{unique}", "share_protocol": "NFS", "size": 1, "access_rules": rw}
    created = share_type.create(ident("share"), props)
    ro = {**props, "access_rules": [{**rw[0], "access_level": "ro"}]}
    share_type.update(ident("share"), created.physical_id, props, ro, frozenset({"access_rules"}))
    access = list(sdk.shared_file_system.access_rules(created.physical_id))
    assert [(r.access_to, r.access_level, r.state) for r in access] == [
        ("10.74.0.0/24", "ro", "active")
    ]
    shown = sdk.shared_file_system.get(f"/shares/{created.physical_id}", microversion="2.45")
    assert shown.json()["share"]["access_rules_status"] == "active"
    share_type.delete(ident("share"), created.physical_id, ro)


def test_refused_rule_is_named(cloud: Any, manila: dict[str, Any], ident: Any) -> None:
    sim = cloud.require_sim()
    sim.set_delay(0.1, "share_access")
    sim.set_lifecycle([{"kind": "share_access", "outcome": "error", "name": "10.75.0.9"}])
    rules = [
        {"access_type": "ip", "access_to": "10.75.0.8", "access_level": "rw"},
        {"access_type": "ip", "access_to": "10.75.0.9", "access_level": "ro"},
    ]
    props = {"share_protocol": "NFS", "size": 1, "access_rules": rules}
    with pytest.raises(ResourceFailedError) as failed:
        manila["OS::Manila::Share"].create(ident("share"), props)
    assert failed.value.physical_id
    assert str(failed.value.message).endswith(
        "went to status ERROR; rules not settled: ip:10.75.0.9 (ro) error"
    )


def test_rule_never_picked_up_is_named(cloud: Any, ident: Any) -> None:
    sim = cloud.require_sim()
    sim.set_lifecycle([{"kind": "share_access", "outcome": "stuck", "name": "10.76.*"}])
    share_type = dict(cloud.provider(timeout_s=0.5).resource_types())["OS::Manila::Share"]
    rules = [{"access_type": "ip", "access_to": "10.76.0.1", "access_level": "rw"}]
    props = {"share_protocol": "NFS", "size": 1, "access_rules": rules}
    started = share_type.start_create(ident("share"), props)
    with pytest.raises(ProviderTimeoutError) as late:
        share_type.finish_create(ident("share"), started, props)
    assert str(late.value.message).endswith(
        "not ready after 0.5 s (status syncing); rules not settled: "
        "ip:10.76.0.1 (rw) queued_to_apply"
    )
    assert sim.release_stuck("share_access") == 1
    done = share_type.finish_create(ident("share"), started, props)
    assert done.attributes["status"] == "available"
    share_type.delete(ident("share"), started.physical_id, props)


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
