"""Top-level property comparison: what changed between state and the template.

A value known only after apply counts as a change (Terraform's rule: we cannot prove it is the
same). Secrets compare by content. ``lifecycle.ignore_changes`` keeps the state's value for the
named properties, so they neither show as changes nor get written back.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from atonix_iac.planner.plan import PropertyChange

IGNORE_ALL = "all"


def values_differ(before: Any, after: Any) -> bool:
    """Plain equality does it all: UNKNOWN equals nothing but itself (and state never holds
    it), and ``Sensitive`` compares by content with wrapped or plain values."""
    return bool(before != after)


def keep_ignored(
    before: Mapping[str, Any], desired: Mapping[str, Any], ignore_changes: Collection[str]
) -> dict[str, Any]:
    """The desired properties with ``ignore_changes`` ones carried over from state."""
    if IGNORE_ALL in ignore_changes:
        return dict(before)
    after = dict(desired)
    for name in ignore_changes:
        if name in before:
            after[name] = before[name]
        else:
            after.pop(name, None)
    return after


def changed_properties(before: Mapping[str, Any], after: Mapping[str, Any]) -> tuple[str, ...]:
    """Top-level names whose values differ (missing counts as None), sorted."""
    return tuple(
        sorted(
            name
            for name in before.keys() | after.keys()
            if values_differ(before.get(name), after.get(name))
        )
    )


def property_changes(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    names: Collection[str],
    *,
    forces_replacement: Collection[str] = (),
    sensitive: Collection[str] = (),
) -> tuple[PropertyChange, ...]:
    """One PropertyChange per name, in name order."""
    return tuple(
        PropertyChange(
            name=name,
            before=before.get(name),
            after=after.get(name),
            forces_replacement=name in forces_replacement,
            sensitive=name in sensitive,
        )
        for name in sorted(names)
    )


def drifted_properties(recorded: Mapping[str, Any], observed: Mapping[str, Any]) -> list[str]:
    """Properties the cloud reports differently from what state recorded (cloud vs state)."""
    return sorted(
        name for name, value in observed.items() if values_differ(recorded.get(name), value)
    )
