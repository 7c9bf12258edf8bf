"""Neutron routing: routers, router interfaces, floating IPs and their associations."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import (
    OpenStackResource,
    ReplacedOnChange,
    default_name,
    show,
)
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack._neutron import NeutronResource


class Router(NeutronResource):
    type_name = "OS::Neutron::Router"
    noun = "router"
    plural = "routers"
    what = "router"
    passthrough = ("name", "admin_state_up", "distributed", "ha", "availability_zone_hints")
    plain_attributes = ("name", "admin_state_up", "status", "external_gateway_info")
    map_constraints = {"external_gateway_info.network": "neutron.network"}

    def _gateway(self, info: Mapping[str, Any] | None) -> dict[str, Any] | None:
        """Heat's ``external_gateway_info`` ({network, enable_snat, external_fixed_ips})."""
        if not info:
            return None
        network = info.get("network") or info.get("network_id")
        gateway: dict[str, Any] = {"network_id": self.resolve("neutron.network", str(network))}
        if info.get("enable_snat") is not None:
            gateway["enable_snat"] = info["enable_snat"]
        fixed = info.get("external_fixed_ips")
        if fixed:
            gateway["external_fixed_ips"] = [
                {
                    **({"ip_address": f["ip_address"]} if f.get("ip_address") else {}),
                    **(
                        {"subnet_id": self.resolve("neutron.subnet", str(f["subnet"]))}
                        if f.get("subnet")
                        else {}
                    ),
                }
                for f in fixed
            ]
        return gateway

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        body.setdefault("name", default_name(identity))
        gateway = self._gateway(props.get("external_gateway_info"))
        if gateway:
            body["external_gateway_info"] = gateway
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        if "external_gateway_info" in changed:
            body["external_gateway_info"] = self._gateway(new.get("external_gateway_info")) or {}
        return body

    def live_properties(self, obj: Any) -> dict[str, Any]:
        live = super().live_properties(obj)
        live["external_gateway_info"] = obj.external_gateway_info
        return live

    def same(self, name: str, given: Any, live: Any) -> bool:
        if name == "external_gateway_info":
            wanted = self._gateway(given) if isinstance(given, Mapping) else None
            live_net = (live or {}).get("network_id")
            return bool(wanted and wanted["network_id"] == live_net)
        return super().same(name, given, live)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        # Interfaces this stack did not declare (e.g. added by hand) would block the delete
        # with a 409; those are the user's to remove, and Neutron's message says so.
        super().delete(identity, physical_id, properties)


