"""How many members a group has and what they are called (pure), as Heat decides it.

A ResourceGroup takes the first ``count`` names from 0, 1, 2 ... that are not in its removed
list (``removal_policies`` names are never reused; the list is kept in the group's state as
its ``removed_rsrc_list`` property). A scaling group keeps a signal's capacity while the
template's desired_capacity is the one it was chosen under, drops its oldest members when it
shrinks and numbers new ones after the newest.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from atonix_iac.errors import TemplateError
from atonix_iac.planner.evaluation import PlanContext, resolve_value
from atonix_iac.planner.scaling_math import clamp
from atonix_iac.state.model import ResourceState
from atonix_iac.template.groups import (
    AUTOSCALING_GROUP,
    AWS_AUTOSCALING_GROUP,
    INSTANCE_GROUP,
    RESOURCE_CHAIN,
    RESOURCE_GROUP,
)
from atonix_iac.template.model import ResourceSpec
from atonix_iac.template.values import contains_unknown, unwrap

# The group property the expansion sets: names removal_policies removed (never reused).
REMOVED_PROPERTY: Final = "removed_rsrc_list"
# The group attribute a scaling signal records: {"capacity": n, "desired_capacity": d}.
SCALING_ATTRIBUTE: Final = "scaling"


@dataclass(frozen=True, slots=True)
class Members:
    """A group's member names, and the names removal policies removed (never reused)."""

    names: tuple[str, ...]
    removed: tuple[str, ...] = ()


def member_index(address: str, group: str) -> str | None:
    """The member name of ``address`` in ``group`` (``web.3.port`` -> ``3``), else None."""
    prefix = f"{group}."
    if not address.startswith(prefix):
        return None
    return address[len(prefix) :].split(".", 1)[0]


def existing_members(group: str, current: Mapping[str, ResourceState]) -> list[str]:
    """Names of the group's members that state holds, numeric ones in index order."""
    names = {n for a in current if (n := member_index(a, group)) is not None}
    return sorted(names, key=lambda n: (not n.isdigit(), int(n) if n.isdigit() else 0, n))


# Sizes --------------------------------------------------------------------------------------
def static_value(spec: ResourceSpec, prop: str, ctx: PlanContext, default: Any = None) -> Any:
    """A group property that must be known before anything is applied."""
    if prop not in spec.properties:
        return default
    value = resolve_value(spec.properties[prop], ctx)
    if contains_unknown(value):
        raise TemplateError.at(
            spec.property_locations.get(prop, spec.location),
            f"`{prop}` of group `{spec.name}` is only known after apply",
            "a group is sized before its members are created: take the value from a "
            "parameter or a literal, not from another resource's attribute",
        )
    value = unwrap(value)
    return default if value is None else value


def _integer(spec: ResourceSpec, prop: str, value: Any, minimum: int = 0) -> int:
    try:
        number = int(value)
        if isinstance(value, bool) or number != float(value):
            raise ValueError
    except (TypeError, ValueError):
        number = minimum - 1
    if number < minimum:
        raise TemplateError.at(
            spec.property_locations.get(prop, spec.location),
            f"`{prop}` of group `{spec.name}` must be an integer of at least {minimum}, "
            f"not {value!r}",
        )
    return number


def member_names(
    spec: ResourceSpec, ctx: PlanContext, current: Mapping[str, ResourceState]
) -> Members:
    if spec.type == RESOURCE_CHAIN:
        return Members(tuple(str(i) for i in range(len(chain_types(spec, ctx)))))
    if spec.type != RESOURCE_GROUP:
        return _scaling_members(spec, ctx, current)
    return _resource_group_members(spec, ctx, current)


def chain_types(spec: ResourceSpec, ctx: PlanContext) -> list[str]:
    """An OS::Heat::ResourceChain's ``resources``: the member types, in order."""
    types = static_value(spec, "resources", ctx, [])
    if isinstance(types, str):  # a comma_delimited_list parameter given as text
        types = [t.strip() for t in types.split(",") if t.strip()]
    if not isinstance(types, list) or not all(isinstance(t, str) and t for t in types):
        raise TemplateError.at(
            spec.property_locations.get("resources", spec.location),
            f"`resources` of chain `{spec.name}` must be a list of resource type names",
        )
    return [str(t) for t in types]


