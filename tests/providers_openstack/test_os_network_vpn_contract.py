"""Contract tests for Neutron VPNaaS (service, IKE and IPsec policies, site connection) and
metering (labels and rules): create, read without drift, update, find an interrupted create,
delete twice."""

from __future__ import annotations

import uuid
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceResult
from tests.providers_openstack._services import require_extension

pytestmark = pytest.mark.timeout(120)


def _router_with_subnet(cloud: Any, ident: Any, unique: str) -> tuple[str, str]:
    types = cloud.provider().resource_types()
    net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"),
        {"network": net.physical_id, "cidr": "10.94.0.0/24", "name": f"vpn-sub-{unique}"},
    )
    router = types["OS::Neutron::Router"].create(
        ident("router"),
        {"name": f"vpn-r-{unique}", "external_gateway_info": {"network": cloud.public_network}},
    )
    types["OS::Neutron::RouterInterface"].create(
        ident("iface"), {"router": router.physical_id, "subnet": subnet.physical_id}
    )
    return router.physical_id, subnet.physical_id


def test_vpn_service_policies_and_site_connection(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "vpnaas")
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    router_id, _subnet_id = _router_with_subnet(cloud, ident, unique)

    service_type = types["OS::Neutron::VPNService"]
    # By name, as templates write them.
    service_props = {"router": f"vpn-r-{unique}", "subnet": f"vpn-sub-{unique}"}
    service = service_type.create(ident("vpn"), service_props)
    assert service.attributes["router_id"] == router_id
    assert service.attributes["status"] == "PENDING_CREATE"
    read = service_type.read(ident("vpn"), service.physical_id, service_props)
    assert read is not None and read.properties == service_props

    ike_type = types["OS::Neutron::IKEPolicy"]
    ike_props = {"name": f"ike-{unique}", "lifetime": {"value": 7200}, "pfs": "group14"}
    ike = ike_type.create(ident("ike"), ike_props)
    assert ike.attributes["lifetime"] == {"units": "seconds", "value": 7200}
    read = ike_type.read(ident("ike"), ike.physical_id, ike_props)
    assert read is not None and read.properties == ike_props
    ipsec = types["OS::Neutron::IPsecPolicy"].create(ident("ipsec"), {})
    assert ipsec.attributes["transform_protocol"] == "esp"

    conn_type = types["OS::Neutron::IPsecSiteConnection"]
    conn_props = {
        "name": f"site-{unique}",
        "peer_address": "172.24.4.233",
        "peer_id": "172.24.4.233",
        "peer_cidrs": ["10.2.0.0/24"],
        "psk": "s3cret-psk",
        "dpd": {"interval": 60},
        "ikepolicy_id": ike.physical_id,
        "ipsecpolicy_id": ipsec.physical_id,
        "vpnservice_id": service.physical_id,
    }
    conn = conn_type.create(ident("site"), conn_props)
    assert "psk" not in conn.attributes["show"]
    assert sdk.network.get_vpn_service(service.physical_id).status == "ACTIVE"
    read = conn_type.read(ident("site"), conn.physical_id, conn_props)
    assert read is not None and read.properties == conn_props

    renamed = {**conn_props, "name": f"site-{unique}-b", "admin_state_up": False}
    conn_type.update(
        ident("site"), conn.physical_id, conn_props, renamed, frozenset({"name", "admin_state_up"})
    )
    live = sdk.network.get_vpn_ipsec_site_connection(conn.physical_id)
    assert (live.name, live.is_admin_state_up) == (f"site-{unique}-b", False)

    # A policy in use cannot go before the connection that uses it.
    with pytest.raises(ProviderError, match="in use"):
        ike_type.delete(ident("ike"), ike.physical_id, ike_props)
    conn_type.delete(ident("site"), conn.physical_id, renamed)
    conn_type.delete(ident("site"), conn.physical_id, renamed)  # already gone: no error
    assert conn_type.read(ident("site"), conn.physical_id, renamed) is None
    ike_type.delete(ident("ike"), ike.physical_id, ike_props)
    types["OS::Neutron::IPsecPolicy"].delete(ident("ipsec"), ipsec.physical_id, {})
    service_type.delete(ident("vpn"), service.physical_id, service_props)
    assert service_type.read(ident("vpn"), service.physical_id, service_props) is None


def test_vpn_service_needs_a_router_gateway(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "vpnaas")
    types = cloud.provider().resource_types()
    router = types["OS::Neutron::Router"].create(ident("router"), {})
    subnet_net = types["OS::Neutron::Net"].create(ident("net"), {})
    subnet = types["OS::Neutron::Subnet"].create(
        ident("subnet"), {"network": subnet_net.physical_id, "cidr": "10.95.0.0/24"}
    )
    props = {"router": router.physical_id, "subnet": subnet.physical_id}
    with pytest.raises(ProviderError, match="gateway"):
        types["OS::Neutron::VPNService"].create(ident("vpn"), props)
    # A router named wrong is caught at plan time, with a close name.
    diagnostics = types["OS::Neutron::VPNService"].check(
        {"router": f"vpn-r-{unique}x", "subnet": subnet.physical_id}
    )
    assert [d.message for d in diagnostics] == [f"router `vpn-r-{unique}x` not found"]


def test_interrupted_ike_policy_create_is_found_by_name(cloud: Any, ident: Any) -> None:
    require_extension(cloud, "vpnaas")
    ike_type = cloud.provider().resource_types()["OS::Neutron::IKEPolicy"]
    who = replace(ident("ike"), token=str(uuid.uuid4()))
    since = datetime.now(UTC)
    started = ike_type.start_create(who, {})
    assert ike_type.find_created(who, {}, since, frozenset()) == started.physical_id
    assert ike_type.find_created(who, {}, since, frozenset({started.physical_id})) is None
    done = ike_type.finish_create(who, ResourceResult(started.physical_id), {})
    assert done.attributes["auth_algorithm"] == "sha1"
    ike_type.delete(who, started.physical_id, {})


def test_metering_label_and_rule(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "metering")
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    label_type = types["OS::Neutron::MeteringLabel"]
    label_props = {"name": f"meter-{unique}", "description": "egress to the world"}
    label = label_type.create(ident("label"), label_props)
    assert label.attributes["shared"] is False
    read = label_type.read(ident("label"), label.physical_id, label_props)
    assert read is not None and read.properties == label_props

    rule_type = types["OS::Neutron::MeteringRule"]
    rule_props = {
        "metering_label_id": label.physical_id,
        "remote_ip_prefix": "0.0.0.0/0",
        "direction": "egress",
        "excluded": False,
    }
    since = datetime.now(UTC)
    started = rule_type.start_create(ident("rule"), rule_props)
    # Killed before state recorded it: found again by label, direction and prefix.
    assert rule_type.find_created(ident("rule"), rule_props, since, frozenset()) == (
        started.physical_id
    )
    rule = rule_type.finish_create(ident("rule"), ResourceResult(started.physical_id), rule_props)
    assert rule.attributes["direction"] == "egress"
    read = rule_type.read(ident("rule"), rule.physical_id, rule_props)
    assert read is not None and read.properties == rule_props
    assert [r.id for r in sdk.network.metering_label_rules(metering_label_id=label.physical_id)]

    rule_type.delete(ident("rule"), rule.physical_id, rule_props)
    rule_type.delete(ident("rule"), rule.physical_id, rule_props)
    label_type.delete(ident("label"), label.physical_id, label_props)
    assert label_type.read(ident("label"), label.physical_id, label_props) is None
