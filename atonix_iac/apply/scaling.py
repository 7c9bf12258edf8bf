"""A signal to a scaling policy: the group's new capacity, recorded in state, then applied.

As Heat's ScalingPolicy.handle_signal -> AutoScalingGroup.adjust: the policy's adjustment is
computed from the group's current size (``planner.scaling_math``), bounded by the group's
min_size/max_size; the policy's cooldown (else the group's) must have passed since the last
change. The capacity is kept in the group's attributes (``scaling``), together with the
desired_capacity it was chosen under, so that later plans keep it until the template's
desired_capacity changes. Then the group (and so its members) is planned and applied, all
under the stack lock.
"""

from __future__ import annotations

from collections.abc import Mapping
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from atonix_iac.apply.events import ApplyResult, EventCallback, ignore_event
from atonix_iac.apply.executor import apply_plan
from atonix_iac.apply.recover import recover_intents
from atonix_iac.errors import UsageError
from atonix_iac.planner import make_plan
from atonix_iac.planner.group_sizes import SCALING_ATTRIBUTE, existing_members
from atonix_iac.planner.plan import Plan
from atonix_iac.planner.protocols import BoundParams
from atonix_iac.planner.scaling_math import clamp, new_capacity
from atonix_iac.providers.base import ResourceIdentity
from atonix_iac.providers.registry import Registry
from atonix_iac.state.model import ResourceState, StackKey, State
from atonix_iac.state.store import StateStore
from atonix_iac.template.model import Template

SCALING_POLICY_TYPES: Final = ("OS::Heat::ScalingPolicy", "AWS::AutoScaling::ScalingPolicy")
SCALING_GROUP_TYPES: Final = ("OS::Heat::AutoScalingGroup", "AWS::AutoScaling::AutoScalingGroup")


# Property names: group, adjustment, adjustment type, minimum step, cooldown.
_HOT_POLICY: Final = (
    "auto_scaling_group_id",
    "scaling_adjustment",
    "adjustment_type",
    "min_adjustment_step",
    "cooldown",
)
_AWS_POLICY: Final = (
    "AutoScalingGroupName",
    "ScalingAdjustment",
    "AdjustmentType",
    "MinAdjustmentStep",
    "Cooldown",
)


@dataclass(frozen=True, slots=True)
class ScalingOutcome:
    """What a signal did: ``applied`` is None when the size did not change."""

    policy: str
    group: str
    before: int
    after: int
    reason: str
    plan: Plan | None = None
    applied: ApplyResult | None = None


@dataclass(frozen=True, slots=True)
class _Policy:
    group_id: str
    adjustment: float
    adjustment_type: str
    min_step: int | None
    cooldown: float | None


def _number(value: Any) -> float | None:
    if value is None or value == "":
        return None
    return float(value)


def _policy(resource: ResourceState) -> _Policy:
    props = resource.properties
    names: tuple[str, ...] = (
        ("AutoScalingGroupName", "ScalingAdjustment", "AdjustmentType", "MinAdjustmentStep")
        if resource.type == "AWS::AutoScaling::ScalingPolicy"
        else (
            "auto_scaling_group_id",
            "scaling_adjustment",
            "adjustment_type",
            "min_adjustment_step",
        )
    )
    names += ("Cooldown",) if resource.type.startswith("AWS::") else ("cooldown",)
    group_id, adjustment, kind, step, cooldown = (props.get(n) for n in names)
    step_value = _number(step)
    return _Policy(
        group_id=str(group_id),
        adjustment=float(adjustment or 0),
        adjustment_type=str(kind),
        min_step=int(step_value) if step_value is not None else None,
        cooldown=_number(cooldown),
    )


def _find_group(state: State, policy: _Policy, address: str) -> ResourceState:
    for resource in state.resources.values():
        if (
            resource.deposed is None
            and resource.type in SCALING_GROUP_TYPES
            and policy.group_id in (resource.physical_id, resource.address)
        ):
            return resource
    raise UsageError(
        f"`{address}` scales the group `{policy.group_id}`, which the stack's state does not "
        "hold; apply the stack first"
    )


