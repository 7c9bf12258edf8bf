"""``AWS::EC2::SecurityGroup``, ``EIP`` and ``EIPAssociation`` on Neutron, as Heat's
``heat/engine/resources/aws/ec2/security_group.py`` and ``eip.py`` build them.

A security group is an ``OS::Neutron::SecurityGroup`` named by the stack, described by
GroupDescription, whose ingress and egress rules are Heat's conversion of the AWS ones
(negative ports mean "any"; a rule with no ports drops its CIDR; a source group by id or name).
As in Heat the default egress rules go only when the template gives egress rules. IpProtocol
``-1`` (AWS for "every protocol") is sent as no protocol, which is what Neutron means by it.

An EIP is a floating IP on the one external network (Heat refuses several); its reference
(physical id) is the address, as Heat's ``get_reference_id`` gives it, and AllocationId the
floating IP's id. With InstanceId it is bound to the server's first port.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import _looks_like_uuid, show
from atonix_iac.providers.openstack._errors import sdk_errors
from atonix_iac.providers.openstack.aws_mapped import MappedResource
from atonix_iac.providers.openstack.routing import FloatingIP, FloatingIPAssociation
from atonix_iac.providers.openstack.security import SecurityGroup


def _port(value: Any) -> int | None:
    try:
        number = int(value)
    except (TypeError, ValueError):
        return None  # none given, or not known until apply
    return None if number < 0 else number


def neutron_rule(rule: Mapping[str, Any], direction: str) -> dict[str, Any]:
    """One AWS rule as an ``OS::Neutron::SecurityGroup`` rule (Heat's
    ``_prop_rules_to_common`` then ``_convert_to_neutron_rule``)."""
    out: dict[str, Any] = {"direction": direction, "ethertype": "IPv4"}
    protocol = rule.get("IpProtocol")
    if protocol not in (None, "", "-1"):
        out["protocol"] = str(protocol)
    low, high = _port(rule.get("FromPort")), _port(rule.get("ToPort"))
    if low is not None:
        out["port_range_min"] = low
    if high is not None:
        out["port_range_max"] = high
    has_ports = rule.get("FromPort") is not None or rule.get("ToPort") is not None
    if has_ports and rule.get("CidrIp"):
        out["remote_ip_prefix"] = rule["CidrIp"]
    source = rule.get("SourceSecurityGroupId") or rule.get("SourceSecurityGroupName")
    if source:
        out["remote_mode"] = "remote_group_id"
        out["remote_group_id"] = source
    return out


def _listed(value: Any) -> list[Any]:
    return value if isinstance(value, list) else []


class EC2SecurityGroup(MappedResource):
    type_name = "AWS::EC2::SecurityGroup"
    native_class = SecurityGroup
    renames = {"GroupDescription": "description"}

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        native = super().translate(properties)
        rules = [
            neutron_rule(rule, direction)
            for key, direction in (
                ("SecurityGroupIngress", "ingress"),
                ("SecurityGroupEgress", "egress"),
            )
            for rule in _listed(properties.get(key))
            if isinstance(rule, Mapping)
        ]
        native["rules"] = rules
        return native

    def cloud_properties(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Source groups named rather than referenced, looked up (Neutron wants ids)."""
        native = self.translate(properties)
        for rule in native["rules"]:
            source = rule.get("remote_group_id")
            if isinstance(source, str) and not _looks_like_uuid(source):
                rule["remote_group_id"] = self.resolve("neutron.security_group", source)
        return native


