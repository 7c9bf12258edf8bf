"""Plan values in Terraform's JSON conventions, with secrets masked.

Terraform writes unknown values by leaving them out of ``after`` and marking them ``true`` in a
parallel ``after_unknown`` tree; sensitive values are marked the same way in ``*_sensitive``
trees. The trees keep ``false`` for list elements (so indexes line up) and drop it for map keys.
Terraform leaves sensitive values in clear; atonix replaces each with ``SENSITIVE_MASK``, so the
document can be uploaded as a CI artifact or fed to a policy engine without leaking anything.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from atonix_iac.template.nodes import plain
from atonix_iac.template.values import UNKNOWN, Sensitive, contains_sensitive

SENSITIVE_MASK = "(sensitive value)"
# Exact types that are already JSON-ready leaves: checked first, as ``isinstance`` against
# the ABCs below costs more than the rest of the walk (a 10,000-resource ``show -json``).
_LEAVES = frozenset({str, int, float, bool, type(None)})


def masked_value(value: Any) -> Any:
    """A JSON-ready copy: secrets masked, unknowns dropped from maps and null in lists."""
    kind = type(value)
    if kind in _LEAVES:
        return value
    if kind is dict:  # leaves taken inline: no call per leaf
        return {
            str(k): v if type(v) in _LEAVES else masked_value(v)
            for k, v in value.items()
            if v is not UNKNOWN
        }
    if kind is list:
        return [v if type(v) in _LEAVES else masked_value(v) for v in value]
    if isinstance(value, Sensitive):
        return SENSITIVE_MASK
    if value is UNKNOWN:
        return None
    if isinstance(value, Mapping):
        return {str(k): masked_value(v) for k, v in value.items() if v is not UNKNOWN}
    if isinstance(value, list | tuple):
        return [masked_value(v) for v in value]
    return plain(value)


def masked_properties(
    properties: Mapping[str, Any] | None, secret: Collection[str]
) -> dict[str, Any] | None:
    """Top-level properties named in ``secret`` are masked whole; the rest per value."""
    if properties is None:
        return None
    return {
        str(name): SENSITIVE_MASK
        if name in secret
        else value
        if type(value) in _LEAVES
        else masked_value(value)
        for name, value in properties.items()
        if value is not UNKNOWN
    }


def unknown_tree(value: Any) -> Any:
    """Terraform's ``after_unknown``: true at unknown leaves."""
    kind = type(value)
    if kind in _LEAVES:
        return False
    if kind is dict:  # leaves taken inline: no call per leaf
        return {
            str(k): t
            for k, v in value.items()
            if type(v) not in _LEAVES and (t := unknown_tree(v)) is not False
        }
    if kind is list:
        return [False if type(v) in _LEAVES else unknown_tree(v) for v in value]
    if value is UNKNOWN:
        return True
    if isinstance(value, Sensitive):
        return False
    if isinstance(value, Mapping):
        return {str(k): t for k, v in value.items() if (t := unknown_tree(v)) is not False}
    if isinstance(value, list | tuple):
        return [unknown_tree(v) for v in value]
    return False


def sensitive_tree(value: Any) -> Any:
    """Terraform's ``*_sensitive``: true at secret leaves."""
    kind = type(value)
    if kind in _LEAVES:
        return False
    if kind is dict:  # leaves taken inline: no call per leaf
        return {
            str(k): t
            for k, v in value.items()
            if type(v) not in _LEAVES and (t := sensitive_tree(v)) is not False
        }
    if kind is list:
        return [False if type(v) in _LEAVES else sensitive_tree(v) for v in value]
    if isinstance(value, Sensitive):
        return True
    if isinstance(value, Mapping):
        return {str(k): t for k, v in value.items() if (t := sensitive_tree(v)) is not False}
    if isinstance(value, list | tuple):
        return [sensitive_tree(v) for v in value]
    return False


def properties_unknown(properties: Mapping[str, Any] | None) -> dict[str, Any]:
    """``after_unknown`` of a resource: ``{}`` when nothing is unknown (and for a delete)."""
    tree = unknown_tree(properties if type(properties) is dict else dict(properties or {}))
    return tree if isinstance(tree, dict) else {}


def properties_sensitive(
    properties: Mapping[str, Any] | None, secret: Collection[str]
) -> dict[str, Any] | bool:
    """``before_sensitive``/``after_sensitive`` of a resource: false when there is no value."""
    if properties is None:
        return False
    tree: dict[str, Any] = {}
    for name, value in properties.items():
        if type(value) in _LEAVES and name not in secret:
            continue
        mark = True if name in secret else sensitive_tree(value)
        if mark is not False:
            tree[str(name)] = mark
    return tree


def output_value_sensitive(value: Any, sensitive: bool) -> bool:
    """Terraform marks a whole output sensitive; any secret inside makes it so."""
    return sensitive or contains_sensitive(value)
