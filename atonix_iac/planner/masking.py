"""Secrets in a plan are wrapped in ``Sensitive`` so that no renderer or serialiser that
honours the wrapper can print them, whatever it was asked to show."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from atonix_iac.planner.plan import PropertyChange
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.template.nodes import plain
from atonix_iac.template.values import Sensitive, contains_sensitive, unwrap

SENSITIVE_MASK = "(sensitive)"


def mask_values(values: Mapping[str, Any] | None, secret: frozenset[str]) -> dict[str, Any] | None:
    """A copy of ``values`` with the secret top-level entries wrapped."""
    if values is None:
        return None
    if not secret:
        return dict(values)
    return {
        k: Sensitive(v) if k in secret and not isinstance(v, Sensitive) else v
        for k, v in values.items()
    }


def mask_change(change: PropertyChange) -> PropertyChange:
    if not change.sensitive:
        return change
    return replace(
        change,
        before=None if change.before is None else Sensitive(unwrap(change.before)),
        after=None if change.after is None else Sensitive(unwrap(change.after)),
    )


def masked_parameters(params: BoundParams) -> dict[str, Any]:
    """Parameter values for the plan record: secret ones replaced by ``(sensitive)``."""
    return {
        name: SENSITIVE_MASK
        if name in params.sensitive or contains_sensitive(value)
        else plain(value)
        for name, value in params.values.items()
    }
