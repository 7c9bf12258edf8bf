"""The ``parameters`` and ``parameter_groups`` sections: definitions, not values.

Every definition is checked for shape (keys, type, constraint specs) and its default against
its own type and constraints, so that ``atonix validate`` catches a bad default without any
parameter values. Problems are appended to a diagnostics list; nothing raises.
"""

from __future__ import annotations

import re
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, suggest
from atonix_iac.template import versions
from atonix_iac.template.constraints import (
    APPLICABLE,
    ValueProblem,
    check_constraints,
    coerce,
)
from atonix_iac.template.model import Constraint, Parameter, ParameterGroup, ParamType
from atonix_iac.template.nodes import LocatedDict, LocatedList, location_of, plain

BASE_KEYS = ("type", "label", "description", "default", "hidden", "constraints", "immutable")
CONSTRAINT_KINDS = tuple(APPLICABLE)
TYPES = tuple(t.value for t in ParamType)
PSEUDO_PARAMETERS = ("OS::stack_id", "OS::stack_name", "OS::project_id", "OS::region")


class _Checker:
    def __init__(self, version: str, diagnostics: list[Diagnostic]) -> None:
        self.version = version
        self.diagnostics = diagnostics

    def error(self, loc: SourceLocation, message: str, hint: str | None = None) -> None:
        self.diagnostics.append(Diagnostic(message, loc, hint=hint))


def parse_parameters(
    section: Any, section_loc: SourceLocation, version: str, diagnostics: list[Diagnostic]
) -> dict[str, Parameter]:
    checker = _Checker(version, diagnostics)
    if section is None:
        return {}
    if not isinstance(section, LocatedDict):
        checker.error(location_of(section, section_loc), "`parameters` must be a mapping")
        return {}
    out: dict[str, Parameter] = {}
    for name, body in section.items():
        param = _parameter(checker, str(name), body, section.key_loc(name))
        if param is not None:
            out[str(name)] = param
    return out


def _parameter(checker: _Checker, name: str, body: Any, loc: SourceLocation) -> Parameter | None:
    if not isinstance(body, LocatedDict):
        checker.error(
            location_of(body, loc),
            f"parameter `{name}` must be a mapping with a `type`",
        )
        return None
    allowed = BASE_KEYS + (("tags",) if versions.supports(checker.version, "param_tags") else ())
    for key in body:
        if key not in allowed:
            hint = suggest(str(key), allowed)
            if key == "tags":
                hint = "parameter tags need heat_template_version 2018-03-02 or later"
            checker.error(body.key_loc(key), f"invalid key `{key}` in parameter `{name}`", hint)
    raw_type = body.get("type")
    if raw_type is None:
        checker.error(loc, f"parameter `{name}` has no `type`", f"one of {', '.join(TYPES)}")
        return None
    if raw_type not in TYPES:
        checker.error(
            body.value_loc("type"),
            f"parameter `{name}` has unknown type `{raw_type}`",
            suggest(str(raw_type), TYPES) or f"one of {', '.join(TYPES)}",
        )
        return None
    ptype = ParamType(str(raw_type))
    hidden = _flag(checker, body, "hidden", name)
    constraints = _constraints(checker, body, name, ptype)
    param = Parameter(
        name=name,
        type=ptype,
        location=loc,
        default=None,
        has_default=False,
        label=_text(checker, body, "label", name),
        description=_text(checker, body, "description", name),
        hidden=hidden,
        immutable=_flag(checker, body, "immutable", name),
        constraints=constraints,
        tags=_tags(checker, body, name),
    )
    default = body.get("default")
    if default is None:
        return param
    default_loc = body.value_loc("default")
    try:
        value = coerce(param, plain(default))
    except ValueProblem as exc:
        checker.error(default_loc, f"default of parameter `{name}`: {exc}")
        return param
    for _constraint, message in check_constraints(param, value):
        checker.error(default_loc, f"default of parameter `{name}` breaks a constraint: {message}")
    return Parameter(
        name=param.name,
        type=param.type,
        location=param.location,
        default=value,
        has_default=True,
        label=param.label,
        description=param.description,
        hidden=param.hidden,
        immutable=param.immutable,
        constraints=param.constraints,
        tags=param.tags,
    )


