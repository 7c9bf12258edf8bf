"""networking-l2gw: OS::Neutron::L2Gateway and OS::Neutron::L2GatewayConnection.

openstacksdk has no classes for them: requests go through its network proxy (the Neutron
endpoint, ``/v2.0`` added) as plain JSON. Neither carries tags: a gateway is found again after
an interrupted create by its name, a connection by its gateway and network (connected once).
A gateway's name and devices change in place; a connection is replaced on change.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.openstack._base import ReplacedOnChange
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._rest import RestResource


class L2Gateway(RestResource):
    type_name = "OS::Neutron::L2Gateway"
    service = "network"
    path = "/l2-gateways"
    key, plural, what = "l2_gateway", "l2_gateways", "L2 gateway"
    fields = {"name": "name", "devices": "devices"}


class L2GatewayConnection(ReplacedOnChange, RestResource):
    type_name = "OS::Neutron::L2GatewayConnection"
    service = "network"
    path = "/l2-gateway-connections"
    key, plural, what = "l2_gateway_connection", "l2_gateway_connections", "L2 gateway connection"
    named = False
    fields = {"l2_gateway_id": "l2_gateway_id", "segmentation_id": "segmentation_id"}
    references = {"network_id": ("network_id", "neutron.network")}

    def same(self, prop: str, given: Any, value: Any) -> bool:
        if prop == "segmentation_id":
            return str(given) == str(value)
        return super().same(prop, given, value)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        network = self.reference_id("network_id", properties["network_id"])
        gateway = str(properties["l2_gateway_id"])
        with sdk_errors(f"looking for an interrupted {self.what} create"):
            answer = self.call("GET", self.path, l2_gateway_id=gateway) or {}
        for raw in answer.get(self.plural) or []:
            found = str(raw.get("id"))
            if raw.get("network_id") == network and found not in claimed:
                return found
        return None


TYPES: tuple[type[RestResource], ...] = (L2Gateway, L2GatewayConnection)
