"""OS::Heat::AccessPolicy: which of the stack's resources an AWS::IAM::User may read through
Heat's CFN API (``AllowedResources``). Heat stores it and nothing else; so does atonix, since
no user of it reads resources through a Heat API here. Any change replaces it (Heat gives it
no handle_update)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import BuiltinType, new_physical_id


class AccessPolicyResource(BuiltinType):
    type_name = "OS::Heat::AccessPolicy"

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
