"""OS::Heat::Delay: waits during the actions it names (``actions``, default CREATE), for
``min_wait`` seconds plus a random share of ``max_jitter * jitter_multiplier`` (Heat's
delay.py). Heat has no handle_update for it: any change replaces it (the catalog says so).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import Diagnostic, ProviderError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.coercion import coerce_value
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data, new_physical_id
from atonix_iac.providers.heat.test_resource import Sleep


def _number(value: Any) -> float:
    return float(coerce_value("Number", value)) if value is not None else 0.0


def wait_seconds(properties: Mapping[str, Any], action: str, draw: float | None = None) -> float:
    """The wait for ``action``: 0 unless it is listed; ``draw`` in [0, 1) is the jitter share."""
    if action not in (properties.get("actions") or ["CREATE"]):
        return 0.0
    jitter = _number(properties.get("max_jitter")) * _number(
        properties.get("jitter_multiplier", 1.0)
    )
    import random  # here: only a delay that is applied draws its jitter

    share = random.random() if draw is None else draw  # noqa: S311 - jitter, not a secret
    return _number(properties.get("min_wait")) + jitter * share


class DelayResource(BuiltinType):
    type_name = "OS::Heat::Delay"

    def __init__(self, sleep: Sleep = time.sleep) -> None:
        super().__init__()
        self._sleep = sleep

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {SHOW: {}}

    def _wait(self, properties: Mapping[str, Any], action: str) -> None:
        seconds = wait_seconds(self.with_defaults(properties), action)
        if seconds > 0:
            self._sleep(seconds)

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        self._wait(properties, "CREATE")
        return ResourceResult(new_physical_id(), self.attributes_for(properties))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        raise ProviderError(f"{self.type_name} cannot be updated in place; a change replaces it")

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self._wait(properties, "DELETE")

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        found = []
        for name in ("min_wait", "max_jitter", "jitter_multiplier"):
            value = properties.get(name)
            if value is None or not is_plain_data(value):
                continue
            try:
                if _number(value) < 0:
                    found.append(Diagnostic(f"`{name}` must be at least 0"))
            except ValueError:
                continue  # the schema check reports it, located
        return found