def _resource_group_members(
    spec: ResourceSpec, ctx: PlanContext, current: Mapping[str, ResourceState]
) -> Members:
    count = _integer(spec, "count", static_value(spec, "count", ctx, 1))
    mode = static_value(spec, "removal_policies_mode", ctx, "append")
    policies = static_value(spec, "removal_policies", ctx, [])
    prior = current.get(spec.name)
    recorded = [str(n) for n in (prior.properties.get(REMOVED_PROPERTY) or [])] if prior else []
    wanted = _policy_names(policies)
    members = existing_members(spec.name, current)
    refs = {r.physical_id: n for n in members if (r := current.get(f"{spec.name}.{n}"))}
    new_entries: set[str] = set()
    for entry in wanted:
        if entry in recorded or prior is None or entry in members:
            new_entries.add(entry)
        elif entry in refs:
            new_entries.add(refs[entry])
    base = set() if mode == "update" else set(recorded)
    removed = base | new_entries
    names: list[str] = []
    index = 0
    while len(names) < count:
        if str(index) not in removed:
            names.append(str(index))
        index += 1
    return Members(tuple(names), tuple(sorted(removed, key=_index_key)))


def _policy_names(policies: Any) -> list[str]:
    out: list[str] = []
    for policy in policies if isinstance(policies, list) else []:
        if isinstance(policy, dict):
            out.extend(str(n) for n in policy.get("resource_list") or [])
    return out


def _index_key(name: str) -> tuple[bool, int, str]:
    return (not name.isdigit(), int(name) if name.isdigit() else 0, name)


# (min, max, desired) property names by scaling group type.
_BOUNDS: Final = {
    AUTOSCALING_GROUP: ("min_size", "max_size", "desired_capacity"),
    AWS_AUTOSCALING_GROUP: ("MinSize", "MaxSize", "DesiredCapacity"),
}


def scaling_bounds(spec: ResourceSpec, ctx: PlanContext) -> tuple[int, int, int | None]:
    """(min_size, max_size, desired_capacity) of a scaling group, checked; an InstanceGroup's
    ``Size`` is all three."""
    if spec.type == INSTANCE_GROUP:
        size = _integer(spec, "Size", static_value(spec, "Size", ctx, 0))
        return size, size, size
    low_name, high_name, desired_name = _BOUNDS[spec.type]
    low = _integer(spec, low_name, static_value(spec, low_name, ctx, 0))
    high = _integer(spec, high_name, static_value(spec, high_name, ctx, 0))
    desired_raw = static_value(spec, desired_name, ctx, None)
    desired = None if desired_raw is None else _integer(spec, desired_name, desired_raw)
    if high < low:
        raise TemplateError.at(
            spec.property_locations.get(high_name, spec.location),
            f"`{high_name}` of `{spec.name}` ({high}) is less than `{low_name}` ({low})",
        )
    return low, high, desired


def scaled_capacity(
    spec: ResourceSpec, ctx: PlanContext, current: Mapping[str, ResourceState]
) -> int:
    """The size an AutoScalingGroup has: a signal's choice while the template's
    desired_capacity is the one it was made under, else desired_capacity (min_size at
    creation, the current size on later updates when there is none), within the bounds."""
    low, high, desired = scaling_bounds(spec, ctx)
    prior = current.get(spec.name)
    record = prior.attributes.get(SCALING_ATTRIBUTE) if prior is not None else None
    if isinstance(record, dict) and record.get("desired_capacity") == desired:
        return clamp(int(record.get("capacity", low)), low, high)
    if desired is not None:
        return clamp(desired, low, high)
    if prior is not None:
        return clamp(len(existing_members(spec.name, current)), low, high)
    return low


def _scaling_members(
    spec: ResourceSpec, ctx: PlanContext, current: Mapping[str, ResourceState]
) -> Members:
    capacity = scaled_capacity(spec, ctx, current)
    existing = existing_members(spec.name, current)
    kept = existing[-capacity:] if capacity else []  # the oldest go first, as in Heat
    numeric = [int(n) for n in existing if n.isdigit()]
    following = max(numeric) + 1 if numeric else 0
    added = [str(following + i) for i in range(capacity - len(kept))]
    return Members(tuple(kept + added))
