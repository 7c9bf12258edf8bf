"""Flattening a nested stack (a resource whose type is a template) into its parent.

The inner resources become ``<parent>.<inner>``; their expressions are wrapped so they still
mean what the inner template wrote (see ``scoping``). The parent's properties are checked
against the inner template's parameters here, where both are known.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, suggest
from atonix_iac.template.constraints import ValueProblem, check_constraints, coerce
from atonix_iac.template.model import (
    ConditionSpec,
    DeletionPolicy,
    Lifecycle,
    NestedStack,
    OutputSpec,
    ResourceSpec,
    Template,
)
from atonix_iac.template.nodes import LocatedDict
from atonix_iac.template.scan import ParamUse, parameters_used
from atonix_iac.template.scoping import (
    NestedScope,
    both_conditions,
    scope_condition,
    scope_value,
    synthetic_id,
)

MAX_NESTED_DEPTH = 5  # Heat's max_nested_stack_depth


@dataclass
class Flattened:
    """A nested stack's resources, conditions and stacks under their flat addresses."""

    resources: dict[str, ResourceSpec]
    conditions: dict[str, ConditionSpec]
    nested_stacks: dict[str, NestedStack]


def _section(doc: Any, name: str) -> LocatedDict:
    value = doc.get(name) if isinstance(doc, LocatedDict) else None
    return value if isinstance(value, LocatedDict) else LocatedDict()


def build_scope(
    parent: ResourceSpec,
    parent_body: Any,
    child: Template,
    parameter_defaults: Mapping[str, Any],
    diagnostics: list[Diagnostic],
) -> NestedScope:
    """The parent's properties checked against the child's parameters, as a scope."""
    raw_props = _section(parent_body, "properties")
    for prop, where in parent.property_locations.items():
        if prop not in child.parameters:
            diagnostics.append(
                Diagnostic(
                    f"unknown property `{prop}` for nested template `{child.source}`",
                    where,
                    hint=suggest(prop, child.parameters)
                    or "a nested template's properties are its parameters",
                )
            )
    defaults: dict[str, Any] = {}
    for name, param in child.parameters.items():
        if name in parameter_defaults:
            try:
                value = coerce(param, parameter_defaults[name])
            except ValueProblem as exc:
                diagnostics.append(
                    Diagnostic(
                        f"parameter_defaults `{name}` for `{parent.name}`: {exc}", param.location
                    )
                )
                continue
            broken = check_constraints(param, value)
            if broken:
                diagnostics.append(
                    Diagnostic(
                        f"parameter_defaults `{name}` for `{parent.name}`: {broken[0][1]}",
                        param.location,
                    )
                )
            defaults[name] = value
        elif param.has_default:
            defaults[name] = param.default
        elif name not in parent.properties:
            diagnostics.append(
                Diagnostic(
                    f"`{parent.name}` does not set required property `{name}` "
                    f"(a parameter of `{child.source}` without default)",
                    parent.location,
                    related=((param.location, f"`{name}` is defined here"),),
                )
            )
    return NestedScope(
        name=parent.name,
        location=parent.location,
        properties={k: v for k, v in parent.properties.items() if k in child.parameters},
        property_locations=dict(parent.property_locations),
        parameters=dict(child.parameters),
        defaults=defaults,
        property_param_use={str(k): parameters_used(v) for k, v in raw_props.items()},
    )


