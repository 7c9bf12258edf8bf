"""Group resources as loaded: which property defines the members and of what type.

A group's size usually comes from a parameter, so loading (parameter-independent) only finds
the member definition and loads its template when the type is one; ``planner.groups`` makes
the members once parameters are bound. ``IndexedExpr`` substitutes a member's index into
values a function computes, as Heat replaces ``index_var`` in the resolved properties.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any, Final

from atonix_iac.errors import SourceLocation
from atonix_iac.template.environment import ResolvedType, is_template_target
from atonix_iac.template.expr import Expr, Reference, ResolveContext
from atonix_iac.template.model import GroupDefinition, ResourceSpec, Template
from atonix_iac.template.nodes import LocatedDict, LocatedStr
from atonix_iac.template.values import Sensitive

RESOURCE_GROUP: Final = "OS::Heat::ResourceGroup"
AUTOSCALING_GROUP: Final = "OS::Heat::AutoScalingGroup"
AWS_AUTOSCALING_GROUP: Final = "AWS::AutoScaling::AutoScalingGroup"
INSTANCE_GROUP: Final = "OS::Heat::InstanceGroup"
RESOURCE_CHAIN: Final = "OS::Heat::ResourceChain"
# Groups whose members are AWS::EC2::Instance built from a launch configuration.
LAUNCH_CONFIGURATION_GROUPS: Final = (AWS_AUTOSCALING_GROUP, INSTANCE_GROUP)
LAUNCH_MEMBER_TYPE: Final = "AWS::EC2::Instance"
# The property holding the member definition, by group type.
GROUP_TYPES: Final = {
    RESOURCE_GROUP: "resource_def",
    AUTOSCALING_GROUP: "resource",
    AWS_AUTOSCALING_GROUP: "LaunchConfigurationName",
    INSTANCE_GROUP: "LaunchConfigurationName",
    RESOURCE_CHAIN: "resources",
}
DEFAULT_INDEX_VAR: Final = "%index%"


def group_definition(
    spec: ResourceSpec,
    body: Any,
    template_key: Callable[[str], str],
    resolve_type: Callable[[str], ResolvedType],
    known_parameter: Callable[[str], Any] = lambda _name: None,
) -> tuple[GroupDefinition, SourceLocation] | None:
    """The member definition of ``spec`` if it is a group (None otherwise), with where its
    type is written; ``template_key`` gives the key of a template file named there. A
    ``type: {get_param: P}`` takes P's value when it is known before
    binding (``known_parameter``): Heat resolves the definition before building members."""
    prop = GROUP_TYPES.get(spec.type)
    if prop is None:
        return None
    raw_props = body.get("properties") if isinstance(body, LocatedDict) else None
    raw_def = raw_props.get(prop) if isinstance(raw_props, LocatedDict) else None
    where = spec.property_locations.get(prop, spec.location)
    if spec.type == RESOURCE_CHAIN:
        return _chain_definition(spec, raw_def, where, resolve_type), where
    member_type: str | None = None
    if spec.type in LAUNCH_CONFIGURATION_GROUPS:
        resolved = resolve_type(LAUNCH_MEMBER_TYPE)
        member_type = resolved.type
        raw_def = None
    elif isinstance(raw_def, LocatedDict):
        raw_type = raw_def.get("type")
        parameter = type_parameter(raw_type)
        if parameter is not None:
            where = raw_def.value_loc("type")
            raw_type = known_parameter(parameter)
        if isinstance(raw_type, str) and raw_type:
            where = raw_def.value_loc("type")
            resolved = resolve_type(str(raw_type))
            if resolved.is_template:
                member_type = resolved.type
            elif is_template_target(str(raw_type)):
                member_type = template_key(str(raw_type))
            else:
                member_type = resolved.type
    definition = GroupDefinition(
        group=spec.name,
        definition_property=prop,
        member_type=member_type,
        location=where,
        definition_body=raw_def,
    )
    return definition, where


def type_parameter(raw_type: Any) -> str | None:
    """P when a member definition's type is written ``{get_param: P}`` (else None)."""
    if not isinstance(raw_type, dict) or list(raw_type) != ["get_param"]:
        return None
    arg = raw_type["get_param"]
    if isinstance(arg, list) and len(arg) == 1:
        arg = arg[0]
    return str(arg) if isinstance(arg, str) else None


def _chain_definition(
    spec: ResourceSpec,
    raw_def: Any,
    where: SourceLocation,
    resolve_type: Callable[[str], ResolvedType],
) -> GroupDefinition:
    """A chain's member types are its ``resources`` list; the literal ones are mapped through
    the resource_registry now (a list from a parameter is taken as written)."""
    aliases: dict[str, str] = {}
    if isinstance(raw_def, list):
        for item in raw_def:
            if isinstance(item, str) and item:
                aliases[str(item)] = resolve_type(str(item)).type
    return GroupDefinition(
        group=spec.name,
        definition_property=GROUP_TYPES[RESOURCE_CHAIN],
        member_type=None,
        location=where,
        chain_types=tuple(aliases.items()),
    )


def group_member_types(template: Template) -> set[str]:
    """The types groups will make members of (a member template's own types included)."""
    out: set[str] = set()
    for definition in template.groups.values():
        inner = definition.member_template
        if isinstance(inner, Template):
            out |= {spec.type for spec in inner.resources.values()}
            out |= group_member_types(inner)
        elif definition.member_type is not None:
            out.add(definition.member_type)
        out |= {resolved for _, resolved in definition.chain_types}
    return out


def substitute_index(value: Any, index_var: str, index: str) -> Any:
    """``value`` with ``index_var`` replaced by ``index`` in every string, functions included
    (their results are substituted when they resolve)."""
    if isinstance(value, Expr):
        return IndexedExpr(value, index_var, index)
    if isinstance(value, LocatedStr | str):
        return str(value).replace(index_var, index)
    if isinstance(value, dict):
        return {k: substitute_index(v, index_var, index) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute_index(v, index_var, index) for v in value]
    return value


def _replace_in_result(value: Any, index_var: str, index: str) -> Any:
    if isinstance(value, Sensitive):
        return Sensitive(_replace_in_result(value.value, index_var, index))
    if isinstance(value, str):
        return value.replace(index_var, index)
    if isinstance(value, dict):
        return {k: _replace_in_result(v, index_var, index) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_replace_in_result(v, index_var, index) for v in value]
    return value


class IndexedExpr(Expr):
    """A member's function: resolved as written, then ``index_var`` substituted."""

    def __init__(self, inner: Expr, index_var: str, index: str) -> None:
        self.inner = inner
        self.index_var = index_var
        self.index = index
        self.name = inner.name
        self.location = inner.location

    def references(self) -> Iterator[Reference]:
        return self.inner.references()

    def resolve(self, ctx: ResolveContext) -> Any:
        return _replace_in_result(self.inner.resolve(ctx), self.index_var, self.index)

    def __repr__(self) -> str:
        return f"{self.inner!r}[{self.index_var}={self.index}]"