def _flag(checker: _Checker, body: LocatedDict, key: str, name: str) -> bool:
    value = body.get(key, False)
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.lower() in ("true", "false"):
        return value.lower() == "true"
    checker.error(body.value_loc(key), f"`{key}` of parameter `{name}` must be true or false")
    return False


def _text(checker: _Checker, body: LocatedDict, key: str, name: str) -> str | None:
    value = body.get(key)
    if value is None:
        return None
    if isinstance(value, str):
        return str(value)
    if isinstance(value, int | float | bool):
        return str(value)
    checker.error(body.value_loc(key), f"`{key}` of parameter `{name}` must be a string")
    return None


def _tags(checker: _Checker, body: LocatedDict, name: str) -> tuple[str, ...]:
    value = body.get("tags")
    if value is None:
        return ()
    if isinstance(value, list) and all(isinstance(v, str) for v in value):
        return tuple(str(v) for v in value)
    checker.error(body.value_loc("tags"), f"`tags` of parameter `{name}` must be a list of strings")
    return ()


def _constraints(
    checker: _Checker, body: LocatedDict, name: str, ptype: ParamType
) -> tuple[Constraint, ...]:
    value = body.get("constraints")
    if value is None:
        return ()
    if not isinstance(value, LocatedList):
        checker.error(
            body.value_loc("constraints"), f"`constraints` of parameter `{name}` must be a list"
        )
        return ()
    out: list[Constraint] = []
    for index, item in enumerate(value):
        constraint = _constraint(checker, item, value.item_loc(index), name, ptype)
        if constraint is not None:
            out.append(constraint)
    return tuple(out)


def _constraint(
    checker: _Checker, item: Any, loc: SourceLocation, name: str, ptype: ParamType
) -> Constraint | None:
    if not isinstance(item, LocatedDict):
        checker.error(loc, f"a constraint of parameter `{name}` must be a mapping")
        return None
    kinds = [k for k in item if k != "description"]
    description = item.get("description")
    if description is not None and not isinstance(description, str):
        checker.error(item.value_loc("description"), "a constraint description must be a string")
        description = None
    if len(kinds) != 1:
        for key in kinds[1:] if kinds else []:
            checker.error(item.key_loc(key), f"a constraint has one kind; `{key}` is extra")
        if not kinds:
            checker.error(loc, f"constraint of parameter `{name}` names no kind", _kinds_hint())
        return None
    kind = str(kinds[0])
    kind_loc = item.key_loc(kinds[0])
    if kind not in CONSTRAINT_KINDS:
        checker.error(
            kind_loc,
            f"unknown constraint `{kind}` on parameter `{name}`",
            suggest(kind, CONSTRAINT_KINDS) or _kinds_hint(),
        )
        return None
    if kind == "modulo" and not versions.supports(checker.version, "modulo"):
        checker.error(
            kind_loc,
            "the `modulo` constraint needs heat_template_version 2017-02-24 or later",
        )
        return None
    if ptype not in APPLICABLE[kind]:
        checker.error(
            kind_loc, f"a `{kind}` constraint does not apply to a {ptype.value} parameter"
        )
        return None
    spec_loc = item.value_loc(kinds[0])
    spec = _SPEC_CHECKS[kind](checker, item[kinds[0]], spec_loc, name)
    if spec is None:
        return None
    return Constraint(kind, spec, str(description) if description else None, kind_loc)


def _kinds_hint() -> str:
    return f"one of {', '.join(CONSTRAINT_KINDS)}"


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)


def _bounds_spec(
    checker: _Checker, value: Any, loc: SourceLocation, name: str, kind: str
) -> dict[str, Any] | None:
    if not isinstance(value, dict) or not value:
        checker.error(loc, f"`{kind}` of parameter `{name}` needs `min` and/or `max`")
        return None
    spec: dict[str, Any] = {}
    ok = True
    for key, bound in value.items():
        where = value.key_loc(key) if isinstance(value, LocatedDict) else loc
        if key not in ("min", "max"):
            checker.error(
                where,
                f"`{kind}` takes `min` and `max`, not `{key}`",
                suggest(str(key), ("min", "max")),
            )
            ok = False
        elif not _is_number(bound) or (
            kind == "length" and (not isinstance(bound, int) or bound < 0)
        ):
            need = "a non-negative integer" if kind == "length" else "a number"
            checker.error(where, f"`{kind}` `{key}` of parameter `{name}` must be {need}")
            ok = False
        else:
            spec[str(key)] = bound
    low, high = spec.get("min"), spec.get("max")
    if ok and low is not None and high is not None and low > high:
        checker.error(loc, f"`{kind}` of parameter `{name}` has min {low} above max {high}")
        ok = False
    return spec if ok else None


