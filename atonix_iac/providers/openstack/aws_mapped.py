"""AWS-compatible types as Heat builds them: a thin mapping onto a native OpenStack type.

Heat keeps the CloudFormation types (``AWS::EC2::Instance`` on Nova, ``AWS::EC2::SecurityGroup``
on Neutron, ``AWS::S3::Bucket`` on Swift ...) by translating their properties to the OpenStack
calls its native types make. ``MappedResource`` does the same here: ``translate`` turns the AWS
properties into the native type's, every lifecycle call (two-step create with its token,
``find_created``, read, update, delete) goes to the native implementation, and
``map_attributes`` renames what it reports. Drift is reported under the AWS names for the
properties that are plain renames (``renames``).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, ClassVar

from atonix_iac.errors import Diagnostic
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.openstack._base import CloudSession, OpenStackResource


def aws_tags(tags: Any) -> dict[str, str]:
    """``Tags: [{Key, Value}]`` as a metadata map (Heat's ``_get_nova_metadata``)."""
    if not isinstance(tags, list):
        return {}
    return {
        str(tag["Key"]): str(tag.get("Value", ""))
        for tag in tags
        if isinstance(tag, Mapping) and tag.get("Key") is not None
    }


class MappedResource(OpenStackResource):
    """An AWS type delegating to ``native_class`` with translated properties."""

    native_class: ClassVar[type[OpenStackResource]]
    # AWS property -> native property, for properties copied unchanged (drift maps back).
    renames: ClassVar[Mapping[str, str]] = {}

    def __init__(self, session: CloudSession) -> None:
        super().__init__(session)
        self.native = self.native_class(session)

    # The mapping ------------------------------------------------------------------------

    def translate(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """The native type's properties for these AWS ones (pure: no cloud calls)."""
        return {
            native: properties[aws]
            for aws, native in self.renames.items()
            if properties.get(aws) is not None
        }

    def cloud_properties(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        """``translate`` completed with what only the cloud knows (ids looked up by name);
        used where the native type sends them: create, find_created, update."""
        return self.translate(properties)

    def map_attributes(
        self, native: Mapping[str, Any], properties: Mapping[str, Any]
    ) -> dict[str, Any]:
        """The AWS attributes from the native type's (``show`` is kept as is)."""
        return {"show": native.get("show", {})}

    def _result(self, result: ResourceResult, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult(
            result.physical_id, self.map_attributes(result.attributes, properties)
        )

    # Lifecycle, delegated ---------------------------------------------------------------

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        return self.native.check(self.translate(properties))

    def start_create(
        self, identity: ResourceIdentity, properties: Mapping[str, Any]
    ) -> ResourceResult:
        started = self.native.start_create(identity, self.cloud_properties(properties))
        return ResourceResult(started.physical_id, raw=started)

    def finish_create(
        self, identity: ResourceIdentity, started: ResourceResult, properties: Mapping[str, Any]
    ) -> ResourceResult:
        native_started = (
            started.raw
            if isinstance(started.raw, ResourceResult)
            else ResourceResult(started.physical_id)
        )
        native = self.cloud_properties(properties)
        return self._result(self.native.finish_create(identity, native_started, native), properties)

    def find_created(
        self,
        identity: ResourceIdentity,
        properties: Mapping[str, Any],
        since: datetime | None,
        claimed: Collection[str],
    ) -> str | None:
        return self.native.find_created(identity, self.cloud_properties(properties), since, claimed)

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult | None:
        native = self.translate(properties)
        found = self.native.read(identity, physical_id, native)
        if found is None:
            return None
        reported: dict[str, Any] = {}
        for aws, name in self.renames.items():
            if found.properties is not None and name in found.properties:
                live = found.properties[name]
                reported[aws] = properties.get(aws) if live == native.get(name) else live
        return ResourceResult(
            physical_id, self.map_attributes(found.attributes, properties), reported
        )

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        native_old, native_new = self.translate(old), self.translate(new)
        return self.native.replace_reason(native_old, native_new, _changed(native_old, native_new))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        native_old, native_new = self.translate(old), self.cloud_properties(new)
        result = self.native.update(
            identity, physical_id, native_old, native_new, _changed(native_old, native_new)
        )
        return self._result(result, new)

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self.native.delete(identity, physical_id, self.translate(properties))


def _changed(old: Mapping[str, Any], new: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(k for k in set(old) | set(new) if old.get(k) != new.get(k))
