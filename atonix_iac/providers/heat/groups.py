"""OS::Heat::ResourceGroup, AutoScalingGroup and ScalingPolicy: cloud-free aggregates.

A group's members are ordinary resources (``group.N``) that the planner makes from the group's
definition; the group itself holds no cloud object. Its attributes are derived from the
members when a template reads them (``planner.group_attributes``); what it records is the
member names removal_policies removed (``removed_rsrc_list``, set by the planner and never
reused). A scaling policy records its settings; ``apply.scaling`` acts on its signals.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, Final

from atonix_iac.providers.base import PropertySchema, ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, new_physical_id

# The stack service's orchestration endpoint for the project, as the service catalog lists it
# (``https://host:8004/v1/<project_id>``); signal URLs point at it when it is set.
SERVICE_URL_ENV: Final = "ATONIX_SERVICE_URL"
REMOVED_PROPERTY: Final = "removed_rsrc_list"


class _Aggregate(BuiltinType):
    """Create and update only record; the members are the planner's and apply's business."""

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult(new_physical_id(), self.attributes_for(properties))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return ResourceResult(physical_id, self.attributes_for(new))


class ResourceGroupResource(_Aggregate):
    type_name = "OS::Heat::ResourceGroup"

    def __init__(self) -> None:
        super().__init__()
        removed = PropertySchema(
            REMOVED_PROPERTY,
            type="List",
            update_allowed=True,
            default=[],
            has_default=True,
        )
        self.schema = replace(
            self.schema, properties={**self.schema.properties, REMOVED_PROPERTY: removed}
        )

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {REMOVED_PROPERTY: list(properties.get(REMOVED_PROPERTY) or []), SHOW: {}}


class ResourceChainResource(_Aggregate):
    """OS::Heat::ResourceChain: its members (``chain.N``) are the planner's expansion."""

    type_name = "OS::Heat::ResourceChain"


class AutoScalingGroupResource(_Aggregate):
    type_name = "OS::Heat::AutoScalingGroup"


def signal_url(identity: ResourceIdentity) -> str:
    """Where a signal for this policy goes: the stack service's resource signal URL (the
    stack found by name, as Heat's lookup allows) when one is configured, else the command
    that sends it."""
    base = os.environ.get(SERVICE_URL_ENV, "").rstrip("/")
    if base:
        return f"{base}/stacks/{identity.stack}/resources/{identity.address}/signal"
    return (
        f"atonix signal -w {identity.workspace} -E {identity.environment} "
        f"-stack {identity.stack} {identity.address}"
    )


class ScalingPolicyResource(_Aggregate):
    type_name = "OS::Heat::ScalingPolicy"
    url_attributes: tuple[str, ...] = ("signal_url", "alarm_url")

    def _urls(self, identity: ResourceIdentity) -> dict[str, Any]:
        url = signal_url(identity)
        return {**{name: url for name in self.url_attributes}, SHOW: {}}

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult(new_physical_id(), self._urls(identity))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return ResourceResult(physical_id, self._urls(identity))

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult:
        return ResourceResult(physical_id, self._urls(identity))


class AwsScalingPolicyResource(ScalingPolicyResource):
    type_name = "AWS::AutoScaling::ScalingPolicy"
    url_attributes = ("AlarmUrl",)


class AwsAutoScalingGroupResource(_Aggregate):
    """Members are AWS::EC2::Instance made from the launch configuration (a provider for
    that type, or an environment mapping it to a template, deploys them)."""

    type_name = "AWS::AutoScaling::AutoScalingGroup"


class InstanceGroupResource(_Aggregate):
    type_name = "OS::Heat::InstanceGroup"


class LaunchConfigurationResource(_Aggregate):
    """A record of the members' settings; the group copies them into each member."""

    type_name = "AWS::AutoScaling::LaunchConfiguration"
