"""OS::Heat::TestResource: the knobs for testing apply itself (ordering, parallelism, failure).

As in Heat: each action waits ``action_wait_secs.<action>`` (else ``wait_secs``) seconds;
``fail: true`` fails create and update after the wait (never delete); an update waits only
when ``value`` changed; a changed ``value`` replaces the resource when ``update_replace`` is
true, and changing ``update_replace_value`` (not update_allowed) always replaces it. The
physical id is Heat's physical resource name. ``client_name``/``entity_name`` only steer
Heat's simulated polling of another service while waiting: the wait here is the same. The
``output`` attribute is ``value``, resolved after ``attr_wait_secs``; ``constraint_prop_secs``
slows plan-time checks. Heat's "-1 waits forever" is refused: a test that hangs proves nothing.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from typing import Any, Final

from atonix_iac.errors import Diagnostic, ResourceFailedError
from atonix_iac.providers.base import ResourceIdentity, ResourceResult
from atonix_iac.providers.coercion import coerce_value
from atonix_iac.providers.heat._common import SHOW, BuiltinType, is_plain_data
from atonix_iac.providers.heat.software_config import physical_resource_name

Sleep = Callable[[float], None]
WAIT_PROPERTIES: Final = ("wait_secs", "attr_wait_secs", "constraint_prop_secs")
ACTIONS: Final = ("create", "update", "delete")


def _flag(value: Any) -> bool:
    try:
        return bool(coerce_value("Boolean", value)) if value is not None else False
    except ValueError:
        return False


def _seconds(value: Any) -> float:
    if value is None:
        return 0.0
    seconds = float(coerce_value("Number", value))
    if seconds < 0:
        raise ValueError("infinite waits (negative seconds) are not supported")
    return seconds


def wait_seconds(properties: Mapping[str, Any], action: str) -> float:
    per_action = properties.get("action_wait_secs") or {}
    chosen = per_action.get(action) if isinstance(per_action, Mapping) else None
    return _seconds(chosen if chosen is not None else properties.get("wait_secs"))


class TestResource(BuiltinType):
    type_name = "OS::Heat::TestResource"
    __test__ = False  # not a pytest test class, despite the name

    def __init__(self, sleep: Sleep = time.sleep) -> None:
        super().__init__()
        self._sleep = sleep

    def attributes_for(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        return {"output": properties.get("value"), SHOW: {}}

    def _wait(self, properties: Mapping[str, Any], action: str) -> None:
        try:
            seconds = wait_seconds(properties, action)
        except ValueError as err:
            raise ResourceFailedError(f"{action}: {err}") from None
        if seconds > 0:
            self._sleep(seconds)

    def _output(self, properties: Mapping[str, Any]) -> dict[str, Any]:
        try:
            seconds = _seconds(properties.get("attr_wait_secs"))
        except ValueError as err:
            raise ResourceFailedError(f"attr_wait_secs: {err}") from None
        if seconds > 0:
            self._sleep(seconds)
        return self.attributes_for(properties)

    def create(self, identity: ResourceIdentity, properties: Mapping[str, Any]) -> ResourceResult:
        props = self.with_defaults(properties)
        self._wait(props, "create")
        if _flag(props.get("fail")):
            # Heat sets no resource id when failing a create: nothing exists to clean up.
            raise ResourceFailedError(f"Test Resource failed {identity.address}")
        return ResourceResult(physical_resource_name(identity), self._output(props))

    def update(
        self,
        identity: ResourceIdentity,
        physical_id: str,
        old: Mapping[str, Any],
        new: Mapping[str, Any],
        changed: frozenset[str],
    ) -> ResourceResult:
        props = self.with_defaults(new)
        if "value" in changed:
            self._wait(props, "update")
        if _flag(props.get("fail")):
            raise ResourceFailedError(
                f"Test Resource failed {identity.address}", physical_id=physical_id
            )
        return ResourceResult(physical_id, self._output(props))

    def delete(
        self, identity: ResourceIdentity, physical_id: str, properties: Mapping[str, Any]
    ) -> None:
        self._wait(self.with_defaults(properties), "delete")

    def replace_reason(
        self, old: Mapping[str, Any], new: Mapping[str, Any], changed: frozenset[str]
    ) -> str | None:
        # Heat's needs_replace_with_prop_diff: a changed value replaces when update_replace
        # is true (update_replace_value, not update_allowed, replaces through the schema).
        if "value" in changed and _flag(new.get("update_replace")):
            return "value changed and update_replace is true"
        return None

    def check(self, properties: Mapping[str, Any]) -> list[Diagnostic]:
        diagnostics = []
        waits = {name: properties.get(name) for name in WAIT_PROPERTIES}
        per_action = properties.get("action_wait_secs")
        if isinstance(per_action, Mapping):
            waits.update({f"action_wait_secs.{a}": per_action.get(a) for a in ACTIONS})
        for name, value in waits.items():
            if value is None or not is_plain_data(value):
                continue
            try:
                _seconds(value)
            except ValueError as err:
                diagnostics.append(Diagnostic(f"`{name}`: {err}"))
        slow_check = waits["constraint_prop_secs"]
        if not diagnostics and is_plain_data(slow_check) and _seconds(slow_check) > 0:
            # Heat's test_constr custom constraint: validation that takes this long.
            self._sleep(_seconds(slow_check))
        return diagnostics
