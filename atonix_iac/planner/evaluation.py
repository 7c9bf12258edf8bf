"""Evaluating template values against parameters, conditions and what already exists.

One ``PlanContext`` serves both the planner (resources decided so far: ids of those that keep
their identity, attributes of those left untouched) and apply (resources applied so far). A
resource that does not yet exist yields UNKNOWN, a resource whose condition is false yields
None (Heat's rule for references to disabled resources).
"""

from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field
from typing import Any

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.planner.group_attributes import GroupMemberNotFound, group_attribute
from atonix_iac.planner.protocols import BoundParams, ResourceFacts
from atonix_iac.planner.translate import translate_values
from atonix_iac.template.expr import Expr
from atonix_iac.template.model import NestedStack, ResourceSpec, Template
from atonix_iac.template.nodes import LocatedStr
from atonix_iac.template.values import (
    OMIT,
    UNKNOWN,
    Sensitive,
    contains_sensitive,
    contains_unknown,
    unwrap,
)

_RESOURCE_ATTR_PREFIX = "resource."


@dataclass(frozen=True, slots=True)
class KnownResource:
    """A resource whose id and attributes evaluation may use."""

    physical_id: str | None
    attributes: Mapping[str, Any] = field(default_factory=dict)
    sensitive_attributes: AbstractSet[str] = frozenset()


class PlanContext:
    """A ``ResolveContext`` over parameters, conditions and the resources known so far."""

    def __init__(
        self,
        template: Template,
        params: BoundParams,
        known: Mapping[str, ResourceFacts] | None = None,
    ) -> None:
        self.template = template
        self._values = params.values
        self._sensitive = params.sensitive
        # Resources whose id and attributes are known (untouched by the plan, or applied).
        self.known: Mapping[str, ResourceFacts] = known if known is not None else {}
        # Resources that keep their id but whose attributes will change (updates).
        self.ids_only: dict[str, str | None] = {}
        self._conditions: dict[str, bool] = {}
        self._evaluating: set[str] = set()

    # ResolveContext ---------------------------------------------------------------------
    def parameter(self, name: str) -> Any:
        if name not in self._values:
            raise TemplateError.at(None, f"parameter `{name}` has no value")
        value = self._values[name]
        if name in self._sensitive and not isinstance(value, Sensitive):
            return Sensitive(value)
        return value

    def resource_id(self, name: str) -> Any:
        facts = self.known.get(name)
        if facts is not None:
            return facts.physical_id
        if name in self.ids_only:
            return self.ids_only[name]
        nested = self.template.nested_stacks.get(name)
        if nested is not None:
            return self._nested_id(nested)
        return self._missing(name)

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        group = self.template.expanded_groups.get(name)
        if group is not None and attribute is not None and attribute != "show":
            spec = self.template.resources.get(name)
            return group_attribute(self, group, attribute, path, spec.location if spec else None)
        facts = self.known.get(name)
        if facts is not None:
            return _attribute_of(facts, attribute, path)
        nested = self.template.nested_stacks.get(name)
        if nested is not None:
            return self._nested_attribute(nested, attribute, path)
        return self._missing(name)

    def condition(self, name: str) -> bool:
        cached = self._conditions.get(name)
        if cached is not None:
            return cached
        spec = self.template.conditions.get(name)
        if spec is None:
            raise TemplateError.at(None, f"undefined condition `{name}`")
        if name in self._evaluating:
            raise TemplateError.at(spec.location, f"condition `{name}` refers to itself")
        self._evaluating.add(name)
        try:
            result = self.truth(spec.expression, spec.location)
        finally:
            self._evaluating.discard(name)
        self._conditions[name] = result
        return result

    # Helpers ----------------------------------------------------------------------------
    def truth(self, value: Any, location: SourceLocation | None) -> bool:
        """The truth of a ``condition:`` value: a bool, a condition name or an expression."""
        if value is None:
            return True
        if isinstance(value, bool):
            return value
        if isinstance(value, str):
            return self.condition(str(value))
        resolved = unwrap(resolve_value(value, self))
        if resolved is UNKNOWN:
            raise TemplateError.at(location, "a condition cannot depend on a resource")
        return bool(resolved)

    def is_active(self, spec: ResourceSpec) -> bool:
        """False if the resource's condition turns it off (it then does not exist)."""
        return self.truth(spec.condition, spec.location)

    def _missing(self, name: str) -> Any:
        spec = self.template.resources.get(name)
        if spec is not None and spec.condition is not None and not self.is_active(spec):
            return None
        return UNKNOWN

    def _nested_id(self, nested: NestedStack) -> Any:
        output = nested.outputs.get("OS::stack_id")
        if output is None:
            return nested.resource_id
        return resolve_value(output.value, self)

    def _nested_attribute(
        self, nested: NestedStack, attribute: str | None, path: tuple[Any, ...]
    ) -> Any:
        if attribute is None or (nested.stack_resource and attribute == "outputs"):
            everything = {
                name: resolve_value(out.value, self) for name, out in nested.outputs.items()
            }
            return select_path(everything, path)
        if nested.stack_resource and attribute == "stack_name":
            return f"{self.parameter('OS::stack_name')}-{nested.name}"
        if attribute.startswith(_RESOURCE_ATTR_PREFIX):
            inner, _, inner_attribute = attribute[len(_RESOURCE_ATTR_PREFIX) :].partition(".")
            return self.attribute(f"{nested.name}.{inner}", inner_attribute or None, path)
        output = nested.outputs.get(attribute)
        if output is None:
            raise TemplateError.at(
                nested.location, f"nested stack `{nested.name}` has no output `{attribute}`"
            )
        return select_path(resolve_value(output.value, self), path)


