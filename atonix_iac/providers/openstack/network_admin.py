"""Neutron's pools and provider networks: OS::Neutron::SubnetPool and OS::Neutron::ProviderNet.

A provider network is a network with Neutron's admin-only ``provider:*`` and ``router:external``
fields, which the SDK names ``provider_network_type`` ... on the objects it returns; both are
tagged with the stack identity like every Neutron object.
"""

from __future__ import annotations

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
            return sorted(map(str, given or [])) == sorted(map(str, live or []))
        if name == "address_scope" and given != live:
            found = self.conn.network.find_address_scope(str(given), ignore_missing=True)
            return found is not None and found.id == live
        return super().same(name, given, live)


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


TYPES: tuple[type[NeutronResource], ...] = (SubnetPool, ProviderNet)
