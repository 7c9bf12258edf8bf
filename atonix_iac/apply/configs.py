"""The software config store providers look configs up in, as Heat's engine looks them up in
its database: here the stack's state, where every config resource keeps its record (its
``show`` attribute) and every deployment the derived config it made."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Final

from atonix_iac.state.model import ResourceState

# Attributes of a resource that may hold a software config record.
RECORD_ATTRIBUTES: Final = ("show", "derived_config")


def _record(state: ResourceState, config_id: str) -> Mapping[str, Any] | None:
    for name in RECORD_ATTRIBUTES:
        record = state.attributes.get(name)
        if isinstance(record, Mapping) and record.get("id") == config_id and "config" in record:
            return record
    return None


def software_config_lookup(
    snapshot: Callable[[], Mapping[str, ResourceState]],
) -> Callable[[str], Mapping[str, Any] | None]:
    """A lookup over what state holds when it is called (configs made earlier in the run)."""

    def find(config_id: str) -> Mapping[str, Any] | None:
        if not config_id:
            return None
        for state in snapshot().values():
            record = _record(state, config_id)
            if record is not None:
                return record
        return None

    return find
