"""Contract tests for Heat's FWaaS types (on FWaaS v2): rules in a policy used by a firewall,
read without drift, updated in place, in-use refusals, found again by name, deleted twice."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceResult
from tests.providers_openstack._services import require_extension

pytestmark = pytest.mark.timeout(120)


def test_firewall_policy_and_rules(cloud: Any, ident: Any, unique: str) -> None:
    require_extension(cloud, "fwaas_v2")
    types = cloud.provider().resource_types()
    sdk = cloud.sdk()
    rule_type = types["OS::Neutron::FirewallRule"]
    ssh_props = {
        "name": f"ssh-{unique}",
        "protocol": "tcp",
        "destination_port": "22",
        "action": "allow",
        "ip_version": "4",
    }
    since = datetime.now(UTC)
    started = rule_type.start_create(ident("ssh"), ssh_props)
    assert rule_type.find_created(ident("ssh"), ssh_props, since, frozenset()) == (
        started.physical_id
    )
    ssh = rule_type.finish_create(ident("ssh"), ResourceResult(started.physical_id), ssh_props)
    deny_props = {"protocol": "any", "action": "deny"}
    deny = rule_type.create(ident("deny"), deny_props)
    assert deny.attributes["protocol"] == "any"
    assert sdk.network.get_firewall_rule(deny.physical_id).protocol is None
    read = rule_type.read(ident("deny"), deny.physical_id, deny_props)
    assert read is not None and read.properties == deny_props

    policy_type = types["OS::Neutron::FirewallPolicy"]
    policy_props = {"name": f"pol-{unique}", "firewall_rules": [ssh.physical_id]}
    policy = policy_type.create(ident("policy"), policy_props)
    both = {**policy_props, "firewall_rules": [ssh.physical_id, deny.physical_id]}
    policy_type.update(
        ident("policy"), policy.physical_id, policy_props, both, frozenset({"firewall_rules"})
    )
    read = policy_type.read(ident("policy"), policy.physical_id, both)
    assert read is not None and read.properties == both
    assert sdk.network.get_firewall_rule(deny.physical_id).firewall_policy_id == (
        policy.physical_id
    )

    fw_type = types["OS::Neutron::Firewall"]
    fw_props = {"name": f"fw-{unique}", "firewall_policy_id": policy.physical_id}
    fw = fw_type.create(ident("fw"), fw_props)
    group = sdk.network.get_firewall_group(fw.physical_id)
    assert (
        group.ingress_firewall_policy_id == group.egress_firewall_policy_id == (policy.physical_id)
    )
    assert fw.attributes["firewall_policy_id"] == policy.physical_id
    read = fw_type.read(ident("fw"), fw.physical_id, fw_props)
    assert read is not None and read.properties == fw_props

    with pytest.raises(ProviderError, match="being used"):
        policy_type.delete(ident("policy"), policy.physical_id, both)
    with pytest.raises(ProviderError, match="being used"):
        rule_type.delete(ident("ssh"), ssh.physical_id, ssh_props)
    fw_type.delete(ident("fw"), fw.physical_id, fw_props)
    fw_type.delete(ident("fw"), fw.physical_id, fw_props)
    policy_type.delete(ident("policy"), policy.physical_id, both)
    rule_type.delete(ident("ssh"), ssh.physical_id, ssh_props)
    rule_type.delete(ident("deny"), deny.physical_id, deny_props)
    assert rule_type.read(ident("deny"), deny.physical_id, deny_props) is None
