"""Groups expanded into members once parameters are bound (pure: no I/O).

``OS::Heat::ResourceGroup`` and ``OS::Heat::AutoScalingGroup`` become members ``group.N``:
each a copy of the member definition (``%index%`` substituted for a ResourceGroup), a
template-typed definition flattened as ``group.N.inner``. The group itself stays as a
cloud-free resource that depends on every member, so that whatever refers to it waits for
them; its attributes derive from the members (``planner.group_attributes``).

Member names follow Heat (``planner.group_sizes``): a ResourceGroup takes the first ``count``
names from 0, 1, 2 ... not in its removed list (``removal_policies`` names are never reused);
an AutoScalingGroup drops its oldest members when it shrinks and numbers new ones after the
newest. The removed list lives in the group's state (the ``removed_rsrc_list`` property the
expansion sets), the capacity a scaling signal chose in its attributes (``apply.scaling``).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation, TemplateError
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.planner.group_sizes import (
    REMOVED_PROPERTY,
    Members,
    chain_types,
    member_index,
    member_names,
    static_value,
)
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.state.model import ResourceState, State
from atonix_iac.template.environment import is_template_target
from atonix_iac.template.expr import Expr, iter_references
from atonix_iac.template.groups import (
    AUTOSCALING_GROUP,
    DEFAULT_INDEX_VAR,
    LAUNCH_CONFIGURATION_GROUPS,
    RESOURCE_CHAIN,
    RESOURCE_GROUP,
    substitute_index,
    type_parameter,
)
from atonix_iac.template.model import (
    GroupDefinition,
    GroupExpansion,
    NestedStack,
    ResourceSpec,
    Template,
)
from atonix_iac.template.nested import flatten
from atonix_iac.template.nodes import LocatedDict
from atonix_iac.template.values import contains_unknown, unwrap


def expand_groups(template: Template, params: BoundParams, state: State) -> Template:
    """``template`` with every active group's members added (members of groups whose
    condition is false are absent). Raises a located TemplateError for a size that is not
    known before apply or not a non-negative integer."""
    if not template.groups or template.expanded_groups:
        return template
    current = {r.address: r for r in state.resources.values() if not r.deposed}
    resources = dict(template.resources)
    nested = dict(template.nested_stacks)
    conditions = dict(template.conditions)
    expanded: dict[str, GroupExpansion] = {}
    diagnostics: list[Diagnostic] = []
    # Groups inside a member's template join the queue once that member exists.
    pending = [template.groups[name] for name in sorted(template.groups)]
    while pending:
        definition = pending.pop(0)
        name = definition.group
        spec = resources.get(name)
        so_far = replace(template, resources=resources, nested_stacks=nested, conditions=conditions)
        ctx = PlanContext(so_far, params, {})
        if spec is None or not ctx.is_active(spec):
            continue
        try:
            members = member_names(spec, ctx, current)
            built = _member_specs(so_far, spec, definition, members.names, ctx, current)
        except TemplateError as err:
            diagnostics.extend(err.diagnostics)
            continue
        member_specs, member_nested, member_conditions = built
        resources.update(member_specs)
        nested.update(member_nested)
        conditions.update(member_conditions)
        resources[name] = _group_spec(spec, member_specs, members)
        expanded[name] = GroupExpansion(name, spec.type, members.names, members.removed)
        inner = definition.member_template
        if isinstance(inner, Template):
            for member in members.names:
                prefix = f"{name}.{member}"
                pending.extend(
                    replace(d, group=f"{prefix}.{g}") for g, d in sorted(inner.groups.items())
                )
    if diagnostics:
        raise TemplateError(diagnostics=diagnostics)
    return replace(
        template,
        resources=resources,
        nested_stacks=nested,
        conditions=conditions,
        expanded_groups=expanded,
    )


@dataclass(frozen=True, slots=True)
class _NoParameters:
    """Bound parameters for a template that has none."""

    values: Mapping[str, Any] = field(default_factory=dict)
    sensitive: frozenset[str] = frozenset()


def sample_members(template: Template, params: BoundParams | None) -> Template:
    """``template`` with one member of every group (``group.0``) whatever its size, so that
    validation checks what the groups will make (types, properties) without sizing them."""
    if not template.groups or template.expanded_groups:
        return template
    ctx = PlanContext(template, params if params is not None else _NoParameters(), {})
    resources = dict(template.resources)
    nested = dict(template.nested_stacks)
    conditions = dict(template.conditions)
    for name in sorted(template.groups):
        spec = resources.get(name)
        if spec is None:
            continue
        try:
            built = _member_specs(template, spec, template.groups[name], ["0"], ctx, {})
        except TemplateError:
            continue  # sizing problems are plan's to report, where values are known
        resources.update(built[0])
        nested.update(built[1])
        conditions.update(built[2])
    return replace(template, resources=resources, nested_stacks=nested, conditions=conditions)


# Members ------------------------------------------------------------------------------------
def _launch_definition(
    template: Template, spec: ResourceSpec, definition: GroupDefinition
) -> tuple[dict[str, Any], dict[str, SourceLocation]]:
    """An AWS-style group's member: AWS::EC2::Instance with its launch configuration's
    properties, the group's Tags and the first VPCZoneIdentifier as SubnetId (Heat's
    InstanceGroup._get_conf_properties)."""
    prop = definition.definition_property
    value = spec.properties.get(prop)
    names = [r.resource for r in iter_references(value)] if isinstance(value, Expr) else []
    if isinstance(value, str):
        names = [str(value)]
    config = template.resources.get(names[0]) if names else None
    if config is None or config.type != "AWS::AutoScaling::LaunchConfiguration":
        raise TemplateError.at(
            spec.property_locations.get(prop, spec.location),
            f"`{prop}` of `{spec.name}` must name an AWS::AutoScaling::LaunchConfiguration "
            "of this template (get_resource)",
        )
    properties = {k: v for k, v in config.properties.items() if k != "InstanceId"}
    if "Tags" in spec.properties:
        properties["Tags"] = spec.properties["Tags"]
    zones = spec.properties.get("VPCZoneIdentifier")
    if isinstance(zones, list) and zones:
        properties["SubnetId"] = zones[0]
    body = {"type": definition.member_type, "properties": properties, "metadata": config.metadata}
    return body, dict(config.property_locations)


def _definition(spec: ResourceSpec, definition: GroupDefinition) -> dict[str, Any]:
    value = spec.properties.get(definition.definition_property)
    if not isinstance(value, dict):
        raise TemplateError.at(
            spec.property_locations.get(definition.definition_property, spec.location),
            f"`{definition.definition_property}` of group `{spec.name}` must be a mapping "
            "with a `type`",
        )
    raw = definition.definition_body
    parameter = type_parameter(raw.get("type")) if isinstance(raw, dict) else None
    if definition.member_type is None and parameter is not None:
        raise TemplateError.at(
            definition.location,
            f"the member `type` in `{definition.definition_property}` of `{spec.name}` comes "
            f"from parameter `{parameter}`, which has no value before the template loads",
            f"give `{parameter}` a default, or set it in an environment file's `parameters` "
            "(or `parameter_defaults`): a member template is loaded with the template",
        )
    if definition.member_type is None:
        raise TemplateError.at(
            definition.location,
            f"the member `type` in `{definition.definition_property}` of `{spec.name}` must "
            "be a literal string",
            "Heat resolves types before functions; use resource_registry to vary it",
        )
    return value


def _member_specs(
    template: Template,
    spec: ResourceSpec,
    definition: GroupDefinition,
    names: Sequence[str],
    ctx: PlanContext,
    current: Mapping[str, ResourceState],
) -> tuple[dict[str, ResourceSpec], dict[str, NestedStack], dict[str, Any]]:
    if spec.type == RESOURCE_CHAIN:
        return _chain_specs(spec, definition, names, ctx), {}, {}
    raw = definition.definition_body
    raw_props = raw.get("properties") if isinstance(raw, LocatedDict) else None
    locations = (
        {str(k): raw_props.key_loc(k) for k in raw_props}
        if isinstance(raw_props, LocatedDict)
        else {}
    )
    if spec.type in LAUNCH_CONFIGURATION_GROUPS:
        body, locations = _launch_definition(template, spec, definition)
    else:
        body = _definition(spec, definition)
    properties = body.get("properties") or {}
    metadata = body.get("metadata")
    index_var: str | None = None
    if spec.type == RESOURCE_GROUP:
        index_var = str(static_value(spec, "index_var", ctx, DEFAULT_INDEX_VAR))
    batches = _batches(spec, ctx, names, current)
    lifecycle = spec.lifecycle
    if _keeps_in_service(spec, ctx, spec.name in current):
        lifecycle = replace(lifecycle, create_before_destroy=True)
    resources: dict[str, ResourceSpec] = {}
    nested: dict[str, NestedStack] = {}
    conditions: dict[str, Any] = {}
    diagnostics: list[Diagnostic] = []
    previous: list[str] = []
    for batch in batches:
        this_batch: list[str] = []
        for name in batch:
            member_props = properties
            if index_var is not None:
                member_props = substitute_index(properties, index_var, name)
            after = tuple((p, definition.location) for p in previous)
            member = ResourceSpec(
                name=f"{spec.name}.{name}",
                type=str(definition.member_type),
                location=definition.location,
                type_location=definition.location,
                properties=dict(member_props) if isinstance(member_props, dict) else {},
                property_locations=locations,
                metadata=metadata,
                depends_on=spec.depends_on + after,
                condition=spec.condition,
                deletion_policy=spec.deletion_policy,
                lifecycle=lifecycle,
                parent=spec.name,
            )
            if definition.member_template is None:
                resources[member.name] = member
                this_batch.append(member.name)
                continue
            flat = flatten(
                member,
                definition.definition_body,
                definition.member_template,
                definition.member_doc,
                template.environment_parameter_defaults,
                diagnostics,
            )
            resources.update(flat.resources)
            nested.update(flat.nested_stacks)
            conditions.update(flat.conditions)
            this_batch.extend(flat.resources)
        previous = this_batch
    if diagnostics:
        raise TemplateError(diagnostics=diagnostics)
    return resources, nested, conditions


def _chain_specs(
    spec: ResourceSpec, definition: GroupDefinition, names: Sequence[str], ctx: PlanContext
) -> dict[str, ResourceSpec]:
    """Heat's ResourceChain: member N of type ``resources[N]`` with ``resource_properties``,
    depending on member N-1 unless ``concurrent``."""
    where = spec.property_locations.get("resources", spec.location)
    aliases = dict(definition.chain_types)
    types = [aliases.get(t, t) for t in chain_types(spec, ctx)]
    concurrent = bool(static_value(spec, "concurrent", ctx, False))
    given = spec.properties.get("resource_properties")
    properties = dict(given) if isinstance(given, dict) else {}
    locations = {
        k: spec.property_locations.get("resource_properties", spec.location) for k in properties
    }
    out: dict[str, ResourceSpec] = {}
    previous: str | None = None
    for name, member_type in zip(names, types, strict=False):
        if is_template_target(member_type):
            raise TemplateError.at(
                where,
                f"chain `{spec.name}`: member type `{member_type}` is a template, which a"
                " ResourceChain cannot hold yet",
                "use a ResourceGroup per template, or OS::Heat::Stack resources",
            )
        after = ((previous, where),) if previous is not None and not concurrent else ()
        member = ResourceSpec(
            name=f"{spec.name}.{name}",
            type=member_type,
            location=where,
            type_location=where,
            properties=dict(properties),
            property_locations=locations,
            depends_on=spec.depends_on + after,
            condition=spec.condition,
            deletion_policy=spec.deletion_policy,
            lifecycle=spec.lifecycle,
            parent=spec.name,
        )
        out[member.name] = member
        previous = member.name
    return out


def _batch_policy(
    spec: ResourceSpec, ctx: PlanContext, exists: bool
) -> tuple[Any, Any, Any] | None:
    """(max batch size, min in service, pause time) of the policy apply must respect now:
    ``batch_create`` while a ResourceGroup is being created, its ``rolling_update`` once it
    exists (an AutoScalingGroup's ``rolling_updates``, an AWS group's
    ``AutoScalingRollingUpdate``); None when there is none."""
    if spec.type == AUTOSCALING_GROUP:
        chosen = static_value(spec, "rolling_updates", ctx, None) if exists else None
        names = ("max_batch_size", "min_in_service", "pause_time")
    else:
        policy = unwrap(resolve_value(spec.update_policy, ctx)) if spec.update_policy else None
        if spec.type in LAUNCH_CONFIGURATION_GROUPS:
            key = "AutoScalingRollingUpdate" if exists else ""
            names = ("MaxBatchSize", "MinInstancesInService", "PauseTime")
        else:
            key = "rolling_update" if exists else "batch_create"
            names = ("max_batch_size", "min_in_service", "pause_time")
        chosen = policy.get(key) if isinstance(policy, dict) else None
    if not isinstance(chosen, dict):
        return None
    return chosen.get(names[0], 1), chosen.get(names[1], 0), chosen.get(names[2], 0)


def batch_pauses(
    template: Template, params: BoundParams, current: Mapping[str, ResourceState]
) -> dict[str, float]:
    """Seconds each member of a later batch waits once the batch before it is done: its
    group's ``pause_time`` (``PauseTime``, ISO 8601, for the AWS group), by member address.
    ``template`` is expanded; ``current`` holds state's records by address."""
    pauses: dict[str, float] = {}
    ctx = PlanContext(template, params, {})
    for name in template.expanded_groups:
        spec = template.resources.get(name)
        policy = _batch_policy(spec, ctx, name in current) if spec is not None else None
        seconds = _seconds(policy[2]) if policy is not None else 0.0
        if seconds <= 0:
            continue
        for address, member in template.resources.items():
            index = member_index(address, name)
            if index is None:
                continue
            waits_for = (member_index(d, name) for d, _ in member.depends_on)
            if any(other is not None and other != index for other in waits_for):
                pauses[address] = seconds
    return pauses


