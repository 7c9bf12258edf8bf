"""Neutron's admin-flavoured types: SubnetPool, ProviderNet, Trunk and Segment.

A provider network is a network with Neutron's admin-only ``provider:*`` and ``router:external``
fields, which the SDK names ``provider_network_type`` ... on the objects it returns; both are
tagged with the stack identity like every Neutron object.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Mapping
from typing import Any, ClassVar

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import default_name
from atonix_iac.providers.openstack._neutron import NeutronResource


class SubnetPool(NeutronResource):
    type_name = "OS::Neutron::SubnetPool"
    noun = "subnet_pool"
    plural = "subnet_pools"
    what = "subnet pool"
    passthrough = (
        "name",
        "prefixes",
        "min_prefixlen",
        "max_prefixlen",
        "default_prefixlen",
        "default_quota",
        "is_default",
        "shared",
    )

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        if props.get("address_scope"):
            body["address_scope_id"] = self._scope(str(props["address_scope"]))
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        if "address_scope" in changed:
            scope = new.get("address_scope")
            body["address_scope_id"] = self._scope(str(scope)) if scope else None
        return body

    def _scope(self, name_or_id: str) -> str:
        return str(self.conn.network.find_address_scope(name_or_id, ignore_missing=False).id)

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live.update(
            prefixes=list(obj.prefixes or []),
            address_scope=obj.address_scope_id,
            min_prefixlen=obj.minimum_prefix_length,
            max_prefixlen=obj.maximum_prefix_length,
            default_prefixlen=obj.default_prefix_length,
            is_default=obj.is_default,
            shared=obj.is_shared,
        )
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name.endswith("prefixlen"):
            return str(given) == str(live)
        if name == "prefixes":
            return _compacted(given) == _compacted(live)
        if name == "address_scope" and given != live:
            found = self.conn.network.find_address_scope(str(given), ignore_missing=True)
            return found is not None and found.id == live
        return super().same(name, given, live)


def _compacted(prefixes: Any) -> list[str]:
    """The prefixes as Neutron stores them: merged into the fewest CIDRs (it answers
    10.90.0.0/15 for 10.90.0.0/16 and 10.91.0.0/16), so a merged read is no drift."""
    try:
        nets = [ipaddress.ip_network(str(p), strict=False) for p in prefixes or []]
    except ValueError:
        return sorted(map(str, prefixes or []))
    merged: list[str] = []
    for version in (4, 6):
        same_version = [n for n in nets if n.version == version]
        merged += [str(n) for n in ipaddress.collapse_addresses(same_version)]  # type: ignore[type-var]
    return merged


class ProviderNet(NeutronResource):
    type_name = "OS::Neutron::ProviderNet"
    noun = "network"
    plural = "networks"
    what = "provider network"
    passthrough = ("name", "admin_state_up", "shared", "port_security_enabled", "dns_domain")
    plain_attributes = ("status",)
    # Heat property -> (API field, SDK attribute)
    PROVIDER: ClassVar[Mapping[str, tuple[str, str]]] = {
        "network_type": ("provider:network_type", "provider_network_type"),
        "physical_network": ("provider:physical_network", "provider_physical_network"),
        "segmentation_id": ("provider:segmentation_id", "provider_segmentation_id"),
        "router_external": ("router:external", "is_router_external"),
    }

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        for prop, (field, _attr) in self.PROVIDER.items():
            if props.get(prop) is not None:
                body[field] = self._value(prop, props[prop])
        if props.get("availability_zone_hints"):
            body["availability_zone_hints"] = props["availability_zone_hints"]
        return body

    @staticmethod
    def _value(prop: str, value: Any) -> Any:
        # Heat's segmentation_id is a String; Neutron's an integer.
        return int(value) if prop == "segmentation_id" and str(value).isdigit() else value

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        for prop, (field, _attr) in self.PROVIDER.items():
            if prop in changed:
                body[field] = self._value(prop, new.get(prop))
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        for prop, (_field, attr) in self.PROVIDER.items():
            live[prop] = getattr(obj, attr, None)
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "segmentation_id":
            return str(given) == str(live)
        return super().same(name, given, live)

    def attributes(self, obj: Any) -> dict[str, Any]:
        attrs = super().attributes(obj)
        attrs["subnets"] = list(getattr(obj, "subnet_ids", None) or [])
        attrs["segments"] = getattr(obj, "segments", None)
        return attrs


def _subport_key(item: Mapping[str, Any]) -> tuple[str, str, str]:
    return (
        str(item.get("port_id") or item.get("port")),
        str(item.get("segmentation_type") or "vlan"),
        str(item.get("segmentation_id")),
    )


class Trunk(NeutronResource):
    """A parent port and its subports; ``sub_ports`` is reconciled in place (add_subports,
    remove_subports), as Heat's trunk does."""

    type_name = "OS::Neutron::Trunk"
    noun = "trunk"
    plural = "trunks"
    what = "trunk"
    natural_keys = ("name", "port_id")
    passthrough = ("name", "description", "admin_state_up")
    plain_attributes = ("port_id",)

    def _subports(self, items: Any) -> list[dict[str, Any]]:
        out = []
        for item in items or []:
            entry: dict[str, Any] = {
                "port_id": self.resolve("neutron.port", str(item["port"])),
                "segmentation_type": item.get("segmentation_type") or "vlan",
            }
            if item.get("segmentation_id") is not None:
                entry["segmentation_id"] = int(item["segmentation_id"])
            out.append(entry)
        return out

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        body["port_id"] = self.resolve("neutron.port", str(props["port"]))
        if props.get("sub_ports"):
            body["sub_ports"] = self._subports(props["sub_ports"])
        return body

    def after_update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> None:
        if "sub_ports" not in changed:
            return
        wanted = {_subport_key(s): s for s in self._subports(new.get("sub_ports"))}
        live = self.conn.network.get_trunk_subports(physical_id).get("sub_ports") or []
        have = {_subport_key(s): s for s in live}
        stale = [{"port_id": s["port_id"]} for k, s in have.items() if k not in wanted]
        if stale:
            self.conn.network.delete_trunk_subports(physical_id, stale)
        added = [s for k, s in wanted.items() if k not in have]
        if added:
            self.conn.network.add_trunk_subports(physical_id, added)

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live["port"] = obj.port_id
        live["sub_ports"] = list(obj.sub_ports or [])
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "port" and given != live:
            return bool(self.resolve("neutron.port", str(given)) == live)
        if name == "sub_ports" and isinstance(given, list):
            return {_subport_key(s) for s in self._subports(given)} == {
                _subport_key(s) for s in live or []
            }
        return super().same(name, given, live)


class Segment(NeutronResource):
    type_name = "OS::Neutron::Segment"
    noun = "segment"
    plural = "segments"
    what = "segment"
    tagged = False  # the SDK's Segment has no tag calls
    natural_keys = ("name", "network_id")
    passthrough = ("name", "description", "network_type", "physical_network", "segmentation_id")

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        body["network_id"] = self.resolve("neutron.network", str(props["network"]))
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live["network"] = obj.network_id
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "network" and given != live:
            return bool(self.resolve("neutron.network", str(given)) == live)
        return super().same(name, given, live)


TYPES: tuple[type[NeutronResource], ...] = (SubnetPool, ProviderNet, Trunk, Segment)
