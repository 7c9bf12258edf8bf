"""``AWS::EC2::Instance``, ``Volume`` and ``VolumeAttachment`` on Nova and Cinder, as Heat's
``heat/engine/resources/aws/ec2/instance.py`` and ``volume.py`` build them.

An instance is a ``OS::Nova::Server``: ImageId, InstanceType, KeyName, SecurityGroups (and
SecurityGroupIds), UserData (HEAT_CFNTOOLS multipart, as Heat sends), AvailabilityZone, Tags
(server metadata), NovaSchedulerHints; NetworkInterfaces become ports sorted by DeviceIndex,
else SubnetId a nic on that subnet. ``Volumes`` are attached once the server is active (and
detached before it is deleted) through ``OS::Cinder::VolumeAttachment``'s code. Heat resolves
PrivateIp, PublicIp, PrivateDnsName and PublicDnsName alike to the first address.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import CloudSession
from atonix_iac.providers.openstack.aws_mapped import MappedResource, aws_tags
from atonix_iac.providers.openstack.block_storage import Volume, VolumeAttachment
from atonix_iac.providers.openstack.compute import Server


def _scheduler_hints(hints: Any) -> dict[str, Any] | None:
    """``[{Key, Value}]`` as Nova's hints; a repeated key collects a list (novaclient's way)."""
    if not isinstance(hints, list) or not hints:
        return None
    out: dict[str, Any] = {}
    for hint in hints:
        if not isinstance(hint, Mapping) or not isinstance(hint.get("Key"), str):
            continue  # not known until apply (plan-time checks see such values)
        key, value = str(hint["Key"]), hint.get("Value")
        if key in out:
            previous = out[key]
            out[key] = [*previous, value] if isinstance(previous, list) else [previous, value]
        else:
            out[key] = value
    return out


def _nics(interfaces: Any, subnet: Any) -> list[dict[str, Any]] | None:
    if isinstance(interfaces, list) and interfaces:
        entries: list[Mapping[str, Any]] = [
            {"NetworkInterfaceId": nic, "DeviceIndex": i} if isinstance(nic, str) else nic
            for i, nic in enumerate(interfaces)
            if isinstance(nic, str | Mapping)
        ]
        entries.sort(key=lambda nic: _device_index(nic.get("DeviceIndex")))
        return [{"port": nic["NetworkInterfaceId"]} for nic in entries]
    if subnet:
        return [{"subnet": subnet}]
    return None


def _device_index(value: Any) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return 0  # not known until apply


class Instance(MappedResource):
    type_name = "AWS::EC2::Instance"
    native_class = Server
    renames = {
        "ImageId": "image",
        "InstanceType": "flavor",
        "KeyName": "key_name",
        "AvailabilityZone": "availability_zone",
        "UserData": "user_data",
    }

    def __init__(self, session: CloudSession) -> None:
        super().__init__(session)
        self.attacher = VolumeAttachment(session)

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        native = super().translate(properties)
        native["user_data_format"] = "HEAT_CFNTOOLS"
        groups = [*(properties.get("SecurityGroups") or [])]
        groups += properties.get("SecurityGroupIds") or []
        if groups:
            native["security_groups"] = groups
        tags = aws_tags(properties.get("Tags"))
        if tags:
            native["metadata"] = tags
        hints = _scheduler_hints(properties.get("NovaSchedulerHints"))
        if hints:
            native["scheduler_hints"] = hints
        nics = _nics(properties.get("NetworkInterfaces"), properties.get("SubnetId"))
        if nics is not None:
            native["networks"] = nics
        return native

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        shown = native.get("show") or {}
        address = native.get("first_address") or None
        zone = shown.get("availability_zone") or properties.get("AvailabilityZone")
        return {
            "AvailabilityZone": zone,
            "PrivateIp": address,
            "PublicIp": address,
            "PrivateDnsName": address,
            "PublicDnsName": address,
            "show": shown,
        }

    def _attachments(self, server_id: str, properties: Mapping[str, Any]) -> list[dict[str, Any]]:
        return [
            {"instance_uuid": server_id, "volume_id": v["VolumeId"], "mountpoint": v["Device"]}
            for v in properties.get("Volumes") or []
            if isinstance(v, Mapping)
        ]

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        result = super().finish_create(identity, started, properties)
        for attachment in self._attachments(result.physical_id, properties):
            # Safe to run again: an attachment already made is found and only waited for.
            found = self.attacher.find_created(identity, attachment, None, ())
            begun = (
                ResourceResult(found)
                if found is not None
                else self.attacher.start_create(identity, attachment)
            )
            self.attacher.finish_create(identity, begun, attachment)
        return result

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        for attachment in self._attachments(physical_id, properties):
            self.attacher.delete(identity, str(attachment["volume_id"]), attachment)
        super().delete(identity, physical_id, properties)


class EC2Volume(MappedResource):
    """Heat's ``Volume``: Size, AvailabilityZone, SnapshotId, Tags (as metadata)."""

    type_name = "AWS::EC2::Volume"
    native_class = Volume
    renames = {"Size": "size", "AvailabilityZone": "availability_zone", "SnapshotId": "snapshot_id"}

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        native = super().translate(properties)
        tags = aws_tags(properties.get("Tags"))
        if tags:
            native["metadata"] = tags
        return native


class EC2VolumeAttachment(MappedResource):
    type_name = "AWS::EC2::VolumeAttachment"
    native_class = VolumeAttachment
    renames = {"InstanceId": "instance_uuid", "VolumeId": "volume_id", "Device": "mountpoint"}


TYPES = (Instance, EC2Volume, EC2VolumeAttachment)
