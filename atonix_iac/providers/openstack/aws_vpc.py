"""``AWS::EC2::VPC``, ``Subnet`` and ``NetworkInterface`` on Neutron, as Heat's
``heat/engine/resources/aws/ec2/vpc.py``, ``subnet.py`` and ``network_interface.py`` build them.

A VPC is a network plus a router of the same name (Heat associates them by name only); a
subnet of the VPC is a Neutron subnet plugged into that router when there is one; a network
interface is a port on the subnet's network with a fixed IP on it and the GroupSet's security
groups. A route table is another router (given the VPC router's gateway), and associating a
subnet with it moves the subnet from the VPC's router to it (and back on delete). The objects
are made by the native types' code.
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.aws_mapped import MappedResource
from atonix_iac.providers.openstack.network import Net, Port, Subnet
from atonix_iac.providers.openstack.routing import Router, RouterInterface


def vpc_router(conn: Any, network_id: str) -> Any:
    """The router named as the VPC's network (Heat's ``VPC.router_for_vpc``), or None."""
    with sdk_errors(f"looking up the router of VPC {network_id}"):
        network = conn.network.get_network(network_id)
        routers = list(conn.network.routers(name=network.name))
    if len(routers) > 1:
        raise ProviderError(f"several routers are named {network.name!r} (VPC {network_id})")
    return routers[0] if routers else None


def _plugged(conn: Any, router_id: str, subnet_id: str) -> bool:
    with sdk_errors(f"reading the ports of router {router_id}"):
        ports = list(conn.network.ports(device_id=router_id))
    return any(ip.get("subnet_id") == subnet_id for port in ports for ip in port.fixed_ips or [])


class VPC(MappedResource):
    type_name = "AWS::EC2::VPC"
    native_class = Net

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        result = super().finish_create(identity, started, properties)
        if vpc_router(self.conn, result.physical_id) is None:
            name = self.conn.network.get_network(result.physical_id).name
            with sdk_errors(f"creating the router of VPC {result.physical_id}"):
                self.conn.network.create_router(name=name)
        return result

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        if self.fetch(self.conn.network.get_network, physical_id, "network") is not None:
            router = vpc_router(self.conn, physical_id)
            if router is not None:
                self.gone_ok(
                    lambda: self.conn.network.delete_router(router.id, ignore_missing=False),
                    f"router of VPC {physical_id}",
                )
        super().delete(identity, physical_id, properties)


class EC2Subnet(MappedResource):
    type_name = "AWS::EC2::Subnet"
    native_class = Subnet
    renames = {"VpcId": "network", "CidrBlock": "cidr"}

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {**super().translate(properties), "ip_version": 4}

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        return {"AvailabilityZone": properties.get("AvailabilityZone"), "show": native["show"]}

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        result = super().finish_create(identity, started, properties)
        router = vpc_router(self.conn, str(properties["VpcId"]))
        if router is not None and not _plugged(self.conn, str(router.id), result.physical_id):
            with sdk_errors(f"plugging subnet {result.physical_id} into its VPC's router"):
                self.conn.network.add_interface_to_router(router.id, subnet_id=result.physical_id)
        return result

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        network = str(properties.get("VpcId") or "")
        if network and self.fetch(self.conn.network.get_network, network, "network"):
            router = vpc_router(self.conn, network)
            if router is not None and _plugged(self.conn, str(router.id), physical_id):
                self.gone_ok(
                    lambda: self.conn.network.remove_interface_from_router(
                        router.id, subnet_id=physical_id
                    ),
                    f"interface of subnet {physical_id}",
                )
        super().delete(identity, physical_id, properties)


class NetworkInterface(MappedResource):
    type_name = "AWS::EC2::NetworkInterface"
    native_class = Port
    renames = {"GroupSet": "security_groups", "Description": "description"}

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        native = super().translate(properties)
        fixed: dict[str, Any] = {"subnet": properties.get("SubnetId")}
        if properties.get("PrivateIpAddress"):
            fixed["ip_address"] = properties["PrivateIpAddress"]
        native["fixed_ips"] = [fixed]
        return native

    def cloud_properties(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The port's network is the subnet's (Heat's ``network_id_from_subnet_id``)."""
        native = self.translate(properties)
        subnet = self.resolve("neutron.subnet", str(properties["SubnetId"]))
        with sdk_errors(f"reading subnet {subnet}"):
            native["network"] = str(self.conn.network.get_subnet(subnet).network_id)
        return native

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        fixed = native.get("fixed_ips") or []
        address = fixed[0].get("ip_address") if fixed else None
        return {"PrivateIpAddress": address, "show": native["show"]}


class RouteTable(MappedResource):
    """A router; when the VPC's own router has a gateway, this one gets the same (Heat's
    ``check_create_complete``)."""

    type_name = "AWS::EC2::RouteTable"
    native_class = Router

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {}

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        result = super().finish_create(identity, started, properties)
        default = vpc_router(self.conn, str(properties["VpcId"]))
        gateway = (default.external_gateway_info or {}) if default is not None else {}
        if gateway.get("network_id"):
            with sdk_errors(f"setting the gateway of route table {result.physical_id}"):
                self.conn.network.update_router(
                    result.physical_id,
                    external_gateway_info={"network_id": gateway["network_id"]},
                )
        return result


class SubnetRouteTableAssociation(MappedResource):
    """Moves a subnet from its VPC's router to the route table's; delete moves it back.
    Physical id as ``OS::Neutron::RouterInterface`` writes it."""

    type_name = "AWS::EC2::SubnetRouteTableAssociation"
    native_class = RouterInterface
    renames = {"RouteTableId": "router", "SubnetId": "subnet"}

    def _default_router(self, subnet_id: str) -> Any:
        subnet = self.fetch(self.conn.network.get_subnet, subnet_id, "subnet")
        return None if subnet is None else vpc_router(self.conn, str(subnet.network_id))

    def _move(self, subnet_id: str, source: Any, target: Any) -> None:
        """Unplug ``subnet_id`` from router ``source`` (if plugged) and plug it into
        ``target`` (if not already)."""
        network = self.conn.network
        for router, plug in ((source, False), (target, True)):
            if router is None:
                continue
            plugged = _plugged(self.conn, str(router.id), subnet_id)
            if plug and not plugged:
                with sdk_errors(f"plugging subnet {subnet_id} into router {router.id}"):
                    network.add_interface_to_router(router.id, subnet_id=subnet_id)
            if not plug and plugged:
                self.gone_ok(
                    functools.partial(
                        network.remove_interface_from_router, router.id, subnet_id=subnet_id
                    ),
                    f"interface of subnet {subnet_id}",
                )

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        subnet_id = self.resolve("neutron.subnet", str(properties["SubnetId"]))
        table = self.conn.network.get_router(
            self.resolve("neutron.router", str(properties["RouteTableId"]))
        )
        self._move(subnet_id, self._default_router(subnet_id), table)
        return ResourceResult(f"{table.id}:subnet_id={subnet_id}")

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        router_id, _, rest = physical_id.partition(":")
        subnet_id = rest.partition("=")[2]
        table = self.fetch(self.conn.network.get_router, router_id, "router")
        self._move(subnet_id, table, self._default_router(subnet_id))


TYPES = (VPC, EC2Subnet, NetworkInterface, RouteTable, SubnetRouteTableAssociation)