_ISO_DURATION = re.compile(r"^PT(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?$")


def _seconds(value: Any) -> float:
    """A pause time as seconds: a number, or an ISO 8601 duration such as ``PT1M30S``."""
    if contains_unknown(value) or isinstance(value, bool):
        return 0.0
    if isinstance(value, int | float):
        return float(value)
    found = _ISO_DURATION.match(str(value).strip())
    if found is None:
        try:
            return float(str(value))
        except ValueError:
            return 0.0
    hours, minutes, seconds = (float(part or 0) for part in found.groups())
    return hours * 3600 + minutes * 60 + seconds


def _batches(
    spec: ResourceSpec,
    ctx: PlanContext,
    names: Sequence[str],
    current: Mapping[str, ResourceState],
) -> list[list[str]]:
    """Members in batches, each waiting for the one before (one batch without a policy)."""
    policy = _batch_policy(spec, ctx, spec.name in current)
    size = policy[0] if policy is not None else None
    if size is None or contains_unknown(size):
        return [list(names)]
    step = max(1, int(size))
    return [list(names[i : i + step]) for i in range(0, len(names), step)]


def _keeps_in_service(spec: ResourceSpec, ctx: PlanContext, exists: bool) -> bool:
    """A rolling update with ``min_in_service`` above 0 replaces a member by creating its
    successor first (create-before-destroy), so the group never dips below its size."""
    policy = _batch_policy(spec, ctx, exists)
    minimum = policy[1] if policy is not None else 0
    return not contains_unknown(minimum) and bool(minimum) and int(minimum) > 0


