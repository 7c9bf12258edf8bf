"""Neutron VPNaaS (VPN services, IKE and IPsec policies, IPsec site connections) and metering
labels with their rules.

None of these objects carries tags in Neutron, so an interrupted create is found by its natural
key: the name (given, or the stack's default name, which names nothing else), or for a metering
rule its label, direction and prefix. Heat gives the VPN types and metering labels a
handle_update for their update_allowed properties; metering rules are replaced on change.
A site connection's pre-shared key is kept out of its ``show`` attribute.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import OpenStackResource, default_name, show
from atonix_iac.providers.openstack._neutron import NeutronResource, body_field


class NamedUntagged(NeutronResource):
    """A VPNaaS or metering object: named (by default the stack's name for it), untagged."""

    tagged = False

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        for name in self.schema.attributes:
            if name not in attrs and name in self.passthrough:
                attrs[name] = body_field(obj, name)
        return attrs

    def same(self, name: str, given: Any, live: Any) -> bool:
        if isinstance(given, Mapping) and isinstance(live, Mapping):
            # A lifetime or dpd map: Neutron fills the keys a template leaves out.
            return all(str(live.get(k)) == str(v) for k, v in given.items())
        return super().same(name, given, live)


class VPNService(NamedUntagged):
    type_name = "OS::Neutron::VPNService"
    noun = "vpn_service"
    plural = "vpn_services"
    what = "VPN service"
    passthrough = ("name", "description", "admin_state_up")
    map_constraints = {"router": "neutron.router", "subnet": "neutron.subnet"}
    plain_attributes = ("status", "router_id", "subnet_id")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        router = props.get("router") or props.get("router_id")
        subnet = props.get("subnet") or props.get("subnet_id")
        body["router_id"] = self.resolve("neutron.router", str(router))
        if subnet:
            body["subnet_id"] = self.resolve("neutron.subnet", str(subnet))
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live.update(router=obj.router_id, subnet=obj.subnet_id)
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name in ("router", "subnet") and given != live:
            constraint = f"neutron.{name}"
            return bool(self.resolve(constraint, str(given)) == live)
        return super().same(name, given, live)


class IKEPolicy(NamedUntagged):
    type_name = "OS::Neutron::IKEPolicy"
    noun = "vpn_ike_policy"
    plural = "vpn_ike_policies"
    what = "IKE policy"
    passthrough = (
        "name",
        "description",
        "auth_algorithm",
        "encryption_algorithm",
        "phase1_negotiation_mode",
        "lifetime",
        "pfs",
        "ike_version",
    )


class IPsecPolicy(NamedUntagged):
    type_name = "OS::Neutron::IPsecPolicy"
    noun = "vpn_ipsec_policy"
    plural = "vpn_ipsec_policies"
    what = "IPsec policy"
    passthrough = (
        "name",
        "description",
        "transform_protocol",
        "encapsulation_mode",
        "auth_algorithm",
        "encryption_algorithm",
        "lifetime",
        "pfs",
    )


class IPsecSiteConnection(NamedUntagged):
    type_name = "OS::Neutron::IPsecSiteConnection"
    noun = "vpn_ipsec_site_connection"
    plural = "vpn_ipsec_site_connections"
    what = "IPsec site connection"
    passthrough = (
        "name",
        "description",
        "peer_address",
        "peer_id",
        "peer_cidrs",
        "mtu",
        "dpd",
        "psk",
        "initiator",
        "admin_state_up",
        "ikepolicy_id",
        "ipsecpolicy_id",
        "vpnservice_id",
    )
    plain_attributes = ("status", "auth_mode", "route_mode")

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["show"] = {k: v for k, v in attrs["show"].items() if k != "psk"}
        return attrs

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "peer_cidrs":
            return sorted(given or []) == sorted(live or [])
        return super().same(name, given, live)


class MeteringLabel(NamedUntagged):
    type_name = "OS::Neutron::MeteringLabel"
    noun = "metering_label"
    plural = "metering_labels"
    what = "metering label"
    passthrough = ("name", "description", "shared")


class MeteringRule(NeutronResource):
    type_name = "OS::Neutron::MeteringRule"
    noun = "metering_label_rule"
    plural = "metering_label_rules"
    what = "metering rule"
    tagged = False
    natural_keys = ("metering_label_id", "direction", "remote_ip_prefix")
    passthrough = ("metering_label_id", "remote_ip_prefix", "direction", "excluded")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("direction", "ingress")
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = {name: body_field(obj, name) for name in self.passthrough}
        attrs["show"] = show(obj)
        return attrs


TYPES: tuple[type[OpenStackResource], ...] = (
    VPNService,
    IKEPolicy,
    IPsecPolicy,
    IPsecSiteConnection,
    MeteringLabel,
    MeteringRule,
)
