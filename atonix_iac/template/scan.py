"""Read facts straight off the located YAML, before (or beside) function parsing.

Which parameters a value uses decides which outputs are sensitive and which of a nested
stack's property values an inner expression depends on; which condition names a condition
uses decides whether conditions form a cycle. The YAML is the most direct source of both.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from atonix_iac.errors import SourceLocation
from atonix_iac.template.nodes import LocatedDict, location_of

# None stands for "could be any": a get_param whose name is itself computed.
ParamUse = frozenset[str] | None


def parameters_used(node: Any) -> ParamUse:
    """Names of the parameters ``node`` reads with ``get_param`` (None if one is dynamic)."""
    names: set[str] = set()
    for arg in _function_args(node, "get_param"):
        head = arg[0] if isinstance(arg, list) and arg else arg
        if not isinstance(head, str):
            return None
        names.add(str(head))
    return frozenset(names)


def _function_args(node: Any, function: str) -> Iterator[Any]:
    if isinstance(node, dict):
        if len(node) == 1 and function in node:
            yield node[function]
        for value in node.values():
            yield from _function_args(value, function)
    elif isinstance(node, list):
        for item in node:
            yield from _function_args(item, function)


def union(uses: list[ParamUse]) -> ParamUse:
    out: set[str] = set()
    for use in uses:
        if use is None:
            return None
        out |= use
    return frozenset(out)


def condition_names_used(node: Any, fallback: SourceLocation) -> list[tuple[str, SourceLocation]]:
    """Condition names referenced by a condition expression (a name, or inside not/and/or)."""
    found: list[tuple[str, SourceLocation]] = []
    _conditions(node, fallback, found)
    return found


def _conditions(
    node: Any, fallback: SourceLocation, found: list[tuple[str, SourceLocation]]
) -> None:
    if isinstance(node, str):
        found.append((str(node), location_of(node, fallback)))
    elif isinstance(node, LocatedDict) and len(node) == 1:
        ((name, arg),) = node.items()
        where = node.value_loc(name)
        if name == "not":
            _conditions(arg, where, found)
        elif name in ("and", "or") and isinstance(arg, list):
            for item in arg:
                _conditions(item, where, found)