def _group_spec(
    spec: ResourceSpec, members: Mapping[str, ResourceSpec], expansion: Members
) -> ResourceSpec:
    located: SourceLocation = spec.location
    depends = spec.depends_on + tuple((m, located) for m in members)
    properties = dict(spec.properties)
    if spec.type == RESOURCE_GROUP:
        properties[REMOVED_PROPERTY] = list(expansion.removed)
    return replace(spec, properties=properties, depends_on=_unique(depends))


def _unique(items: Iterable[tuple[str, SourceLocation]]) -> tuple[tuple[str, SourceLocation], ...]:
    seen: dict[str, tuple[str, SourceLocation]] = {}
    for item in items:
        seen.setdefault(item[0], item)
    return tuple(seen.values())


def member_removal_reason(template: Template, address: str) -> str | None:
    """Why a member that state holds is no longer one, in the group's terms (None if
    ``address`` is not a group's member)."""
    for name, group in template.expanded_groups.items():
        index = member_index(address, name)
        if index is None:
            continue
        if index in group.removed:
            return f"removed from group `{name}` by its removal_policies"
        if group.type != RESOURCE_GROUP:
            return f"group `{name}` scaled in to {len(group.members)} (the oldest members go)"
        size = len(group.members)
        return f"group `{name}` shrank to {size} member{'' if size == 1 else 's'}"
    return None