class EIP(MappedResource):
    type_name = "AWS::EC2::EIP"
    native_class = FloatingIP

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        return []

    def _external_network(self) -> str:
        with sdk_errors("looking up the external network"):
            found = [str(n.id) for n in self.conn.network.networks(is_router_external=True)]
        if len(found) != 1:
            raise ProviderError(
                f"AWS::EC2::EIP needs exactly one external network (router:external), as"
                f" Heat does; found {len(found)}"
            )
        return found[0]

    def _fip(self, address: str) -> Any:
        with sdk_errors(f"looking up floating IP {address}"):
            for fip in self.conn.network.ips(floating_ip_address=address):
                return fip
        return None

    def _bind(self, fip_id: str, server_id: str | None) -> None:
        """Heat's ``associate_floatingip``: the server's first port; None unbinds."""
        port_id = None
        if server_id:
            with sdk_errors(f"listing the ports of server {server_id}"):
                ports = list(self.conn.network.ports(device_id=server_id))
            if not ports:
                raise ProviderError(f"server {server_id} has no port to bind an EIP to")
            port_id = str(ports[0].id)
        with sdk_errors(f"binding floating IP {fip_id}"):
            self.conn.network.update_ip(fip_id, port_id=port_id)

    def _attributes(self, fip: Any) -> dict[str, Any]:
        return {"AllocationId": str(fip.id), "show": show(fip)}

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        native = {"floating_network": self._external_network()}
        started = self.native.start_create(identity, native)
        fip = started.raw
        return ResourceResult(str(fip.floating_ip_address), raw=started)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        fip = self._fip(started.physical_id)
        if fip is None:
            raise ResourceFailedError(f"floating IP {started.physical_id} is gone")
        native_started = (
            started.raw if isinstance(started.raw, ResourceResult) else ResourceResult(str(fip.id))
        )
        self.native.finish_create(identity, native_started, {})
        if properties.get("InstanceId"):
            self._bind(str(fip.id), str(properties["InstanceId"]))
        return ResourceResult(started.physical_id, self._attributes(self._fip(started.physical_id)))

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        found = self.native.find_created(identity, {}, since, claimed)
        if found is None:
            return None
        fip = self.fetch(self.conn.network.get_ip, found, "floating IP")
        address = None if fip is None else str(fip.floating_ip_address)
        return None if address is None or address in claimed else address

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        fip = self._fip(physical_id)
        return None if fip is None else ResourceResult(physical_id, self._attributes(fip), {})

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        fip = self._fip(physical_id)
        if fip is None:
            raise ResourceFailedError(f"floating IP {physical_id} is gone")
        if "InstanceId" in changed:
            instance = new.get("InstanceId")
            self._bind(str(fip.id), str(instance) if instance else None)
        return ResourceResult(physical_id, self._attributes(self._fip(physical_id)))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        fip = self._fip(physical_id)
        if fip is not None:
            self.native.delete(identity, str(fip.id), {})


class EIPAssociation(MappedResource):
    """Binds an EIP (by address or AllocationId) to an instance's first port or to a
    NetworkInterfaceId; physical id = the floating IP's id (``OS::Neutron::FloatingIPAssociation``
    does the binding)."""

    type_name = "AWS::EC2::EIPAssociation"
    native_class = FloatingIPAssociation

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        return []

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """Looks the floating IP and the port up: both are known only in the cloud."""
        native: dict[str, Any] = {}
        if properties.get("AllocationId"):
            native["floatingip_id"] = str(properties["AllocationId"])
        elif properties.get("EIP"):
            address = str(properties["EIP"])
            with sdk_errors(f"looking up floating IP {address}"):
                found = list(self.conn.network.ips(floating_ip_address=address))
            if not found:
                raise ProviderError(f"no floating IP {address} in this project")
            native["floatingip_id"] = str(found[0].id)
        if properties.get("NetworkInterfaceId"):
            native["port_id"] = str(properties["NetworkInterfaceId"])
        elif properties.get("InstanceId"):
            server = str(properties["InstanceId"])
            with sdk_errors(f"listing the ports of server {server}"):
                ports = list(self.conn.network.ports(device_id=server))
            if ports:
                native["port_id"] = str(ports[0].id)
        if "port_id" not in native or "floatingip_id" not in native:
            raise ProviderError(
                "AWS::EC2::EIPAssociation needs EIP or AllocationId, and InstanceId or"
                " NetworkInterfaceId naming a server with a port"
            )
        return native

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        fip = self.fetch(self.conn.network.get_ip, physical_id, "floating IP")
        if fip is None or not fip.port_id:
            return None
        return ResourceResult(physical_id, {"show": show(fip)}, {})

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.native.delete(identity, physical_id, {})


TYPES = (EC2SecurityGroup, EIP, EIPAssociation)