class RouterInterface(ReplacedOnChange):
    """A router's port on a subnet. Physical id ``<router_id>:subnet_id=<id>`` (or port_id),
    as Heat writes it."""

    type_name = "OS::Neutron::RouterInterface"

    def _target(self, props: Mapping[str, Any]) -> tuple[str, str, str]:
        router = props.get("router") or props.get("router_id")
        if not router:
            raise ProviderError("router interface needs `router`")
        router_id = self.resolve("neutron.router", str(router))
        subnet = props.get("subnet") or props.get("subnet_id")
        port = props.get("port") or props.get("port_id")
        if bool(subnet) == bool(port):
            raise ProviderError("router interface needs exactly one of `subnet` and `port`")
        if subnet:
            return router_id, "subnet_id", self.resolve("neutron.subnet", str(subnet))
        return router_id, "port_id", self.resolve("neutron.port", str(port))

    @staticmethod
    def _parse(physical_id: str) -> tuple[str, str, str]:
        router_id, _, rest = physical_id.partition(":")
        kind, _, target = rest.partition("=")
        return router_id, kind, target

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        router_id, kind, target = self._target(properties)
        with sdk_errors("adding router interface"):
            info = self.conn.network.add_interface_to_router(router_id, **{kind[:-3]: target})
        # ``show`` is Neutron's answer: router id, subnet_id, port_id (get_attr-able).
        shown = {
            "id": router_id,
            "subnet_id": info.get("subnet_id"),
            "port_id": info.get("port_id"),
            "network_id": info.get("network_id"),
        }
        return ResourceResult(f"{router_id}:{kind}={target}", {"show": shown})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The natural key: the router already has its port on the subnet (or the port)."""
        router_id, kind, target = self._target(properties)
        physical_id = f"{router_id}:{kind}={target}"
        if physical_id in claimed:
            return None
        return physical_id if self.read(identity, physical_id, properties) else None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        router_id, kind, target = self._parse(physical_id)
        with sdk_errors(f"reading router interface {physical_id}"):
            ports = list(self.conn.network.ports(device_id=router_id))
        for port in ports:
            subnets = [ip.get("subnet_id") for ip in port.fixed_ips or []]
            if (kind == "port_id" and port.id == target) or (
                kind == "subnet_id" and target in subnets
            ):
                shown = {
                    "id": router_id,
                    "subnet_id": subnets[0] if subnets else None,
                    "port_id": port.id,
                    "network_id": port.network_id,
                }
                return ResourceResult(physical_id, {"show": shown}, {})
        return None

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        router_id, kind, target = self._parse(physical_id)
        self.gone_ok(
            lambda: self.conn.network.remove_interface_from_router(
                router_id, **{kind[:-3]: target}
            ),
            f"router interface {physical_id}",
        )


class FloatingIP(NeutronResource):
    type_name = "OS::Neutron::FloatingIP"
    noun = "ip"
    plural = "ips"
    natural_keys = ("floating_network_id", "port_id", "floating_ip_address")
    what = "floating IP"
    passthrough = ("floating_ip_address", "fixed_ip_address", "port_id", "dns_name", "dns_domain")
    plain_attributes = (
        "fixed_ip_address",
        "floating_ip_address",
        "floating_network_id",
        "port_id",
        "router_id",
    )

    def body(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        body = super().body(identity, props)
        network = props.get("floating_network") or props.get("floating_network_id")
        if network:
            body["floating_network_id"] = self.resolve("neutron.network", str(network))
        if props.get("floating_subnet"):
            body["subnet_id"] = self.resolve("neutron.subnet", str(props["floating_subnet"]))
        if props.get("port_id"):
            body["port_id"] = self.resolve("neutron.port", str(props["port_id"]))
        return body

    def update_body(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> dict[str, Any]:
        body = super().update_body(old, new, changed)
        if "port_id" in changed and new.get("port_id"):
            body["port_id"] = self.resolve("neutron.port", str(new["port_id"]))
        return body


class FloatingIPAssociation(OpenStackResource):
    """Binds an existing floating IP to a port; physical id is the floating IP's id."""

    type_name = "OS::Neutron::FloatingIPAssociation"

    def _associate(self, props: Mapping[str, Any]) -> Any:
        body: dict[str, Any] = {"port_id": self.resolve("neutron.port", str(props["port_id"]))}
        if props.get("fixed_ip_address"):
            body["fixed_ip_address"] = props["fixed_ip_address"]
        fip_id = str(props["floatingip_id"])
        with sdk_errors(f"associating floating IP {fip_id}"):
            return self.conn.network.update_ip(fip_id, **body)

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        fip = self._associate(properties)
        return ResourceResult(str(fip.id), {"show": show(fip)})

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        """The natural key: the floating IP already points at the port."""
        fip_id = str(properties["floatingip_id"])
        fip = self.fetch(self.conn.network.get_ip, fip_id, "floating IP")
        if fip is None or fip_id in claimed or not fip.port_id:
            return None
        wanted = self.resolve("neutron.port", str(properties["port_id"]))
        return fip_id if fip.port_id == wanted else None

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        fip = self.fetch(self.conn.network.get_ip, physical_id, "floating IP")
        if fip is None or not fip.port_id:
            return None
        reported: dict[str, Any] = {}
        if properties.get("port_id") is not None:
            wanted = properties["port_id"]
            same = fip.port_id == wanted or self._port_named(wanted) == fip.port_id
            reported["port_id"] = wanted if same else fip.port_id
        return ResourceResult(physical_id, {"show": show(fip)}, reported)

    def _port_named(self, name_or_id: str) -> str | None:
        try:
            return self.resolve("neutron.port", name_or_id)
        except ProviderError:
            return None

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        if str(new["floatingip_id"]) != physical_id:
            self.delete(identity, physical_id, old)
        fip = self._associate(new)
        return ResourceResult(str(fip.id), {"show": show(fip)})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.gone_ok(
            lambda: self.conn.network.update_ip(physical_id, port_id=None),
            f"floating IP association {physical_id}",
        )
