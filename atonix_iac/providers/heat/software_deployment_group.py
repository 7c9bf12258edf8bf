"""OS::Heat::SoftwareDeploymentGroup and StructuredDeploymentGroup (and their hidden old names,
SoftwareDeployments and StructuredDeployments): one deployment per entry of ``servers``.

Heat makes each member a SoftwareDeployment named by its key in a nested stack; here the
members live in the group's attributes (``members``: the key's deployment record and derived
config), and the group's attributes map each key to the member's deploy_stdout, deploy_stderr
and deploy_status_code. On update every member is deployed again (Heat's res_def_changed is
always true): an UPDATE for a key that was there, a CREATE for a new one.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar, Final

from atonix_iac.errors import ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, new_physical_id
from atonix_iac.providers.heat.software_deployment import (
    SoftwareDeploymentResource,
    StructuredDeploymentResource,
)

# The group's attribute for each member attribute (Heat's _member_attribute_name).
GROUP_ATTRIBUTES: Final[Mapping[str, str]] = {
    "deploy_stdouts": "deploy_stdout",
    "deploy_stderrs": "deploy_stderr",
    "deploy_status_codes": "deploy_status_code",
}


class _DeploymentGroup(SoftwareDeploymentResource):
    """The group behaviour; the member's (derived config) comes next in the MRO."""

    recoverable: ClassVar[bool] = False
    uses_signals: ClassVar[bool] = False
    takes_signals: ClassVar[bool] = False

    def _members(
        self,
        identity: ResourceIdentity,
        props: Mapping[str, Any],
        previous: Mapping[str, Any],
    ) -> dict[str, Any]:
        members: dict[str, Any] = {}
        servers = props.get("servers") or {}
        for name, server in servers.items():
            member_props = {**props, "server": server}
            action = "UPDATE" if name in previous else "CREATE"
            who = replace(identity, address=str(name))
            attributes = self.deploy(who, new_physical_id(), member_props, action)
            members[str(name)] = attributes or {}
        return {
            **{
                group: {name: m.get(attr) for name, m in members.items()}
                for group, attr in GROUP_ATTRIBUTES.items()
            },
            "members": members,
            SHOW: {},
        }

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        props = self.with_defaults(properties)
        refused = self.check(props)
        if refused:
            raise ResourceFailedError(refused[0].message)
        return ResourceResult(new_physical_id(), self._members(identity, props, {}))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        previous: dict[str, Any] = {str(k): {} for k in (old.get("servers") or {})}
        return ResourceResult(
            physical_id, self._members(identity, self.with_defaults(new), previous)
        )

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        return None  # members deploy a DELETE action only when asked, and complete at once


class SoftwareDeploymentGroupResource(_DeploymentGroup):
    type_name: ClassVar[str] = "OS::Heat::SoftwareDeploymentGroup"


class StructuredDeploymentGroupResource(_DeploymentGroup, StructuredDeploymentResource):
    type_name = "OS::Heat::StructuredDeploymentGroup"


class SoftwareDeploymentsResource(SoftwareDeploymentGroupResource):
    type_name = "OS::Heat::SoftwareDeployments"


class StructuredDeploymentsResource(StructuredDeploymentGroupResource):
    type_name = "OS::Heat::StructuredDeployments"


__all__ = [
    "SoftwareDeploymentGroupResource",
    "SoftwareDeploymentsResource",
    "StructuredDeploymentGroupResource",
    "StructuredDeploymentsResource",
]
