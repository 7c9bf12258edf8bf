"""Value markers shared by template evaluation, the planner and renderers.

``UNKNOWN`` stands for a value that is "known after apply" (an attribute of a resource not yet
created). ``OMIT`` is the elision marker of the two-argument ``if`` (HOT 2021-04-16): the
enclosing list item, map key or property disappears. ``Sensitive`` wraps a value that must never
be printed; it compares by content so diffs still work.
"""

from __future__ import annotations

from typing import Any, Final


class _Unknown:
    __slots__ = ()

    def __repr__(self) -> str:
        return "(known after apply)"

    def __reduce__(self) -> str:
        return "UNKNOWN"


class _Omit:
    __slots__ = ()

    def __repr__(self) -> str:
        return "(omitted)"

    def __reduce__(self) -> str:
        return "OMIT"


UNKNOWN: Final = _Unknown()
OMIT: Final = _Omit()


def is_unknown(value: Any) -> bool:
    return value is UNKNOWN


def contains_unknown(value: Any) -> bool:
    """True if UNKNOWN appears anywhere inside value."""
    if value is UNKNOWN:
        return True
    if isinstance(value, dict):
        return any(contains_unknown(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(contains_unknown(v) for v in value)
    return False


class Sensitive:
    """A secret value; ``repr``/``str`` never show it."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value

    def __repr__(self) -> str:
        return "(sensitive)"

    __str__ = __repr__

    def __eq__(self, other: object) -> bool:
        other_value = other.value if isinstance(other, Sensitive) else other
        return bool(self.value == other_value)

    def __hash__(self) -> int:
        return hash(repr(self.value))


def unwrap(value: Any) -> Any:
    """Strip ``Sensitive`` wrappers recursively (for providers, which need the real value)."""
    if isinstance(value, Sensitive):
        return unwrap(value.value)
    if isinstance(value, dict):
        return {k: unwrap(v) for k, v in value.items()}
    if isinstance(value, list):
        return [unwrap(v) for v in value]
    return value


def contains_sensitive(value: Any) -> bool:
    """True if a Sensitive appears anywhere inside value. A loop over an explicit stack: the
    planner asks this of every property of every resource, and most hold no container."""
    if value.__class__ is Sensitive:
        return True
    if not isinstance(value, dict | list | tuple):
        return isinstance(value, Sensitive)
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, Sensitive):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
