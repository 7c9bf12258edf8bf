"""The ``conditions`` section, cycles between conditions, and evaluating them all.

A condition may name other conditions; a loop among them has no truth value, so it is a
located error at load time (every condition on the loop named) rather than a recursion at
plan time.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError
from atonix_iac.template import versions
from atonix_iac.template.functions import ParseContext, evaluate
from atonix_iac.template.model import ConditionSpec, Template
from atonix_iac.template.nodes import LocatedDict, location_of
from atonix_iac.template.resources import parse_condition_ref
from atonix_iac.template.scan import condition_names_used
from atonix_iac.template.values import UNKNOWN, Sensitive


def parse_conditions(
    section: Any, section_loc: SourceLocation, ctx: ParseContext
) -> dict[str, ConditionSpec]:
    if section is None:
        return {}
    if not versions.supports(ctx.version, "conditions"):
        ctx.diagnostics.append(
            Diagnostic(
                "the `conditions` section needs heat_template_version 2016-10-14 or later",
                section_loc,
            )
        )
        return {}
    if not isinstance(section, LocatedDict):
        ctx.diagnostics.append(
            Diagnostic("`conditions` must be a mapping", location_of(section, section_loc))
        )
        return {}
    names = frozenset(str(k) for k in section)
    out: dict[str, ConditionSpec] = {}
    for name, body in section.items():
        loc = section.key_loc(name)
        expression = parse_condition_ref(
            body, section.value_loc(name), ctx, names, f"condition `{name}`"
        )
        out[str(name)] = ConditionSpec(str(name), expression, loc)
    _check_cycles(section, ctx.diagnostics)
    return out


def _check_cycles(section: LocatedDict, diagnostics: list[Diagnostic]) -> None:
    edges: dict[str, list[tuple[str, SourceLocation]]] = {
        str(name): [
            (ref, where)
            for ref, where in condition_names_used(body, section.value_loc(name))
            if ref in section
        ]
        for name, body in section.items()
    }
    reported: set[frozenset[str]] = set()
    for start in edges:
        cycle = _find_cycle(start, edges)
        if cycle is None or frozenset(cycle) in reported:
            continue
        reported.add(frozenset(cycle))
        related = tuple(
            (where, f"`{a}` refers to `{b}`")
            for a, b in zip(cycle, cycle[1:] + cycle[:1], strict=True)
            for ref, where in edges[a]
            if ref == b
        )
        diagnostics.append(
            Diagnostic(
                "conditions refer to each other in a loop: " + " -> ".join([*cycle, cycle[0]]),
                section.key_loc(cycle[0]),
                related=related,
            )
        )


def _find_cycle(
    start: str, edges: Mapping[str, list[tuple[str, SourceLocation]]]
) -> list[str] | None:
    path: list[str] = []
    on_path: set[str] = set()
    done: set[str] = set()

    def visit(node: str) -> list[str] | None:
        if node in on_path:
            index = path.index(node)
            return path[index:] if node == start else None
        if node in done:
            return None
        path.append(node)
        on_path.add(node)
        for ref, _ in edges.get(node, []):
            found = visit(ref)
            if found is not None:
                return found
        path.pop()
        on_path.discard(node)
        done.add(node)
        return None

    return visit(start)


class _ConditionContext:
    """Evaluates conditions: parameters are bound, resources are out of bounds."""

    def __init__(self, template: Template, parameters: Mapping[str, Any]) -> None:
        self.template = template
        self.parameters = parameters
        self.results: dict[str, bool] = {}
        self._busy: set[str] = set()

    def parameter(self, name: str) -> Any:
        if name not in self.parameters:
            raise TemplateError.at(None, f"parameter `{name}` has no value")
        return self.parameters[name]

    def resource_id(self, name: str) -> Any:
        return UNKNOWN

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        return UNKNOWN

    def condition(self, name: str) -> bool:
        if name in self.results:
            return self.results[name]
        spec = self.template.conditions.get(name)
        if spec is None:
            raise TemplateError.at(None, f"unknown condition `{name}`")
        if name in self._busy:
            raise TemplateError.at(spec.location, f"condition `{name}` depends on itself")
        self._busy.add(name)
        try:
            value = truth(spec.expression, self, spec.location)
        finally:
            self._busy.discard(name)
        self.results[name] = value
        return value


def truth(expression: Any, ctx: Any, where: SourceLocation) -> bool:
    """The truth of a condition value: a bool, a condition name or an expression."""
    if isinstance(expression, bool):
        return expression
    if isinstance(expression, str):
        return bool(ctx.condition(expression))
    value = evaluate(expression, ctx)
    if isinstance(value, Sensitive):
        value = value.value
    if value is UNKNOWN:
        raise TemplateError.at(
            where,
            "this condition depends on a value known only after apply",
            "conditions may use parameters only",
        )
    return bool(value)


def resolve_conditions(template: Template, parameters: Mapping[str, Any]) -> dict[str, bool]:
    """Every condition of ``template`` (nested ones as ``parent.name``) under ``parameters``."""
    ctx = _ConditionContext(template, parameters)
    for name in template.conditions:
        ctx.condition(name)
    return dict(ctx.results)
