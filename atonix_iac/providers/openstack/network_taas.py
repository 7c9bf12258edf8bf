"""Neutron Tap-as-a-Service: OS::Neutron::TaaS::TapService and TapFlow.

Neither carries tags, so an interrupted create is found by its name (given, or the stack's
default name, as Heat names them with the physical resource name). Only name and description
change in place; the rest is replaced, as in Heat.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import OpenStackResource
from atonix_iac.providers.openstack.network_vpn import NamedUntagged


class TapService(NamedUntagged):
    type_name = "OS::Neutron::TaaS::TapService"
    noun = "tap_service"
    plural = "tap_services"
    what = "tap service"
    passthrough = ("name", "description")
    map_constraints = {"port": "neutron.port"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body["port_id"] = self.resolve("neutron.port", str(props["port"]))
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live["port"] = obj.port_id
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "port" and given != live:
            return bool(self.resolve("neutron.port", str(given)) == live)
        return super().same(name, given, live)


class TapFlow(NamedUntagged):
    type_name = "OS::Neutron::TaaS::TapFlow"
    noun = "tap_flow"
    plural = "tap_flows"
    what = "tap flow"
    passthrough = ("name", "description", "direction", "vlan_filter")
    map_constraints = {"port": "neutron.port"}

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body["source_port"] = self.resolve("neutron.port", str(props["port"]))
        service = str(props["tap_service"])
        found = self.conn.network.find_tap_service(service, ignore_missing=True)
        body["tap_service_id"] = str(found.id) if found is not None else service
        body.setdefault("direction", "BOTH")
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live.update(port=obj.source_port, tap_service=obj.tap_service_id)
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "port" and given != live:
            return bool(self.resolve("neutron.port", str(given)) == live)
        if name == "tap_service" and given != live:
            found = self.conn.network.find_tap_service(str(given), ignore_missing=True)
            return found is not None and found.id == live
        return super().same(name, given, live)


TYPES: tuple[type[OpenStackResource], ...] = (TapService, TapFlow)
