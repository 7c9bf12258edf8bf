"""What atonix remembers about a stack between runs.

State is keyed by (workspace, environment, stack). ``lineage`` is fixed when a stack's state is
first written; ``serial`` grows by one with every committed write. A saved plan records both and
is refused when either has moved on.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any


@dataclass(frozen=True, slots=True, order=True)
class StackKey:
    """Which stack a state belongs to: a workspace's environment holds any number of stacks,
    each with its own lineage, lock and history."""

    workspace: str
    environment: str
    stack: str

    def __str__(self) -> str:
        return f"{self.workspace}/{self.environment}/{self.stack}"


class ResourceStatus(StrEnum):
    READY = "ready"
    TAINTED = "tainted"  # failed create/update: replaced on the next apply
    PENDING_CREATE = "pending_create"  # intent written, create not confirmed
    PENDING_DELETE = "pending_delete"  # old half of a create-before-destroy replacement


@dataclass(slots=True)
class ResourceState:
    """One resource as the last apply left it: what refresh compares with the cloud and the
    planner diffs against the template."""

    address: str
    type: str
    physical_id: str | None
    status: ResourceStatus = ResourceStatus.READY
    # Properties as applied (resolved; secrets in plain form in memory, encrypted at rest).
    properties: dict[str, Any] = field(default_factory=dict)
    attributes: dict[str, Any] = field(default_factory=dict)
    # Top-level property and attribute names whose values are secret.
    sensitive_properties: frozenset[str] = frozenset()
    sensitive_attributes: frozenset[str] = frozenset()
    dependencies: tuple[str, ...] = ()
    deletion_policy: str = "Delete"
    create_before_destroy: bool = False
    prevent_destroy: bool = False
    # A resource superseded during create-before-destroy keeps a distinct key: "addr#deposed-N".
    deposed: str | None = None
    updated_at: datetime | None = None
    # Set on an intent before its create call and sent with the create (tag, metadata), so
    # that the object can be found and adopted if the run dies before its id is recorded.
    create_token: str | None = None
    # Adopted through the template's ``external_id``: read, never updated or deleted (Heat's
    # external resources); removing it from the template or destroying only forgets it.
    external: bool = False


@dataclass(slots=True)
class State:
    """A stack's whole recorded state at one serial; the planner's "prior" and what
    `state pull` exports."""

    key: StackKey
    lineage: str | None = None  # None: no state written yet
    serial: int = 0
    resources: dict[str, ResourceState] = field(default_factory=dict)
    outputs: dict[str, Any] = field(default_factory=dict)
    sensitive_outputs: frozenset[str] = frozenset()
    # Parameter values the last apply used (sensitive ones masked, never stored plain).
    parameters: dict[str, Any] = field(default_factory=dict)
    template_digest: str | None = None
    # Parameter names whose values are secret (encrypted at rest, masked on export).
    sensitive_parameters: frozenset[str] = frozenset()

    @property
    def exists(self) -> bool:
        return self.lineage is not None


@dataclass(frozen=True, slots=True)
class LockInfo:
    """Who holds a stack's lock and since when, so a refused run can say whom to ask (or
    what `force-unlock` would break)."""

    key: StackKey
    lock_id: str
    who: str  # user@host pid
    operation: str  # "apply", "destroy", ...
    since: datetime


@dataclass(frozen=True, slots=True)
class AuditRecord:
    """One cloud call made on a stack's behalf, kept apart from state history so that
    `atonix audit` answers "who changed what, in which project" after the state moved on."""

    key: StackKey
    address: str
    type: str
    physical_id: str | None
    action: str  # create | update | delete | read
    result: str  # ok | failed
    who: str
    started_at: datetime
    duration_s: float
    message: str | None = None
    project: str | None = None


@dataclass(frozen=True, slots=True)
class ResourceWrite:
    """One resource's record among several committed together: ``resource`` to insert or
    replace, or (``resource`` None) the record at ``address``/``deposed`` to remove; with
    the audit record of the call that produced it."""

    address: str
    resource: ResourceState | None = None
    deposed: str | None = None
    audit: AuditRecord | None = None


@dataclass(frozen=True, slots=True)
class StateVersion:
    """One entry of a stack's history."""

    serial: int
    lineage: str
    created_at: datetime
    operation: str
    who: str


@dataclass(frozen=True, slots=True)
class StackSummary:
    """One stack as ``atonix stack list`` shows it."""

    key: StackKey
    lineage: str
    serial: int
    resources: int
    updated_at: datetime
    last_operation: str | None = None
    who: str | None = None


@dataclass(frozen=True, slots=True)
class SnapshotInfo:
    """A whole-state copy kept at ``serial`` (the end of a run or state command)."""

    serial: int
    lineage: str | None  # None: a snapshot from before they recorded it
    created_at: datetime
    operation: str  # the command: apply, destroy, state rm, state rollback to 3 ...
    who: str
    resources: int | None  # how many resources the state held; None: not recorded


@dataclass(frozen=True, slots=True)
class SignalRecord:
    """One signal as received by a wait condition handle (Heat's signal metadata).

    ``signal_id`` None means the sender gave none: Heat numbers such a signal by its position
    among the handle's signals when it is read. ``reason`` None likewise takes Heat's
    default (``Signal N received``)."""

    key: StackKey
    address: str
    handle_id: str
    status: str  # SUCCESS | FAILURE
    signal_id: str | None = None
    reason: str | None = None
    data: Any = None
    source: str = ""  # where it came from: "cli", "http" ...
    received_at: datetime | None = None
