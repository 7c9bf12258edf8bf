"""What to do with one resource: Heat's update-vs-replace rule as one pure function.

The order of the checks is the order in which Heat's ``_needs_update`` and
``update_template_diff_properties`` look (heat_hot_reference.md section 4): state first, then
the type, then the property diff against ``update_allowed`` and the plugin's own rules.
"""

from __future__ import annotations

from collections.abc import Collection
from typing import NamedTuple

from atonix_iac.planner.plan import Action
from atonix_iac.planner.reasons import REASON_INTERRUPTED, REASON_REQUESTED, REASON_TAINTED
from atonix_iac.providers.base import ResourceSchema
from atonix_iac.state.model import ResourceStatus

REASON_GONE = "deleted outside atonix"


class Decision(NamedTuple):
    action: Action
    reason: str | None
    replace_paths: tuple[str, ...] = ()


def replace_action(create_before_destroy: bool) -> Action:
    return Action.CREATE_THEN_DELETE if create_before_destroy else Action.DELETE_THEN_CREATE


def decide_action(
    *,
    prior_type: str | None,
    prior_status: ResourceStatus | None,
    desired_type: str,
    schema: ResourceSchema,
    changed: Collection[str] = (),
    gone: bool = False,
    replace_requested: bool = False,
    provider_replace_reason: str | None = None,
    create_before_destroy: bool = False,
) -> Decision:
    """The action for a resource the template wants.

    ``prior_type`` is None when state has no such resource; ``gone`` when refresh found it
    deleted outside atonix; ``changed`` the top-level properties that differ from state;
    ``provider_replace_reason`` the implementation's ``replace_reason`` for those changes.
    """
    if prior_type is None:
        return Decision(Action.CREATE, None)
    if gone:
        return Decision(Action.CREATE, REASON_GONE)
    replace = replace_action(create_before_destroy)
    if replace_requested:
        return Decision(replace, REASON_REQUESTED)
    if prior_status is ResourceStatus.TAINTED:
        return Decision(replace, REASON_TAINTED)
    if prior_status is ResourceStatus.PENDING_CREATE:
        return Decision(replace, REASON_INTERRUPTED)
    if prior_type != desired_type:
        return Decision(replace, f"type changed from {prior_type} to {desired_type}")
    if not changed:
        return Decision(Action.NOOP, None)
    fixed = tuple(sorted(name for name in changed if not schema.updatable(name)))
    if fixed:
        return Decision(replace, _not_updatable_reason(fixed, schema), fixed)
    if provider_replace_reason:
        return Decision(replace, provider_replace_reason, tuple(sorted(changed)))
    return Decision(Action.UPDATE, None)


def _not_updatable_reason(names: tuple[str, ...], schema: ResourceSchema) -> str:
    quoted = ", ".join(f"`{n}`" for n in names)
    if not schema.has_handle_update:
        why = f"Heat: {schema.type_name} has no handle_update"
    elif all(n in schema.properties for n in names):
        why = "Heat: update_allowed is false"
    else:
        why = f"not a property of {schema.type_name}, so it cannot be updated"
    return f"{quoted} cannot be updated in place ({why})"