def _length_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    return _bounds_spec(checker, value, loc, name, "length")


def _range_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    return _bounds_spec(checker, value, loc, name, "range")


def _modulo_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    if not isinstance(value, dict) or set(value) != {"step", "offset"}:
        checker.error(loc, f"`modulo` of parameter `{name}` needs exactly `step` and `offset`")
        return None
    step, offset = value["step"], value["offset"]
    if (
        not (isinstance(step, int) and isinstance(offset, int))
        or isinstance(step, bool)
        or isinstance(offset, bool)
    ):
        checker.error(loc, f"`modulo` step and offset of parameter `{name}` must be integers")
        return None
    if step == 0:
        checker.error(loc, f"`modulo` step of parameter `{name}` cannot be 0")
        return None
    if abs(offset) >= abs(step) or (offset != 0 and (offset > 0) != (step > 0)):
        checker.error(
            loc,
            f"`modulo` offset of parameter `{name}` must be smaller than the step, with its sign",
        )
        return None
    return {"step": step, "offset": offset}


def _allowed_values_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    if not isinstance(value, list) or not value:
        checker.error(loc, f"`allowed_values` of parameter `{name}` must be a non-empty list")
        return None
    return plain(value)


def _allowed_pattern_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    if not isinstance(value, str):
        checker.error(loc, f"`allowed_pattern` of parameter `{name}` must be a string")
        return None
    try:
        re.compile(value)
    except re.error as exc:
        checker.error(loc, f"`allowed_pattern` of parameter `{name}` is not a valid regex: {exc}")
        return None
    return str(value)


def _custom_spec(checker: _Checker, value: Any, loc: SourceLocation, name: str) -> Any:
    if not isinstance(value, str) or not value:
        checker.error(loc, f"`custom_constraint` of parameter `{name}` must name a constraint")
        return None
    return str(value)


_SPEC_CHECKS = {
    "length": _length_spec,
    "range": _range_spec,
    "modulo": _modulo_spec,
    "allowed_values": _allowed_values_spec,
    "allowed_pattern": _allowed_pattern_spec,
    "custom_constraint": _custom_spec,
}


def parse_parameter_groups(
    section: Any,
    section_loc: SourceLocation,
    parameters: dict[str, Parameter],
    diagnostics: list[Diagnostic],
) -> tuple[ParameterGroup, ...]:
    checker = _Checker("", diagnostics)
    if section is None:
        return ()
    if not isinstance(section, LocatedList):
        checker.error(location_of(section, section_loc), "`parameter_groups` must be a list")
        return ()
    groups: list[ParameterGroup] = []
    grouped: dict[str, SourceLocation] = {}
    for index, item in enumerate(section):
        loc = section.item_loc(index)
        if not isinstance(item, LocatedDict):
            checker.error(loc, "a parameter group must be a mapping")
            continue
        for key in item:
            if key not in ("label", "description", "parameters"):
                checker.error(
                    item.key_loc(key),
                    f"invalid key `{key}` in a parameter group",
                    suggest(str(key), ("label", "description", "parameters")),
                )
        names = item.get("parameters")
        if not isinstance(names, LocatedList):
            checker.error(
                item.value_loc("parameters") if "parameters" in item else loc,
                "a parameter group needs a `parameters` list",
            )
            continue
        members: list[str] = []
        for pos, name in enumerate(names):
            where = names.item_loc(pos)
            if not isinstance(name, str) or name not in parameters:
                checker.error(
                    where,
                    f"parameter group names unknown parameter `{name}`",
                    suggest(str(name), parameters),
                )
                continue
            if name in grouped:
                checker.error(
                    where,
                    f"parameter `{name}` is in more than one group",
                    f"first grouped at {grouped[name]}",
                )
                continue
            grouped[name] = where
            members.append(str(name))
        label, description = item.get("label"), item.get("description")
        groups.append(
            ParameterGroup(
                str(label) if label is not None else None,
                str(description) if description is not None else None,
                tuple(members),
                loc,
            )
        )
    return tuple(groups)