def flatten(
    parent: ResourceSpec,
    parent_body: Any,
    child: Template,
    child_doc: Any,
    parameter_defaults: Mapping[str, Any],
    diagnostics: list[Diagnostic],
) -> Flattened:
    scope = build_scope(parent, parent_body, child, parameter_defaults, diagnostics)
    raw_resources = _section(child_doc, "resources")
    raw_outputs = _section(child_doc, "outputs")
    raw_conditions = _section(child_doc, "conditions")

    def native_use(section: LocatedDict, name: str, is_native: bool) -> ParamUse:
        return parameters_used(section.get(name)) if is_native else None

    resources: dict[str, ResourceSpec] = {}
    for name, spec in child.resources.items():
        use = native_use(raw_resources, name, spec.parent is None)
        resources[scope.prefixed(name)] = _scoped_resource(parent, spec, scope, use)

    conditions = {
        scope.prefixed(name): ConditionSpec(
            scope.prefixed(name),
            scope_condition(
                spec.expression, scope, native_use(raw_conditions, name, "." not in name)
            ),
            spec.location,
        )
        for name, spec in child.conditions.items()
    }
    outputs = {
        name: _scoped_output(out, scope, native_use(raw_outputs, name, True))
        for name, out in child.outputs.items()
    }
    nested: dict[str, NestedStack] = {}
    for name, inner in child.nested_stacks.items():
        address = scope.prefixed(name)
        nested[address] = NestedStack(
            name=address,
            template_source=inner.template_source,
            location=inner.location,
            resources=tuple(scope.prefixed(r) for r in inner.resources),
            outputs={k: _scoped_output(o, scope, None) for k, o in inner.outputs.items()},
            resource_id=synthetic_id(address),
        )
    nested[parent.name] = NestedStack(
        name=parent.name,
        template_source=child.source,
        location=parent.location,
        resources=tuple(resources),
        outputs=outputs,
        resource_id=synthetic_id(parent.name),
    )
    return Flattened(resources, conditions, nested)


def _scoped_output(out: OutputSpec, scope: NestedScope, use: ParamUse) -> OutputSpec:
    return replace(
        out,
        value=scope_value(out.value, scope, use),
        condition=scope_condition(out.condition, scope, use),
    )


def _scoped_resource(
    parent: ResourceSpec, spec: ResourceSpec, scope: NestedScope, use: ParamUse
) -> ResourceSpec:
    lifecycle = spec.lifecycle
    prevent = scope_value(lifecycle.prevent_destroy, scope, use)
    if prevent is False:
        prevent = parent.lifecycle.prevent_destroy
    policy = spec.deletion_policy
    if parent.deletion_policy is DeletionPolicy.RETAIN:
        policy = DeletionPolicy.RETAIN
    return replace(
        spec,
        name=scope.prefixed(spec.name),
        properties=scope_value(spec.properties, scope, use),
        metadata=scope_value(spec.metadata, scope, use),
        depends_on=tuple((scope.prefixed(d), loc) for d, loc in spec.depends_on)
        + parent.depends_on,
        condition=both_conditions(
            parent.condition, scope_condition(spec.condition, scope, use), parent.location
        ),
        deletion_policy=policy,
        update_policy=scope_value(spec.update_policy, scope, use),
        external_id=scope_value(spec.external_id, scope, use),
        lifecycle=Lifecycle(
            prevent_destroy=prevent,
            create_before_destroy=lifecycle.create_before_destroy
            or parent.lifecycle.create_before_destroy,
            ignore_changes=lifecycle.ignore_changes,
            location=lifecycle.location,
        ),
        parent=scope.prefixed(spec.parent) if spec.parent else parent.name,
    )


def expand_depends_on(
    resources: dict[str, ResourceSpec], nested: Mapping[str, NestedStack]
) -> dict[str, ResourceSpec]:
    """depends_on naming a nested stack means every resource inside it."""
    out: dict[str, ResourceSpec] = {}
    for name, spec in resources.items():
        if not any(d in nested for d, _ in spec.depends_on):
            out[name] = spec
            continue
        deps: list[tuple[str, SourceLocation]] = []
        for dep, loc in spec.depends_on:
            if dep in nested:
                deps.extend((inner, loc) for inner in nested[dep].resources if inner != name)
            else:
                deps.append((dep, loc))
        out[name] = replace(spec, depends_on=tuple(dict.fromkeys(deps)))
    return out
