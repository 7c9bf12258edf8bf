"""OS::Heat::DeployedServer: a server deployed outside Nova that software deployments can
target. Heat gives it a uuid and the ``os-collect-config`` its agent should use for the
chosen ``software_config_transport``; every property updates in place."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.collect_config import collect_config
from atonix_iac.providers.heat._common import SHOW, BuiltinType, new_physical_id


class DeployedServerResource(BuiltinType):
    type_name = "OS::Heat::DeployedServer"

    def _attributes(self, identity: ResourceIdentity, props: Mapping[str, Any]) -> dict[str, Any]:
        props = self.with_defaults(props)
        return {
            "name": props.get("name") or identity.address,
            "os_collect_config": collect_config(
                identity.stack, identity.address, props.get("software_config_transport")
            ),
            SHOW: {},
        }

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        return ResourceResult(new_physical_id(), self._attributes(identity, properties))

    def read(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> ResourceResult:
        return ResourceResult(physical_id, self._attributes(identity, properties))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        return ResourceResult(physical_id, self._attributes(identity, new))
