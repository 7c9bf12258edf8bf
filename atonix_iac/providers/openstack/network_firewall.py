"""Heat's FWaaS types on FWaaS v2: OS::Neutron::FirewallRule, FirewallPolicy and Firewall.

Heat's plugins speak FWaaS v1 (``/fw/firewalls``), which neutron-fwaas removed; openstacksdk
and today's Neutron speak v2 (``/fwaas/...``). Rules and policies have the same fields in
both; a v1 firewall is a v2 firewall group whose ingress and egress policies are both the
template's ``firewall_policy_id``. Nothing here carries tags: an interrupted create is found by
its name (given, or the stack's default name). A rule's protocol "any" is Neutron's null and
its ip_version Heat's text "4".
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import OpenStackResource
from atonix_iac.providers.openstack.network_vpn import NamedUntagged


class FirewallRule(NamedUntagged):
    type_name = "OS::Neutron::FirewallRule"
    noun = "firewall_rule"
    plural = "firewall_rules"
    what = "firewall rule"
    passthrough = (
        "name",
        "description",
        "shared",
        "protocol",
        "ip_version",
        "source_ip_address",
        "destination_ip_address",
        "source_port",
        "destination_port",
        "action",
        "enabled",
    )
    plain_attributes = ("firewall_policy_id",)

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        return self._converted(super().body(identity, props))

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        return self._converted(super().update_body(old, new, changed))

    @staticmethod
    def _converted(body: dict[str, Any]) -> dict[str, Any]:
        if body.get("protocol") == "any":
            body["protocol"] = None
        if body.get("ip_version") is not None:
            body["ip_version"] = int(body["ip_version"])
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["protocol"] = obj.protocol or "any"
        attrs["ip_version"] = str(obj.ip_version)
        attrs["position"] = None  # a v1 field: v2 rules have an order in their policy only
        return attrs

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "protocol":
            return bool((None if given == "any" else given) == live)
        if name == "ip_version":
            return str(given) == str(live)
        return super().same(name, given, live)


class FirewallPolicy(NamedUntagged):
    type_name = "OS::Neutron::FirewallPolicy"
    noun = "firewall_policy"
    plural = "firewall_policies"
    what = "firewall policy"
    passthrough = ("name", "description", "shared", "audited", "firewall_rules")


class Firewall(NamedUntagged):
    type_name = "OS::Neutron::Firewall"
    noun = "firewall_group"
    plural = "firewall_groups"
    what = "firewall"
    passthrough = ("name", "description", "admin_state_up", "shared")
    plain_attributes = ("status",)

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        policy = props["firewall_policy_id"]
        body.update(ingress_firewall_policy_id=policy, egress_firewall_policy_id=policy)
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        if "firewall_policy_id" in changed:
            policy = new["firewall_policy_id"]
            body.update(ingress_firewall_policy_id=policy, egress_firewall_policy_id=policy)
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["firewall_policy_id"] = obj.ingress_firewall_policy_id
        return attrs

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live["firewall_policy_id"] = obj.ingress_firewall_policy_id
        return live


TYPES: tuple[type[OpenStackResource], ...] = (FirewallRule, FirewallPolicy, Firewall)
