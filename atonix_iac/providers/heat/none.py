"""OS::Heat::None: a placeholder that stubs out any other type through the resource_registry.

It accepts any property and answers every attribute with None; like Heat's ``_needs_update``
returning False it is never replaced, and updating it changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.heat._common import SHOW, BuiltinType, new_physical_id


class NoneResource(BuiltinType):
    type_name = "OS::Heat::None"
    runs_inline: ClassVar[bool] = True

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {SHOW: None}

    def with_defaults(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return dict(properties)

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

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        return None
