"""A group's attributes, derived from its members as Heat derives them.

ResourceGroup (heat/engine/resources/openstack/heat/resource_group.py): ``refs``,
``refs_map``, ``attributes`` (with a path: each member's attribute), ``removed_rsrc_list``,
``resource.N`` (a member's id; Heat's NotFound once N is not a member), ``resource.N.attr``, and any
other name: the list of that attribute over the members. AutoScalingGroup adds ``outputs``
and ``outputs_list`` (with a path) and ``current_size``; the AWS-style groups
``InstanceList`` (the members' PublicIp, joined with commas).
"""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import SourceLocation, TemplateError
from atonix_iac.template.expr import ResolveContext
from atonix_iac.template.groups import (
    AUTOSCALING_GROUP,
    LAUNCH_CONFIGURATION_GROUPS,
    RESOURCE_GROUP,
)
from atonix_iac.template.model import GroupExpansion
from atonix_iac.template.values import UNKNOWN

_RESOURCE_PREFIX = "resource."


class GroupMemberNotFound(TemplateError):
    """``get_attr: [group, resource.N ...]`` for an N the group does not have (Heat's
    NotFound): a resource property refusing it fails; an output's value is null, as Heat
    gives an output whose value fails (``output_error``) without failing the stack."""


def _select(value: Any, path: tuple[Any, ...]) -> Any:
    from atonix_iac.planner.evaluation import select_path

    return select_path(value, path)


def group_attribute(
    ctx: ResolveContext,
    group: GroupExpansion,
    attribute: str,
    path: tuple[Any, ...],
    location: SourceLocation | None,
) -> Any:
    """The value of ``get_attr: [group, attribute, *path]``."""
    members = group.members

    def address(name: str) -> str:
        return f"{group.group}.{name}"

    if attribute == "InstanceList" and group.type in LAUNCH_CONFIGURATION_GROUPS:
        addresses = [ctx.attribute(address(n), "PublicIp", ()) for n in members]
        if any(a is UNKNOWN for a in addresses):
            return UNKNOWN
        return ",".join(str(a) for a in addresses if a is not None)
    if attribute == "removed_rsrc_list" and group.type == RESOURCE_GROUP:
        return _select(list(group.removed), path)
    if attribute == "current_size" and group.type == AUTOSCALING_GROUP:
        return len(members)
    if attribute == "refs":
        return _select([ctx.resource_id(address(n)) for n in members], path)
    if attribute == "refs_map":
        return _select({n: ctx.resource_id(address(n)) for n in members}, path)
    if attribute.startswith(_RESOURCE_PREFIX):
        name, _, inner = attribute[len(_RESOURCE_PREFIX) :].partition(".")
        if name not in members:  # Heat: exception.NotFound from grouputils.get_resource
            raise GroupMemberNotFound.at(
                location,
                f"Member '{name}' not found in group resource '{group.group}'.",
                f"`get_attr: [{group.group}, {attribute}]` refers to a member the group no longer"
                f" has (its members: {', '.join(members) or 'none'})",
            )
        if not inner:
            return _select(ctx.resource_id(address(name)), path)
        return ctx.attribute(address(name), inner, path)
    if attribute in ("attributes", "outputs") and path:
        head, rest = str(path[0]), tuple(path[1:])
        return {n: ctx.attribute(address(n), head, rest) for n in members}
    if attribute == "outputs_list" and path:
        head, rest = str(path[0]), tuple(path[1:])
        return [ctx.attribute(address(n), head, rest) for n in members]
    if attribute in ("attributes", "outputs", "outputs_list"):
        raise TemplateError.at(
            location,
            f"`get_attr: [{group.group}, {attribute}]` needs the member attribute to collect",
            f"e.g. get_attr: [{group.group}, {attribute}, first_address]",
        )
    return [ctx.attribute(address(n), attribute, path) for n in members]
