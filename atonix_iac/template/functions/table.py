"""Which functions each HOT version has (Heat's per-version ``functions`` and
``condition_functions`` dicts, ``heat/engine/hot/template.py``), and the messages for a
function used where its version or context lacks it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Final

from atonix_iac.errors import Severity, SourceLocation
from atonix_iac.template.functions import collections as coll
from atonix_iac.template.functions import conditions as cond
from atonix_iac.template.functions import references as refs
from atonix_iac.template.functions import strings
from atonix_iac.template.functions.base import Factory, Parser, register_call_names
from atonix_iac.template.functions.yaql_expression import parse_yaql
from atonix_iac.template.versions import HOT_VERSIONS, version_index


@dataclass(frozen=True, slots=True)
class FunctionInfo:
    """One function name: its factory and the versions (and tables) that have it."""

    name: str
    factory: Factory
    first: str | None  # first version with it in the value table; None = never there
    last: str | None = None  # last version with it (removed after); None = still there
    condition_first: str | None = None  # first version with it in the condition table
    instead: str | None = None  # what to use once it is removed


def _unsupported(p: Parser, name: str, args: Any, loc: SourceLocation) -> Any:
    return p.invalid(name, loc, args, f"`{name}` is not supported by atonix")


_V2013, _V2015_04 = "2013-05-23", "2015-04-30"
_NEWTON, _OCATA, _PIKE = "2016-10-14", "2017-02-24", "2017-09-01"

FUNCTIONS: Final[dict[str, FunctionInfo]] = {
    info.name: info
    for info in (
        FunctionInfo("get_param", refs.parse_get_param, _V2013, condition_first=_NEWTON),
        FunctionInfo("get_resource", refs.parse_get_resource, _V2013),
        FunctionInfo("get_attr", refs.parse_get_attr, _V2013),
        FunctionInfo("get_file", refs.parse_get_file, _V2013),
        FunctionInfo("resource_facade", refs.parse_resource_facade, _V2013),
        FunctionInfo("list_join", strings.parse_list_join, _V2013),
        FunctionInfo("str_replace", strings.parse_str_replace, _V2013),
        # CFN functions of 2013-05-23
        FunctionInfo(
            "Ref", refs.parse_ref, _V2013, _V2013, instead="`get_param` or `get_resource`"
        ),
        FunctionInfo("Fn::Join", strings.parse_list_join, _V2013, _V2013, instead="`list_join`"),
        FunctionInfo("Fn::Split", strings.parse_str_split, _V2013, _V2013, instead="`str_split`"),
        FunctionInfo(
            "Fn::Replace", strings.parse_str_replace, _V2013, _V2013, instead="`str_replace`"
        ),
        FunctionInfo(
            "Fn::Base64", strings.parse_base64, _V2013, _V2013, instead="the string itself"
        ),
        FunctionInfo("Fn::GetAZs", _unsupported, _V2013, _V2013),
        FunctionInfo("Fn::MemberListToMap", _unsupported, _V2013, _V2013),
        FunctionInfo(
            "Fn::ResourceFacade", _unsupported, _V2013, _V2013, instead="`resource_facade`"
        ),
        FunctionInfo(
            "Fn::Select",
            strings.parse_select,
            _V2013,
            _V2015_04,
            instead="a path in `get_param`/`get_attr`, or `str_split` with an index",
        ),
        # 2015-04-30
        FunctionInfo("repeat", coll.parse_repeat, _V2015_04),
        FunctionInfo("digest", strings.parse_digest, _V2015_04),
        # 2015-10-15
        FunctionInfo("str_split", strings.parse_str_split, "2015-10-15"),
        # 2016-04-08
        FunctionInfo("map_merge", coll.parse_map_merge, "2016-04-08"),
        # 2016-10-14 (newton)
        FunctionInfo("yaql", parse_yaql, _NEWTON, condition_first=_PIKE),
        FunctionInfo("map_replace", coll.parse_map_replace, _NEWTON),
        FunctionInfo("if", cond.parse_if, _NEWTON),
        FunctionInfo("equals", cond.parse_equals, None, condition_first=_NEWTON),
        FunctionInfo("not", cond.parse_not, None, condition_first=_NEWTON),
        FunctionInfo("and", cond.parse_and_or, None, condition_first=_NEWTON),
        FunctionInfo("or", cond.parse_and_or, None, condition_first=_NEWTON),
        # 2017-02-24 (ocata)
        FunctionInfo("filter", coll.parse_filter, _OCATA),
        FunctionInfo("str_replace_strict", strings.parse_str_replace, _OCATA),
        # 2017-09-01 (pike)
        FunctionInfo("make_url", strings.parse_make_url, _PIKE),
        FunctionInfo("list_concat", coll.parse_list_concat, _PIKE),
        FunctionInfo("list_concat_unique", coll.parse_list_concat, _PIKE),
        FunctionInfo("str_replace_vstrict", strings.parse_str_replace, _PIKE),
        FunctionInfo("contains", coll.parse_contains, _PIKE, condition_first=_PIKE),
    )
}

register_call_names(FUNCTIONS)


def _in_range(version: str, first: str | None, last: str | None) -> bool:
    if first is None:
        return False
    i = version_index(version)
    return version_index(first) <= i and (last is None or i <= version_index(last))


def _build() -> tuple[dict[str, dict[str, Factory]], dict[str, dict[str, Factory]]]:
    values: dict[str, dict[str, Factory]] = {}
    conditions: dict[str, dict[str, Factory]] = {}
    for version in HOT_VERSIONS:
        values[version] = {
            n: f.factory for n, f in FUNCTIONS.items() if _in_range(version, f.first, f.last)
        }
        conditions[version] = {
            n: f.factory
            for n, f in FUNCTIONS.items()
            if _in_range(version, f.condition_first, None)
        }
    return values, conditions


VALUE_TABLES, CONDITION_TABLES = _build()


def function_names(version: str) -> frozenset[str]:
    """The functions usable in values at version (canonical)."""
    return frozenset(VALUE_TABLES[version])


def condition_function_names(version: str) -> frozenset[str]:
    """The functions usable in condition expressions at version (canonical)."""
    return frozenset(CONDITION_TABLES[version])


def unavailable(
    name: str, version: str, in_condition: bool
) -> tuple[Severity, str, str | None] | None:
    """Why name cannot be called here: (severity, message, hint); None if name is no function
    (then the single-key map is plain data)."""
    info = FUNCTIONS.get(name)
    if info is None:
        return None
    where = f"heat_template_version {version}"
    if in_condition:
        if info.condition_first is not None:
            return (
                Severity.ERROR,
                f"`{name}` in a condition needs heat_template_version {info.condition_first} "
                f"or later (this template is {version})",
                None,
            )
        if _in_range(version, info.first, info.last) or info.last is None:
            names = ", ".join(sorted(CONDITION_TABLES[version]))
            return (
                Severity.ERROR,
                f"`{name}` cannot be used in a condition",
                f"conditions may use {names}" if names else None,
            )
    if info.first is None:  # a condition-only function, in a value: Heat keeps it as data
        return (
            Severity.WARNING,
            f"`{name}` is a condition function; here it is plain data (a map with key `{name}`)",
            "condition functions work in the `conditions` section, in a `condition` key "
            "and in the first argument of `if`",
        )
    if version_index(version) < version_index(info.first):
        return (
            Severity.ERROR,
            f"`{name}` needs heat_template_version {info.first} or later "
            f"(this template is {version})",
            None,
        )
    if info.last is not None and version_index(version) > version_index(info.last):
        hint = f"use {info.instead}" if info.instead else None
        return (
            Severity.ERROR,
            f"`{name}` is not available in {where} (it was removed after {info.last})",
            hint,
        )
    return None  # pragma: no cover - available functions never get here


__all__ = [
    "CONDITION_TABLES",
    "FUNCTIONS",
    "VALUE_TABLES",
    "FunctionInfo",
    "condition_function_names",
    "function_names",
    "unavailable",
]
