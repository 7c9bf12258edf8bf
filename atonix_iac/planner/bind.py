"""Binding a template to resource types: known types, schema-valid properties, real attributes.

``validate_stack`` runs with or without parameter values (``atonix validate`` needs none);
without them, every function call is "known after apply" and only literal values are checked.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import replace
from typing import Any

from atonix_iac.errors import Diagnostic, Severity, TemplateError, suggest
from atonix_iac.planner.evaluation import PlanContext, resolve_spec_properties
from atonix_iac.planner.graph import build_graph
from atonix_iac.planner.groups import sample_members
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.planner.translate import (
    translate_values,
    translated_locations,
    translation_diagnostics,
)
from atonix_iac.providers.base import ResourceSchema
from atonix_iac.providers.registry import Registry
from atonix_iac.providers.validation import check_properties
from atonix_iac.template.expr import Expr, Reference, iter_references
from atonix_iac.template.model import ResourceSpec, Template
from atonix_iac.template.nodes import plain
from atonix_iac.template.spec_references import resource_references
from atonix_iac.template.values import UNKNOWN, is_unknown, unwrap

# Every Heat resource has these attributes, whatever its schema lists.
_UNIVERSAL_ATTRIBUTES = frozenset({"show"})


def validate_stack(
    template: Template, registry: Registry, params: BoundParams | None = None
) -> list[Diagnostic]:
    """Every problem found: the graph, unknown types, properties against schemas, get_attr
    names. A known type without a provider is fine here (it only matters at plan time).
    Each group contributes one sample member, checked like any resource."""
    template = sample_members(template, params)
    diagnostics: list[Diagnostic] = []
    try:
        build_graph(template, params.values if params is not None else None)
    except TemplateError as err:
        diagnostics.extend(err.diagnostics)
    diagnostics.extend(type_diagnostics(template, registry, template.resources, False))
    ctx = _AllUnknownContext(template, params) if params is not None else None
    for spec in template.resources.values():
        schema = registry.schema(spec.type)
        if schema is None:
            continue
        if ctx is not None and not _possibly_active(ctx, spec):
            continue  # as in Heat: a resource its condition turns off is not validated
        if schema.support_status in ("HIDDEN", "DEPRECATED"):
            diagnostics.append(
                Diagnostic(
                    f"`{spec.type}` is {schema.support_status.lower()} in current Heat releases",
                    spec.type_location,
                    Severity.WARNING,
                    hint=f"used by `{spec.name}`; prefer its supported replacement",
                )
            )
        diagnostics.extend(
            _attribute_diagnostics(resource_references(spec).body, template, registry)
        )
        diagnostics.extend(translation_diagnostics(spec))
        try:
            properties = (
                resolve_spec_properties(spec, ctx) if ctx is not None else _unknown_calls(spec)
            )
        except TemplateError as err:
            diagnostics.extend(err.diagnostics)
            continue
        diagnostics.extend(property_diagnostics(spec, schema, properties))
    diagnostics.extend(output_attribute_diagnostics(template, registry))
    return diagnostics


def attribute_diagnostics(
    template: Template, registry: Registry, addresses: Iterable[str]
) -> list[Diagnostic]:
    """get_attr names that the referenced types lack, in the given resources and in every
    output: plan refuses them as validate does, instead of applying a null."""
    diagnostics: list[Diagnostic] = []
    for address in addresses:
        spec = template.resources[address]
        diagnostics.extend(
            _attribute_diagnostics(resource_references(spec).body, template, registry)
        )
    diagnostics.extend(output_attribute_diagnostics(template, registry))
    return diagnostics


def output_attribute_diagnostics(template: Template, registry: Registry) -> list[Diagnostic]:
    return _attribute_diagnostics(
        iter_references([output.value for output in template.outputs.values()]),
        template,
        registry,
    )


def active_resources(template: Template, params: BoundParams) -> set[str]:
    """The resources whose condition does not turn them off (one that cannot be decided, e.g.
    for want of a parameter value, counts as active)."""
    ctx = _AllUnknownContext(template, params)
    return {name for name, spec in template.resources.items() if _possibly_active(ctx, spec)}


def _possibly_active(ctx: PlanContext, spec: ResourceSpec) -> bool:
    """False only if the resource's condition is known to be false."""
    if spec.condition is None:
        return True
    try:
        return ctx.is_active(spec)
    except TemplateError:  # e.g. a parameter not given to validate: check the resource
        return True