def _attribute_of(facts: ResourceFacts, attribute: str | None, path: tuple[Any, ...]) -> Any:
    if attribute is None:
        everything = {
            k: Sensitive(v) if k in facts.sensitive_attributes else v
            for k, v in facts.attributes.items()
        }
        return select_path(everything, path)
    value = facts.attributes.get(attribute)
    if attribute in facts.sensitive_attributes:
        return Sensitive(select_path(unwrap(value), path))
    return select_path(value, path)


def select_path(value: Any, path: tuple[Any, ...]) -> Any:
    """Follow a get_attr path (map keys, list indexes); None where it leads nowhere (Heat)."""
    for index, part in enumerate(path):
        if value is UNKNOWN:
            return UNKNOWN
        if isinstance(value, Sensitive):
            return Sensitive(select_path(value.value, path[index:]))
        if isinstance(value, dict):
            value = value.get(part, value.get(str(part)))
        elif isinstance(value, list | tuple):
            try:
                value = value[int(part)]
            except (IndexError, ValueError, TypeError):
                return None
        else:
            return None
    return value


_SCALARS = (str, int, float, bool, type(None))


def resolve_value(value: Any, ctx: PlanContext) -> Any:
    """Evaluate every Expr inside value; drop OMITted items; strip location wrappers."""
    if type(value) in _SCALARS:  # the common case first: Expr is an ABC, slow to test
        return value
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for key, item in value.items():
            resolved = resolve_value(item, ctx)
            if resolved is not OMIT:
                out[str(key)] = resolved
        return out
    if isinstance(value, list | tuple):
        return [r for r in (resolve_value(item, ctx) for item in value) if r is not OMIT]
    if isinstance(value, LocatedStr):
        return str(value)
    if isinstance(value, Expr):
        return _clean(value.resolve(ctx))
    return value


def _clean(value: Any) -> Any:
    """Plain data from a function's result (which may nest OMIT or located strings)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items() if v is not OMIT}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value if v is not OMIT]
    if isinstance(value, LocatedStr):
        return str(value)
    if isinstance(value, Sensitive):
        return Sensitive(_clean(value.value))
    return value


def resolve_spec_properties(spec: ResourceSpec, ctx: PlanContext) -> dict[str, Any]:
    """The resource's properties with every function evaluated (may hold UNKNOWN), retired
    names read as their replacements (Heat's translation rules)."""
    resolved = resolve_value(spec.properties, ctx)
    return translate_values(spec.type, resolved) if isinstance(resolved, dict) else {}


def resolve_properties(
    template: Template,
    address: str,
    params: BoundParams,
    known: Mapping[str, ResourceFacts],
) -> tuple[dict[str, Any], frozenset[str]]:
    """Properties to create or update ``address`` with, now that its dependencies exist.

    Returns plain values (secrets unwrapped, for the provider) and the names of the top-level
    properties that hold secrets. Raises a located TemplateError if a value is still unknown.
    """
    spec = template.resources.get(address)
    if spec is None:
        raise TemplateError.at(None, f"resource `{address}` is not in the template")
    ctx = PlanContext(template, params, known)
    properties = resolve_spec_properties(spec, ctx)
    for name, value in properties.items():
        if contains_unknown(value):
            raise TemplateError.at(
                spec.property_locations.get(name, spec.location),
                f"property `{name}` of `{address}` is still unknown when it is applied",
                hint="a resource it refers to has not been applied",
            )
    sensitive = frozenset(k for k, v in properties.items() if contains_sensitive(v))
    return unwrap(properties), sensitive


def resolve_output(value: Any, ctx: PlanContext) -> Any:
    """An output's value; null where it refers to a group member that is gone (Heat fails
    that output alone, with ``output_error``; the stack goes on)."""
    try:
        return resolve_value(value, ctx)
    except GroupMemberNotFound:
        return None


def resolve_outputs(
    template: Template,
    params: BoundParams,
    known: Mapping[str, ResourceFacts],
) -> tuple[dict[str, Any], frozenset[str]]:
    """Every output whose condition holds, fully resolved (secrets unwrapped), and the names
    of the outputs that are secret."""
    ctx = PlanContext(template, params, known)
    values: dict[str, Any] = {}
    sensitive: set[str] = set()
    for name, output in template.outputs.items():
        if not ctx.truth(output.condition, output.location):
            continue
        value = resolve_output(output.value, ctx)
        if contains_unknown(value):
            raise TemplateError.at(
                output.location,
                f"output `{name}` is still unknown",
                hint="a resource it refers to has not been applied",
            )
        if output.sensitive or contains_sensitive(value):
            sensitive.add(name)
        values[name] = unwrap(value)
    return values, frozenset(sensitive)
