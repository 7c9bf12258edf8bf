"""Resolved properties as providers take them, in one walk over the values.

Before each create or update, apply needs three things of the resolved properties: which
still hold a value "known after apply" (an error by then), which hold a secret, and the
values with ``Sensitive`` wrappers stripped. Three recursive walks per resource
(``contains_unknown``, ``contains_sensitive``, ``unwrap``) became one; the answers are exactly
theirs (a tuple is looked into but not copied, as ``unwrap`` leaves tuples alone).
"""

from __future__ import annotations

from typing import Any

from atonix_iac.template.values import (
    UNKNOWN,
    Sensitive,
    contains_sensitive,
    contains_unknown,
    unwrap,
)

_SCALARS = frozenset({str, int, float, bool, type(None)})


def provider_values(values: dict[str, Any]) -> tuple[dict[str, Any], list[str], set[str]]:
    """(the values unwrapped, the names still holding UNKNOWN, the names holding a secret)."""
    plain: dict[str, Any] = {}
    unknown: list[str] = []
    secret: set[str] = set()
    for name, value in values.items():
        plain[name], has_unknown, has_secret = _walk(value)
        if has_unknown:
            unknown.append(name)
        if has_secret:
            secret.add(name)
    return plain, unknown, secret


def _walk(value: Any) -> tuple[Any, bool, bool]:
    if type(value) in _SCALARS:
        return value, False, False
    if isinstance(value, dict):
        out: dict[Any, Any] = {}
        unknown = secret = False
        for key, item in value.items():
            out[key], item_unknown, item_secret = _walk(item)
            unknown = unknown or item_unknown
            secret = secret or item_secret
        return out, unknown, secret
    if isinstance(value, list):
        items: list[Any] = []
        unknown = secret = False
        for item in value:
            plain, item_unknown, item_secret = _walk(item)
            items.append(plain)
            unknown = unknown or item_unknown
            secret = secret or item_secret
        return items, unknown, secret
    if value is UNKNOWN:
        return value, True, False
    if isinstance(value, Sensitive):  # what it wraps is not looked into for UNKNOWN
        return unwrap(value.value), False, True
    if isinstance(value, tuple):
        return value, contains_unknown(value), contains_sensitive(value)
    return value, False, False