def _bounds(group: ResourceState) -> tuple[int, int, int | None, float | None]:
    props = group.properties
    if group.type == "AWS::AutoScaling::AutoScalingGroup":
        low, high = props.get("MinSize"), props.get("MaxSize")
        desired, cooldown = props.get("DesiredCapacity"), props.get("Cooldown")
    else:
        low, high = props.get("min_size"), props.get("max_size")
        desired, cooldown = props.get("desired_capacity"), props.get("cooldown")
    wanted = int(float(desired)) if desired not in (None, "") else None
    return int(low or 0), int(high or 0), wanted, _number(cooldown)


def _cooldown_end(record: Mapping[str, Any]) -> datetime | None:
    text = record.get("cooldown_end")
    if not isinstance(text, str):
        return None
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return None


def signal_scaling_policy(
    store: StateStore,
    key: StackKey,
    registry: Registry,
    template: Template,
    params: BoundParams,
    policy_address: str,
    details: Mapping[str, Any] | None = None,
    *,
    now: datetime | None = None,
    identity_base: ResourceIdentity | None = None,
    audit_project: str | None = None,
    on_event: EventCallback = ignore_event,
    already_locked: bool = False,
    lock_timeout_s: float = 0.0,
) -> ScalingOutcome:
    """Act on a signal to ``policy_address`` under the stack lock (taken here unless
    ``already_locked``): record the group's new capacity and apply it. ``details`` (Heat's
    alarm payload) does not change the outcome; Heat only logs its alarm state."""
    lock: AbstractContextManager[Any] = (
        nullcontext() if already_locked else store.lock(key, "signal", lock_timeout_s)
    )
    with lock:
        return _signal(
            store,
            key,
            registry,
            template,
            params,
            policy_address,
            now,
            identity_base,
            audit_project,
            on_event,
        )


def _signal(
    store: StateStore,
    key: StackKey,
    registry: Registry,
    template: Template,
    params: BoundParams,
    policy_address: str,
    now: datetime | None,
    identity_base: ResourceIdentity | None,
    audit_project: str | None,
    on_event: EventCallback,
) -> ScalingOutcome:
    moment = now or datetime.now(UTC)
    base = identity_base or ResourceIdentity(key.workspace, key.environment, key.stack, "")
    state = store.load(key)
    # What an interrupted run left pending is settled first, as plan and apply do.
    if recover_intents(
        store, key, registry, base, audit_project=audit_project, resources=state.resources.values()
    ):
        state = store.load(key)
    resource = state.resources.get(policy_address)
    if resource is None or resource.type not in SCALING_POLICY_TYPES:
        raise UsageError(f"`{policy_address}` is not a scaling policy of stack {key}")
    policy = _policy(resource)
    group = _find_group(state, policy, policy_address)
    current = {r.address: r for r in state.resources.values() if r.deposed is None}
    size = len(existing_members(group.address, current))
    low, high, desired, group_cooldown = _bounds(group)
    record = group.attributes.get(SCALING_ATTRIBUTE)
    record = dict(record) if isinstance(record, dict) else {}
    ends = _cooldown_end(record)
    outcome = ScalingOutcome(policy_address, group.address, size, size, "")
    if ends is not None and moment < ends:
        return replace(outcome, reason=f"in cooldown until {ends.isoformat()}: no change")
    target = new_capacity(
        size, policy.adjustment, policy.adjustment_type, policy.min_step, low, high
    )
    target = clamp(target, low, high)
    if target == size:
        return replace(outcome, reason=f"already at {size} (bounds {low}..{high}): no change")
    cooldown = policy.cooldown if policy.cooldown is not None else group_cooldown
    record.update(
        capacity=target,
        desired_capacity=desired,
        cooldown_end=(moment + timedelta(seconds=max(0.0, cooldown or 0.0))).isoformat(),
        signalled_by=policy_address,
    )
    store.put_resource(
        key, replace(group, attributes={**group.attributes, SCALING_ATTRIBUTE: record})
    )
    plan = make_plan(template, params, store.load(key), registry, targets=(group.address,))
    applied = apply_plan(
        plan,
        template,
        params,
        store,
        registry,
        identity_base=base,
        on_event=on_event,
        already_locked=True,
        audit_project=audit_project,
    )
    return replace(
        outcome,
        after=target,
        reason=f"{policy.adjustment_type} {policy.adjustment:+g}: {size} -> {target}",
        plan=plan,
        applied=applied,
    )
