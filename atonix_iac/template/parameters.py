"""Binding values to a template's parameters (Heat's precedence, types and constraints).

Precedence, lowest first: the template's defaults, the environment's ``parameter_defaults``,
the environment's ``parameters``, then explicit values (``-var``, ``-var-file``). Every
problem is reported together, located at the parameter's definition and naming where the
offending value came from. Hidden parameters come out wrapped in ``Sensitive``.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from atonix_iac.errors import (
    Diagnostic,
    ParameterError,
    SourceLocation,
    TemplateError,
    UsageError,
    suggest,
)
from atonix_iac.template.constraints import ValueProblem, check_constraints, coerce
from atonix_iac.template.environment import SECTIONS as ENV_SECTIONS
from atonix_iac.template.heat_stack import region_problems
from atonix_iac.template.model import Template
from atonix_iac.template.nodes import LocatedDict, plain
from atonix_iac.template.source import decode_text, parse_document
from atonix_iac.template.values import UNKNOWN, Sensitive

EXPLICIT = "-var"


@dataclass(frozen=True)
class BoundParameters:
    """Parameter values by name (pseudo-parameters included); hidden ones are Sensitive."""

    values: dict[str, Any]
    sensitive: frozenset[str]


def bind_parameters(
    template: Template,
    values: Mapping[str, Any],
    *,
    stack_name: str,
    stack_id: str,
    project_id: str,
    region: str,
    check_required: bool = True,
    value_sources: Mapping[str, str] | None = None,
) -> BoundParameters:
    """Typed, checked values for every parameter; one ParameterError lists every problem.

    ``value_sources`` may say where each explicit value came from (e.g. a -var-file path);
    otherwise explicit values are reported as coming from ``-var``.
    """
    diagnostics: list[Diagnostic] = []
    sources = dict(value_sources or {})
    env_where = template.environment_parameter_sources
    for name in [*template.environment_parameters, *values]:
        if name not in template.parameters and not name.startswith("OS::"):
            origin = (
                _origin(env_where.get(name)) if name not in values else sources.get(name, EXPLICIT)
            )
            diagnostics.append(
                Diagnostic(
                    f"value given for unknown parameter `{name}` (from {origin})",
                    env_where.get(name) if name not in values else SourceLocation(template.source),
                    hint=suggest(name, template.parameters) or "Heat rejects undefined parameters",
                )
            )
    bound: dict[str, Any] = {}
    missing: list[str] = []
    for name, param in template.parameters.items():
        if name in values:
            raw, origin = values[name], sources.get(name, EXPLICIT)
        elif name in template.environment_parameters:
            raw, origin = template.environment_parameters[name], _origin(env_where.get(name))
        elif name in template.environment_parameter_defaults:
            raw = template.environment_parameter_defaults[name]
            origin = _origin(env_where.get(name))
        elif param.has_default:
            raw, origin = param.default, "its default"
        else:
            missing.append(name)
            continue
        if isinstance(raw, Sensitive):
            raw = raw.value
        try:
            value = coerce(param, plain(raw))
        except ValueProblem as exc:
            diagnostics.append(
                Diagnostic(f"parameter `{name}`: {exc}", param.location, hint=f"from {origin}")
            )
            continue
        for _constraint, message in check_constraints(param, value):
            diagnostics.append(
                Diagnostic(f"parameter `{name}`: {message}", param.location, hint=f"from {origin}")
            )
        bound[name] = Sensitive(value) if param.hidden else value
    diagnostics += region_problems(
        template.nested_stacks,
        region,
        {name: nested.location for name, nested in template.nested_stacks.items()},
    )
    if missing and check_required:
        for name in missing:
            diagnostics.append(
                Diagnostic(
                    f"parameter `{name}` needs a value",
                    template.parameters[name].location,
                    hint=f"pass it with -var {name}=VALUE or in an environment file",
                )
            )
    if diagnostics:
        raise ParameterError(diagnostics=diagnostics)
    # Without check_required (validate), a parameter nobody gave a value is not an error but
    # a value not known yet: everything computed from it is checked as "known after apply".
    bound.update(dict.fromkeys(missing, UNKNOWN))
    bound.update(
        {
            "OS::stack_name": stack_name,
            "OS::stack_id": stack_id,
            "OS::project_id": project_id,
            "OS::region": region,
        }
    )
    hidden = frozenset(n for n, p in template.parameters.items() if p.hidden)
    return BoundParameters(bound, hidden)


def _origin(where: SourceLocation | None) -> str:
    return str(where.file) if where is not None else "the environment"


def parse_var_assignments(items: Sequence[str]) -> dict[str, str]:
    """``-var key=value`` items as a mapping (later items win)."""
    out: dict[str, str] = {}
    for item in items:
        name, sep, value = item.partition("=")
        if not sep or not name.strip():
            raise UsageError(f"-var {item!r}: expected NAME=VALUE (e.g. -var flavor=m1.small)")
        out[name.strip()] = value
    return out


def load_var_file(path: str | Path) -> dict[str, Any]:
    """A ``-var-file``: a YAML/JSON mapping of values, or an environment file's parameters."""
    key = str(path)
    try:
        data = Path(key).read_bytes()
    except FileNotFoundError:
        raise UsageError(f"-var-file {key}: no such file") from None
    except OSError as exc:
        raise UsageError(f"-var-file {key}: cannot read it ({exc.strerror or exc})") from None
    doc = parse_document(key, decode_text(key, data))
    if doc is None:
        return {}
    if not isinstance(doc, LocatedDict):
        raise TemplateError.at(
            getattr(doc, "loc", SourceLocation(key)), "a var file must be a mapping of values"
        )
    env_keys = [k for k in doc if k in ("parameters", "parameter_defaults")]
    if env_keys and all(k in ENV_SECTIONS for k in doc):
        merged: dict[str, Any] = {}
        for section in ("parameter_defaults", "parameters"):
            if isinstance(doc.get(section), dict):
                merged.update(plain(doc[section]))
        return merged
    return {str(k): plain(v) for k, v in doc.items()}
