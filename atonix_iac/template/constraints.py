"""Parameter types and constraints: coercing a value to its type, and checking it.

The rules are Heat's (``heat/engine/parameters.py``, ``constraints.py``): numbers may come as
strings, booleans as t/true/on/y/yes/1 or f/false/off/n/no/0, lists as "a,b", json as text.
Used both when loading (defaults must satisfy their own constraints) and when binding values.
Messages never include the value of a hidden parameter.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

from atonix_iac.template.model import Constraint, Parameter, ParamType

_TRUE = frozenset({"1", "t", "true", "on", "y", "yes"})
_FALSE = frozenset({"0", "f", "false", "off", "n", "no"})

# Which constraint kinds make sense for which types (Heat: Constraint.valid_for).
APPLICABLE: dict[str, frozenset[ParamType]] = {
    "length": frozenset({ParamType.STRING, ParamType.COMMA_DELIMITED_LIST, ParamType.JSON}),
    "range": frozenset({ParamType.NUMBER}),
    "modulo": frozenset({ParamType.NUMBER}),
    "allowed_values": frozenset(ParamType),
    "allowed_pattern": frozenset({ParamType.STRING}),
    "custom_constraint": frozenset(ParamType),
}


class ValueProblem(ValueError):
    """A value does not fit a parameter; the message is safe to show (no secret inside)."""


def _describe(value: Any, hidden: bool) -> str:
    if hidden:
        return "the value"
    text = json.dumps(value) if not isinstance(value, str) else repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def parse_number(value: Any) -> int | float:
    if isinstance(value, bool):
        raise ValueError("a boolean is not a number")
    if isinstance(value, int | float):
        if isinstance(value, float) and not math.isfinite(value):
            raise ValueError("not a finite number")
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            return int(text)
        except ValueError:
            try:
                number = float(text)
            except ValueError:  # float()'s own message is Python's, not the user's
                raise ValueError("expected a number such as 8 or 0.5") from None
            if not math.isfinite(number):
                raise ValueError("not a finite number") from None
            return number
    raise ValueError("not a number")


def parse_boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower() if isinstance(value, str | int) else None
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise ValueError("use true/false, yes/no, on/off or 1/0")


def coerce(param: Parameter, value: Any) -> Any:
    """``value`` converted to the parameter's type; raises ValueProblem."""
    what = _describe(value, param.hidden)
    try:
        return _coerce(param.type, value)
    except ValueError as exc:
        raise ValueProblem(f"{what} is not a valid {param.type.value}: {exc}") from None


def _coerce(kind: ParamType, value: Any) -> Any:
    if kind is ParamType.NUMBER:
        return parse_number(value)
    if kind is ParamType.BOOLEAN:
        return parse_boolean(value)
    if kind is ParamType.COMMA_DELIMITED_LIST:
        if isinstance(value, list):
            return [v if isinstance(v, str) else _scalar_text(v) for v in value]
        if isinstance(value, str):
            return [item.strip() for item in value.split(",")] if value.strip() else []
        if isinstance(value, int | float) and not isinstance(value, bool):
            return [str(value)]
        raise ValueError("expected a list or a comma-separated string")
    if kind is ParamType.JSON:
        if isinstance(value, dict | list):
            return value
        if isinstance(value, str):
            try:
                parsed = json.loads(value) if value.strip() else {}
            except json.JSONDecodeError as exc:
                raise ValueError(f"invalid JSON ({exc.msg})") from None
            if not isinstance(parsed, dict | list):
                raise ValueError("JSON must be an object or a list")
            return parsed
        raise ValueError("expected a map, a list or JSON text")
    # string
    if isinstance(value, str):
        return value
    if isinstance(value, bool | int | float):
        return _scalar_text(value)
    raise ValueError("expected a string")


def _scalar_text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float | str):
        return str(value)
    return json.dumps(value)


def check_constraints(param: Parameter, value: Any) -> list[tuple[Constraint, str]]:
    """Every constraint (custom ones aside) that ``value`` (already coerced) breaks."""
    failures: list[tuple[Constraint, str]] = []
    for constraint in param.constraints:
        message = _check_one(constraint, param, value)
        if message is not None:
            failures.append((constraint, constraint.description or message))
    return failures


def _check_one(constraint: Constraint, param: Parameter, value: Any) -> str | None:
    spec = constraint.spec
    what = _describe(value, param.hidden)
    kind = constraint.kind
    if kind == "length":
        if not isinstance(value, str | list | dict):
            return None
        size = len(value)
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and size < low) or (high is not None and size > high):
            return f"length of {what} must be {_bounds(low, high)} (is {size})"
    elif kind == "range":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        low, high = spec.get("min"), spec.get("max")
        if (low is not None and value < low) or (high is not None and value > high):
            return f"{what} must be {_bounds(low, high)}"
    elif kind == "modulo":
        if not isinstance(value, int | float) or isinstance(value, bool):
            return None
        step, offset = spec["step"], spec["offset"]
        if value % step != offset:
            return f"{what} must be {offset} modulo {step}"
    elif kind == "allowed_values":
        allowed = list(spec)
        items = value if param.type is ParamType.COMMA_DELIMITED_LIST else [value]
        if isinstance(items, list):
            bad = [item for item in items if not _allowed(item, allowed)]
            if bad:
                shown = ", ".join(_scalar_text(a) for a in allowed[:10])
                return (
                    f"{_describe(bad[0], param.hidden)} is not one of the allowed values [{shown}]"
                )
    elif kind == "allowed_pattern" and isinstance(value, str):
        match = re.match(str(spec), value)
        if match is None or match.end() != len(value):
            return f"{what} does not match the pattern {spec!r}"
    return None


def _allowed(item: Any, allowed: list[Any]) -> bool:
    if item in allowed:
        return True
    text = _scalar_text(item) if not isinstance(item, dict | list) else None
    return text is not None and any(
        not isinstance(a, dict | list) and _scalar_text(a) == text for a in allowed
    )


def _bounds(low: Any, high: Any) -> str:
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"
