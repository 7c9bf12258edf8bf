"""Expressions of a nested template, made to evaluate in the root template's terms.

A flattened inner resource keeps the expressions its own template wrote (``get_param: x``
meaning the nested parameter ``x``). ``ScopedExpr`` wraps such an expression: when resolved
with the outer ResolveContext it hands the inner expression a ``ScopedContext`` that answers
parameters from the parent resource's property values, and resources, attributes and
conditions by their prefixed (``parent.inner``) names.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import ParameterError, SourceLocation
from atonix_iac.template.constraints import ValueProblem, check_constraints, coerce
from atonix_iac.template.expr import Expr, Reference, ResolveContext, iter_references
from atonix_iac.template.model import Parameter
from atonix_iac.template.scan import ParamUse
from atonix_iac.template.values import UNKNOWN, Sensitive, contains_unknown


@dataclass(frozen=True, eq=False)
class NestedScope:
    """One nested-stack resource as its inner template sees it."""

    name: str  # the nested-stack resource's name in the outer template
    location: SourceLocation
    properties: Mapping[str, Any]  # outer-namespace values (may hold Expr)
    property_locations: Mapping[str, SourceLocation]
    parameters: Mapping[str, Parameter]  # the inner template's parameter definitions
    defaults: Mapping[str, Any]  # inner defaults, parameter_defaults applied
    # Which outer parameters each property value reads (for outer_params_used chains).
    property_param_use: Mapping[str, ParamUse] = field(default_factory=dict)

    def prefixed(self, name: str) -> str:
        return f"{self.name}.{name}"


class ScopedContext:
    """The ResolveContext an inner expression sees."""

    def __init__(self, scope: NestedScope, outer: ResolveContext) -> None:
        self.scope = scope
        self.outer = outer

    def parameter(self, name: str) -> Any:
        scope = self.scope
        if name == "OS::stack_name":
            return _joined(self.outer.parameter(name), scope.name, "-")
        if name == "OS::stack_id":
            return _joined(self.outer.parameter(name), scope.name, "/")
        if name in ("OS::project_id", "OS::region"):
            return self.outer.parameter(name)
        if name in scope.properties:
            from atonix_iac.template.functions import evaluate

            value = evaluate(scope.properties[name], self.outer)
            return self._typed(name, value)
        if name in scope.defaults:
            return scope.defaults[name]
        raise ParameterError.at(scope.location, f"nested template parameter `{name}` has no value")

    def _typed(self, name: str, value: Any) -> Any:
        param = self.scope.parameters.get(name)
        if param is None or contains_unknown(value) or value is None:
            return value
        secret = isinstance(value, Sensitive)
        raw = value.value if isinstance(value, Sensitive) else value
        where = self.scope.property_locations.get(name, self.scope.location)
        try:
            typed = coerce(param, raw)
        except ValueProblem as exc:
            raise ParameterError.at(where, f"property `{name}`: {exc}") from None
        failures = check_constraints(param, typed)
        if failures:
            raise ParameterError.at(where, f"property `{name}`: {failures[0][1]}")
        return Sensitive(typed) if secret or param.hidden else typed

    def resource_id(self, name: str) -> Any:
        return self.outer.resource_id(self.scope.prefixed(name))

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        return self.outer.attribute(self.scope.prefixed(name), attribute, path)

    def condition(self, name: str) -> bool:
        return self.outer.condition(self.scope.prefixed(name))


def _joined(outer: Any, name: str, sep: str) -> Any:
    if outer is UNKNOWN or not isinstance(outer, str):
        return outer
    return f"{outer}{sep}{name}"


class ScopedExpr(Expr):
    """An inner expression, resolved and referenced in the outer template's terms."""

    def __init__(self, inner: Expr, scope: NestedScope, params_used: ParamUse) -> None:
        self.inner = inner
        self.scope = scope
        self.params_used = params_used  # inner parameters the inner expression reads
        self.name = inner.name
        self.location = inner.location

    def references(self) -> Iterator[Reference]:
        for ref in self.inner.references():
            yield Reference(
                self.scope.prefixed(ref.resource), ref.attribute, ref.location, ref.path
            )
        for name in self._properties_read():
            yield from iter_references(self.scope.properties[name])

    def _properties_read(self) -> list[str]:
        if self.params_used is None:
            return list(self.scope.properties)
        return [p for p in self.params_used if p in self.scope.properties]

    def outer_params_used(self) -> ParamUse:
        """The outer template's parameters this expression ends up reading."""
        out: set[str] = set()
        for name in self._properties_read():
            use = self.scope.property_param_use.get(name)
            if use is None:
                return None
            out |= use
        return frozenset(out)

    def resolve(self, ctx: ResolveContext) -> Any:
        return self.inner.resolve(ScopedContext(self.scope, ctx))

    def __repr__(self) -> str:
        return f"{self.scope.name}:{self.inner!r}"


class AllConditions(Expr):
    """True when every part is: a nested resource's own condition and its parent's."""

    name = "condition"

    def __init__(self, parts: tuple[Any, ...], location: SourceLocation) -> None:
        self.parts = parts
        self.location = location

    def references(self) -> Iterator[Reference]:
        for part in self.parts:
            yield from iter_references(part)

    def resolve(self, ctx: ResolveContext) -> Any:
        from atonix_iac.template.functions import evaluate

        for part in self.parts:
            if isinstance(part, bool):
                truth = part
            elif isinstance(part, str):
                truth = ctx.condition(part)
            else:
                value = evaluate(part, ctx)
                if value is UNKNOWN:
                    return UNKNOWN
                truth = bool(value)
            if not truth:
                return False
        return True


def scope_value(value: Any, scope: NestedScope, native_use: ParamUse) -> Any:
    """``value`` with every Expr inside wrapped for ``scope``."""
    if isinstance(value, Expr):
        use = value.outer_params_used() if isinstance(value, ScopedExpr) else native_use
        return ScopedExpr(value, scope, use)
    if isinstance(value, dict):
        return {k: scope_value(v, scope, native_use) for k, v in value.items()}
    if isinstance(value, list):
        return [scope_value(v, scope, native_use) for v in value]
    return value


def scope_condition(condition: Any, scope: NestedScope, native_use: ParamUse) -> Any:
    """A condition (None, a name, a bool or an Expr) as the outer template must read it."""
    if condition is None or isinstance(condition, bool):
        return condition
    if isinstance(condition, str):
        return scope.prefixed(condition)
    return scope_value(condition, scope, native_use)


def both_conditions(outer: Any, inner: Any, location: SourceLocation) -> Any:
    if outer is None or outer is True:
        return inner
    if inner is None or inner is True:
        return outer
    return AllConditions((outer, inner), location)


def synthetic_id(address: str) -> str:
    """A stable id for a nested stack (what get_resource gives without OS::stack_id)."""
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"atonix:nested-stack:{address}"))
