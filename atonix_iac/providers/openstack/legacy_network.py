"""Types Heat hides but still runs, as its plugins run them today (Neutron underneath):

- ``OS::Nova::FloatingIP``: a Neutron floating IP on ``pool`` (a network name or id), else on
  the one external network (Heat refuses several); attributes ``ip`` and ``pool`` (the
  network's id), as Heat's nova/floatingip.py resolves them.
- ``OS::Nova::FloatingIPAssociation``: binds that floating IP to the server's first port
  (Heat's nova plugin ``associate_floatingip``), through OS::Neutron::FloatingIPAssociation.
- ``OS::Neutron::RouterGateway``: sets the router's ``external_gateway_info`` (what
  neutronclient's ``add_gateway_router`` sends); deleting it clears the gateway. Physical id
  ``<router_id>:<network_id>`` as Heat writes it.

The floating IP types delegate their lifecycle (two-step create with its token, find_created,
delete) to the native Neutron types (``aws_mapped.MappedResource``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import ReplacedOnChange, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.aws_mapped import MappedResource
from atonix_iac.providers.openstack.routing import FloatingIP, FloatingIPAssociation


class NovaFloatingIP(MappedResource):
    type_name = "OS::Nova::FloatingIP"
    native_class = FloatingIP
    renames = {"pool": "floating_network"}

    def cloud_properties(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        native = self.translate(properties)
        if "floating_network" not in native:
            native["floating_network"] = self._external_network()
        return native

    def _external_network(self) -> str:
        with sdk_errors("looking up the external network"):
            found = [str(n.id) for n in self.conn.network.networks(is_router_external=True)]
        if len(found) != 1:
            raise ProviderError(
                f"OS::Nova::FloatingIP without `pool` needs exactly one external network "
                f"(router:external), as Heat does; found {len(found)}"
            )
        return found[0]

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {
            "ip": native.get("floating_ip_address"),
            "pool": native.get("floating_network_id"),
            "show": native.get("show", {}),
        }


class NovaFloatingIPAssociation(MappedResource):
    """Physical id = the floating IP's id (the native association's)."""

    type_name = "OS::Nova::FloatingIPAssociation"
    native_class = FloatingIPAssociation

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        return []  # both are ids of objects this stack usually makes (get_resource)

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The server's first port: known only in the cloud."""
        server = str(properties.get("server_id") or "")
        with sdk_errors(f"listing the ports of server {server}"):
            ports = list(self.conn.network.ports(device_id=server)) if server else []
        if not ports:
            raise ProviderError(f"server `{server}` has no port to bind a floating IP to")
        return {"floatingip_id": str(properties["floating_ip"]), "port_id": str(ports[0].id)}

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.native.delete(identity, physical_id, {})


class RouterGateway(ReplacedOnChange):
    type_name = "OS::Neutron::RouterGateway"

    def _target(self, props: Mapping[str, Any]) -> tuple[str, str]:
        network = props.get("network") or props.get("network_id")
        if not props.get("router_id") or not network:
            raise ProviderError("OS::Neutron::RouterGateway needs `router_id` and `network`")
        return (
            self.resolve("neutron.router", str(props["router_id"])),
            self.resolve("neutron.network", str(network)),
        )

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        router_id, network_id = self._target(properties)
        with sdk_errors(f"setting the gateway of router {router_id}"):
            router = self.conn.network.update_router(
                router_id, external_gateway_info={"network_id": network_id}
            )
        return ResourceResult(f"{router_id}:{network_id}", {"show": show(router)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The natural key: the router's gateway is already on the network."""
        router_id, network_id = self._target(properties)
        physical_id = f"{router_id}:{network_id}"
        if physical_id in claimed:
            return None
        return physical_id if self.read(identity, physical_id, properties) else None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        router_id, _, network_id = physical_id.partition(":")
        router = self.fetch(self.conn.network.get_router, router_id, "router")
        gateway = (router.external_gateway_info or {}) if router is not None else {}
        if gateway.get("network_id") != network_id:
            return None
        return ResourceResult(physical_id, {"show": show(router)}, {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        router_id, _, network_id = physical_id.partition(":")
        router = self.fetch(self.conn.network.get_router, router_id, "router")
        gateway = (router.external_gateway_info or {}) if router is not None else {}
        if gateway.get("network_id") != network_id:
            return  # gone already, or another gateway now: not ours to clear
        self.gone_ok(
            lambda: self.conn.network.update_router(router_id, external_gateway_info={}),
            f"gateway of router {router_id}",
        )


TYPES = (NovaFloatingIP, NovaFloatingIPAssociation, RouterGateway)
