"""A plan is a value: what will change, why, and in which order. Apply only executes it."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field, replace
from enum import StrEnum
from typing import Any

from atonix_iac.errors import Diagnostic, SourceLocation
from atonix_iac.state.model import StackKey


class Action(StrEnum):
    NOOP = "no-op"
    CREATE = "create"
    UPDATE = "update"
    DELETE_THEN_CREATE = "delete-then-create"
    CREATE_THEN_DELETE = "create-then-delete"
    DELETE = "delete"
    # Adopt an existing object (``external_id``): read it, never create, update or delete it.
    READ = "read"

    @property
    def is_replace(self) -> bool:
        return self in (Action.DELETE_THEN_CREATE, Action.CREATE_THEN_DELETE)

    @property
    def symbol(self) -> str:
        return _SYMBOLS[self]


_SYMBOLS = {
    Action.NOOP: " ",
    Action.CREATE: "+",
    Action.UPDATE: "~",
    Action.DELETE_THEN_CREATE: "-/+",
    Action.CREATE_THEN_DELETE: "+/-",
    Action.DELETE: "-",
    Action.READ: "<=",
}


class PlanMode(StrEnum):
    NORMAL = "normal"
    DESTROY = "destroy"
    # Terraform's -refresh-only: record what refresh found; change nothing in the cloud.
    REFRESH_ONLY = "refresh-only"


@dataclass(frozen=True, slots=True)
class PropertyChange:
    """One top-level property's before and after (after may hold UNKNOWN)."""

    name: str
    before: Any
    after: Any
    forces_replacement: bool = False
    sensitive: bool = False


@dataclass(frozen=True, slots=True)
class ResourceChange:
    """What the plan does to one resource: its action, masked before/after properties and why."""

    address: str
    type: str
    action: Action
    before: dict[str, Any] | None  # properties in state; None for a create
    after: dict[str, Any] | None  # resolved properties (may hold UNKNOWN); None for a delete
    changes: tuple[PropertyChange, ...] = ()
    replace_paths: tuple[str, ...] = ()  # properties that forced a replacement
    reason: str | None = None  # why: "flavor cannot be updated in place", "tainted", ...
    location: SourceLocation | None = None
    dependencies: tuple[str, ...] = ()
    sensitive_properties: frozenset[str] = frozenset()
    # The state's physical id before the change (delete/update/replace).
    physical_id: str | None = None
    # Refresh found the object changed (drift) or gone outside atonix.
    drift: tuple[PropertyChange, ...] = ()
    gone: bool = False
    deposed: str | None = None
    # A DELETE that only removes the resource from state and leaves the object alone
    # (deletion_policy Retain, or an object already deleted outside atonix).
    forget_only: bool = False


@dataclass(frozen=True, slots=True)
class OutputChange:
    """How one stack output changes (``after`` may be UNKNOWN until apply)."""

    name: str
    action: Action  # CREATE, UPDATE, DELETE or NOOP
    before: Any
    after: Any  # may be UNKNOWN
    sensitive: bool = False


@dataclass(frozen=True)
class Plan:
    """Every change to a stack, in apply order, with the state serial it was planned from."""

    key: StackKey
    mode: PlanMode
    changes: tuple[ResourceChange, ...]  # in a valid apply order (creates after their deps)
    output_changes: tuple[OutputChange, ...] = ()
    template_digest: str = ""
    prior_lineage: str | None = None
    prior_serial: int = 0
    diagnostics: tuple[Diagnostic, ...] = ()  # warnings worth showing with the plan
    parameters: dict[str, Any] = field(default_factory=dict)
    sensitive_parameters: frozenset[str] = frozenset()
    # Free-form facts later layers attach (quota impact, workspace binding, ...).
    extra: dict[str, Any] = field(default_factory=dict)

    def counts(self) -> Counter[Action]:
        return Counter(c.action for c in self.changes)

    @property
    def has_changes(self) -> bool:
        """True if apply would do anything, output-only changes included (Terraform's exit 2);
        for a refresh-only plan, whether refresh found anything to record."""
        if self.mode is PlanMode.REFRESH_ONLY:
            return any(c.drift or c.gone for c in self.changes)
        return any(c.action is not Action.NOOP for c in self.changes) or any(
            o.action is not Action.NOOP for o in self.output_changes
        )

    def summary(self) -> str:
        n = self.counts()
        forget = sum(1 for c in self.changes if c.action is Action.DELETE and c.forget_only)
        add = n[Action.CREATE] + n[Action.DELETE_THEN_CREATE] + n[Action.CREATE_THEN_DELETE]
        replaced = n[Action.DELETE_THEN_CREATE] + n[Action.CREATE_THEN_DELETE]
        destroy = n[Action.DELETE] - forget + replaced
        text = f"Plan: {add} to add, {n[Action.UPDATE]} to change, {destroy} to destroy"
        if replaced:
            text += f" ({replaced} replaced)"
        if forget:
            text += f", {forget} to forget"
        if n[Action.READ]:
            text += f", {n[Action.READ]} to read"
        return text + "."


def refresh_only(plan: Plan) -> Plan:
    """``plan`` as a refresh-only plan: only the resources refresh found changed or gone
    outside atonix, with no action to undo it; applying it records what was found."""
    found = tuple(
        replace(c, action=Action.NOOP, changes=(), replace_paths=(), reason=None)
        for c in plan.changes
        if c.drift or c.gone
    )
    return replace(plan, mode=PlanMode.REFRESH_ONLY, changes=found, output_changes=())
