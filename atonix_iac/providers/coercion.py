"""Heat's rules for property values, shared by schema validation and the built-in types:
the type coercions of ``heat.engine.properties.Property.get_value`` ("3" is an Integer,
"true" a Boolean) and the constraint predicates of ``heat.engine.constraints``.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any, Final

_TRUE_FALSE: Final = ("true", "false")


def coerce_value(type_name: str, value: Any) -> Any:
    """value as Heat hands it to a property of type type_name ("3" -> 3 for Integer);
    ValueError if it is not one. The message never shows the value."""
    ok, coerced, hint = coerce(type_name, value)
    if not ok:
        article = "an" if type_name[:1] in "AEIOU" else "a"
        message = f"must be {article} {type_name}, not {kind_of(value)}"
        raise ValueError(f"{message} ({hint})" if hint else message)
    return coerced


def coerce(type_name: str, value: Any) -> tuple[bool, Any, str | None]:
    """(valid, value as Heat would see it, hint), following Heat's Property.get_value."""
    if type_name == "String":
        if isinstance(value, str):
            return True, value, None
        if isinstance(value, bool | int):
            return True, str(value), None
        hint = "quote the value to make it a string" if isinstance(value, float) else None
        return False, value, hint
    if type_name == "Integer":
        try:
            return True, int(value), None
        except (TypeError, ValueError, OverflowError):
            return False, value, None
    if type_name == "Number":
        number = as_number(value)
        return (number is not None), (value if number is None else number), None
    if type_name == "Boolean":
        if isinstance(value, bool):
            return True, value, None
        if isinstance(value, str) and value.lower() in _TRUE_FALSE:
            return True, value.lower() == "true", None
        return False, value, "use true or false"
    if type_name == "Map":
        return isinstance(value, Mapping), value, None
    if type_name == "List":
        return isinstance(value, list | tuple), value, None
    if type_name == "Json":
        if isinstance(value, Mapping | list):
            return True, value, None
        if isinstance(value, str):
            try:
                parsed = json.loads(value)
            except ValueError:
                return False, value, "a Json value is a map, a list, or a string holding one"
            return isinstance(parsed, dict | list), parsed, None
        return False, value, None
    # "Any", or a type Heat may add later: accept.
    return True, value, None


def as_number(value: Any) -> int | float | None:
    """Heat's Schema.str_to_num: numbers as they are, numeric strings parsed, else None."""
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        try:
            return int(value)
        except ValueError:
            pass
        try:
            return float(value)
        except ValueError:
            return None
    return None


def within(number: float, bounds: Mapping[str, Any]) -> bool:
    low, high = bounds.get("min"), bounds.get("max")
    return (low is None or number >= low) and (high is None or number <= high)


def describe_bounds(bounds: Mapping[str, Any]) -> str:
    low, high = bounds.get("min"), bounds.get("max")
    if low is not None and high is not None:
        return f"between {low} and {high}"
    if low is not None:
        return f"at least {low}"
    return f"at most {high}"


def is_allowed(value: Any, allowed: list[Any], type_name: str) -> bool:
    if value in allowed:
        return True
    if type_name == "Boolean" or isinstance(value, bool):
        return str(value).lower() in {str(a).lower() for a in allowed}
    number = as_number(value) if type_name in ("Integer", "Number") else None
    if number is not None:
        return any(as_number(a) == number for a in allowed)
    return str(value) in {str(a) for a in allowed}


def matches_pattern(pattern: str, value: str) -> bool:
    """Heat's AllowedPattern: a match from the start that consumes the whole value."""
    try:
        match = re.match(pattern, value)
    except re.error:
        return True  # a bad pattern is Heat's bug, not the user's
    return match is not None and match.end() == len(value)


def kind_of(value: Any) -> str:
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, Mapping):
        return "a map"
    if isinstance(value, list | tuple):
        return "a list"
    if value is None:
        return "null"
    return f"a {type(value).__name__}"