def type_diagnostics(
    template: Template,
    registry: Registry,
    addresses: Iterable[str],
    require_provider: bool,
) -> list[Diagnostic]:
    """Unknown resource types (with did-you-mean) and, if asked, types with no provider."""
    diagnostics: list[Diagnostic] = []
    for address in addresses:
        spec = template.resources[address]
        if not registry.is_known(spec.type):
            diagnostics.append(
                Diagnostic(
                    f"unknown resource type `{spec.type}` for `{address}`",
                    spec.type_location,
                    hint=suggest(spec.type, registry.type_names())
                    or "a custom type must be mapped to a template file in an environment "
                    "file's resource_registry (pass it with -e FILE)",
                )
            )
        elif require_provider and not registry.has_provider(spec.type):
            diagnostics.append(
                Diagnostic(
                    f"type {spec.type} has no provider (it is a known Heat type; "
                    "atonix cannot create it yet)",
                    spec.type_location,
                    hint=f"used by `{address}`",
                )
            )
    return diagnostics


def provider_warnings(
    template: Template, registry: Registry, addresses: Iterable[str]
) -> list[Diagnostic]:
    """A warning per resource whose type Heat ships but no provider implements: the template
    is valid, but plan refuses it (``atonix types`` lists what can be deployed)."""
    warnings: list[Diagnostic] = []
    for address in addresses:
        spec = template.resources[address]
        if registry.is_known(spec.type) and not registry.has_provider(spec.type):
            warnings.append(
                Diagnostic(
                    f"type {spec.type} has no provider: atonix validates `{address}` but "
                    "cannot deploy it yet (plan refuses it)",
                    spec.type_location,
                    Severity.WARNING,
                    hint="`atonix types --deployable` lists the types atonix can deploy",
                )
            )
    return warnings


def property_diagnostics(
    spec: ResourceSpec, schema: ResourceSchema, properties: dict[str, Any]
) -> list[Diagnostic]:
    """Schema violations in resolved properties (UNKNOWN values skipped, secrets unshown).

    A resource adopted through ``external_id`` is not created from its properties, so Heat
    does not validate them (its template may omit required ones)."""
    if spec.external_id is not None:
        return []
    found = check_properties(
        schema,
        properties,
        translated_locations(spec),
        spec.location,
        is_unknown,
        unwrap=unwrap,
    )
    return [replace(d, path=("resources", spec.name, *d.path)) for d in found]


def _unknown_calls(spec: ResourceSpec) -> dict[str, Any]:
    """Literal properties as written, every function call standing for an unknown value."""
    replaced = _replace_calls(spec.properties)
    return translate_values(spec.type, replaced) if isinstance(replaced, dict) else {}


def _replace_calls(value: Any) -> Any:
    if isinstance(value, Expr):
        return UNKNOWN
    if isinstance(value, dict):
        return {str(k): _replace_calls(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace_calls(v) for v in value]
    return plain(value)


def _attribute_diagnostics(
    references: Iterable[Reference], template: Template, registry: Registry
) -> list[Diagnostic]:
    """get_attr names the referenced type does not have (Heat rejects these at validate)."""
    diagnostics: list[Diagnostic] = []
    for ref in references:
        target = template.resources.get(ref.resource)
        if ref.attribute is None or target is None:
            continue
        schema = registry.schema(target.type)
        if (
            schema is None
            or schema.open_attributes
            or ref.attribute in schema.attributes
            or ref.attribute in _UNIVERSAL_ATTRIBUTES
        ):
            continue
        diagnostics.append(
            Diagnostic(
                f"`{ref.resource}` ({target.type}) has no attribute `{ref.attribute}`",
                ref.location,
                hint=suggest(ref.attribute, schema.attributes),
            )
        )
    return diagnostics


class _AllUnknownContext(PlanContext):
    """Parameters known, every resource id and attribute unknown (nothing exists yet)."""

    def resource_id(self, name: str) -> Any:
        return UNKNOWN

    def attribute(self, name: str, attribute: str | None, path: tuple[Any, ...]) -> Any:
        return UNKNOWN
