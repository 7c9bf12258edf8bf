"""Neutron networks, subnets and ports (OS::Neutron::Net, Subnet, Port)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from openstack.network.v2 import network as sdk_network
from openstack.network.v2 import port as sdk_port
from openstack.network.v2 import subnet as sdk_subnet

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import default_name
from atonix_iac.providers.openstack._neutron import NeutronResource


class Net(NeutronResource):
    type_name = "OS::Neutron::Net"
    sdk_class = sdk_network.Network
    noun = "network"
    plural = "networks"
    what = "network"
    passthrough = ("name", "admin_state_up", "shared", "port_security_enabled", "dns_domain")
    plain_attributes = ("name", "status", "admin_state_up", "mtu", "port_security_enabled")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        if props.get("availability_zone_hints"):
            body["availability_zone_hints"] = props["availability_zone_hints"]
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["subnets"] = list(getattr(obj, "subnet_ids", None) or [])
        attrs["segments"] = getattr(obj, "segments", None)
        attrs["qos_policy_id"] = getattr(obj, "qos_policy_id", None)
        return attrs


class Subnet(NeutronResource):
    type_name = "OS::Neutron::Subnet"
    sdk_class = sdk_subnet.Subnet
    noun = "subnet"
    plural = "subnets"
    natural_keys = ("name", "network_id", "cidr")
    what = "subnet"
    passthrough = (
        "name",
        "cidr",
        "ip_version",
        "gateway_ip",
        "enable_dhcp",
        "dns_nameservers",
        "allocation_pools",
        "host_routes",
        "ipv6_address_mode",
        "ipv6_ra_mode",
        "prefixlen",
    )
    plain_attributes = (
        "name",
        "cidr",
        "ip_version",
        "gateway_ip",
        "enable_dhcp",
        "dns_nameservers",
        "allocation_pools",
        "host_routes",
        "network_id",
    )

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        body.setdefault("ip_version", 4)
        network = props.get("network") or props.get("network_id")
        if network:
            body["network_id"] = self.resolve("neutron.network", str(network))
        if props.get("subnetpool"):
            body["subnetpool_id"] = self.resolve_subnetpool(str(props["subnetpool"]))
        return body

    def resolve_subnetpool(self, name_or_id: str) -> str:
        pool = self.conn.network.find_subnet_pool(name_or_id, ignore_missing=False)
        return str(pool.id)

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live.pop("prefixlen", None)
        return live


def _fixed_ips(resource: NeutronResource, fixed_ips: Any) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for entry in fixed_ips or []:
        item: dict[str, Any] = {}
        subnet = entry.get("subnet") or entry.get("subnet_id")
        if subnet:
            item["subnet_id"] = resource.resolve("neutron.subnet", str(subnet))
        if entry.get("ip_address"):
            item["ip_address"] = entry["ip_address"]
        out.append(item)
    return out


class Port(NeutronResource):
    type_name = "OS::Neutron::Port"
    sdk_class = sdk_port.Port
    noun = "port"
    plural = "ports"
    natural_keys = ("name", "network_id")
    what = "port"
    passthrough = (
        "name",
        "admin_state_up",
        "mac_address",
        "allowed_address_pairs",
        "port_security_enabled",
        "device_id",
        "device_owner",
        "binding:vnic_type",
        "dns_name",
        "propagate_uplink_status",
    )
    plain_attributes = (
        "name",
        "admin_state_up",
        "allowed_address_pairs",
        "device_id",
        "device_owner",
        "fixed_ips",
        "mac_address",
        "network_id",
        "port_security_enabled",
        "propagate_uplink_status",
        "security_groups",
        "status",
        "dns_assignment",
        "qos_policy_id",
    )
    list_constraints = {"security_groups": "neutron.security_group"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.pop("binding:vnic_type", None)
        if props.get("binding:vnic_type"):
            body["binding_vnic_type"] = props["binding:vnic_type"]
        body.setdefault("name", default_name(identity))
        body.update(self._resolved(props))
        network = props.get("network") or props.get("network_id")
        if network:
            body["network_id"] = self.resolve("neutron.network", str(network))
        return body

    def _resolved(self, props: Mapping[str, Any]) -> dict[str, Any]:
        body: dict[str, Any] = {}
        if props.get("no_fixed_ips"):
            body["fixed_ips"] = []
        elif props.get("fixed_ips"):
            body["fixed_ips"] = _fixed_ips(self, props["fixed_ips"])
        if props.get("security_groups") is not None:
            body["security_group_ids"] = [
                self.resolve("neutron.security_group", str(sg)) for sg in props["security_groups"]
            ]
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        body.pop("binding:vnic_type", None)
        if "binding:vnic_type" in changed:
            body["binding_vnic_type"] = new.get("binding:vnic_type")
        resolved = self._resolved(new)
        if changed & {"fixed_ips", "no_fixed_ips"} and "fixed_ips" in resolved:
            body["fixed_ips"] = resolved["fixed_ips"]
        if "security_groups" in changed:
            body["security_group_ids"] = resolved.get("security_group_ids", [])
        return body

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["network"] = attrs.get("network_id")
        attrs["subnets"] = [ip.get("subnet_id") for ip in (obj.fixed_ips or [])]
        return attrs

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live.pop("binding:vnic_type", None)
        live["security_groups"] = list(obj.security_group_ids or [])
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "security_groups" and isinstance(given, list):
            try:
                ids = [self.resolve("neutron.security_group", str(sg)) for sg in given]
            except ProviderError:  # a name that no longer resolves is drift, not a crash
                return False
            return sorted(ids) == sorted(live or [])
        return super().same(name, given, live)
