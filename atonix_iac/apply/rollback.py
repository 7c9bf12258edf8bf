"""Undo a failed run's work (``-on-failure=rollback``), as Heat rolls back a failed stack.

The state before the run and the state after its walk tell what the run did, step by step:

* an object it created (a replacement's new object too) is deleted again; with deletion_policy
  Retain it is only dropped from state, as a destroy would;
* a resource it updated (or failed to update) is updated back to its prior properties;
* a replaced resource's prior object, still present as a deposed object, is current again;
  a prior record the run forgot (Retain) is recorded again;
* an object it adopted through ``external_id`` is only dropped from state again (an adopted
  object is never written to), and one it stopped adopting is recorded again;
* a create the run could not confirm is settled first (``apply.recover``), so an object
  made behind a lost answer is found by its token and deleted too;
* an object the run deleted cannot be brought back: that is reported, as is each undo that
  failed and every undo that had to wait for it.

The undo steps are a DAG walked like apply's, keeping going past failures: a resource stops
referring to an object (its own undo) before that object is deleted. Each step commits to state
the moment it completes, so a run killed while rolling back leaves consistent state, and a
plain re-run plans from there.
"""

from __future__ import annotations

import time
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any, Protocol

from atonix_iac.apply.audit import audited
from atonix_iac.apply.events import ApplyEvent, EventCallback, EventKind, Operation
from atonix_iac.apply.recover import recover_intents
from atonix_iac.apply.refresh import state_key_of
from atonix_iac.apply.retry import RetryNotice, RetryPolicy, retrying
from atonix_iac.apply.schedule import Schedule, Step, StepKind
from atonix_iac.apply.walk import walk
from atonix_iac.errors import (
    AtonixError,
    ProviderConfigError,
    ProviderError,
    RollbackOutcome,
    TransientProviderError,
)
from atonix_iac.planner.digraph import Digraph
from atonix_iac.planner.plan import Action
from atonix_iac.providers.base import ResourceIdentity, ResourceType
from atonix_iac.state.model import ResourceState, ResourceStatus, StackKey
from atonix_iac.state.store import StateStore

CANNOT_UNDELETE = "destroyed by this run; a deleted object cannot be brought back"


class TypeRegistry(Protocol):
    def implementation(self, type_name: str) -> ResourceType | None: ...


class UndoKind(StrEnum):
    DESTROY = "destroy"  # delete an object this run created
    REVERT = "revert"  # update a resource back to its prior properties
    REINSTATE = "reinstate"  # a deposed prior object is current again (state only)
    RECORD = "record"  # a record this run forgot is written again (state only)
    FORGET = "forget"  # an object this run adopted (external_id) is dropped (state only)


@dataclass(frozen=True, slots=True, order=True)
class Undo:
    """One step of taking a failed apply back, ordered so a rollback runs deterministically."""

    kind: UndoKind
    address: str
    deposed: str | None = None

    def __str__(self) -> str:
        suffix = f" (deposed {self.deposed})" if self.deposed else ""
        return f"rollback {self.kind.value} {self.address}{suffix}"


@dataclass(frozen=True)
class RunWork:
    """What the failed run set out to do: the addresses of its started steps."""

    created: frozenset[str] = frozenset()
    updated: frozenset[str] = frozenset()
    adopted: frozenset[str] = frozenset()  # read through external_id
    touched: frozenset[str] = frozenset()  # every address a started step concerns
    forget_only: frozenset[str] = frozenset()  # state keys the plan drops without deleting
    planned: Mapping[str, frozenset[str]] = field(default_factory=dict)  # update: properties

    @classmethod
    def of(cls, schedule: Schedule, started: Iterable[Step]) -> RunWork:
        created: set[str] = set()
        updated: set[str] = set()
        adopted: set[str] = set()
        touched: set[str] = set()
        forget_only: set[str] = set()
        planned: dict[str, frozenset[str]] = {}
        for step in started:
            change = schedule.changes[step]
            touched.add(step.address)
            if step.kind is StepKind.CREATE:
                created.add(step.address)
            elif step.kind is StepKind.UPDATE:
                updated.add(step.address)
                planned[step.address] = frozenset(c.name for c in change.changes)
            elif step.kind is StepKind.READ:
                adopted.add(step.address)
            elif change.action is Action.DELETE and change.forget_only:
                forget_only.add(f"{step.address}#{step.deposed}" if step.deposed else step.address)
        return cls(
            frozenset(created),
            frozenset(updated),
            frozenset(adopted),
            frozenset(touched),
            frozenset(forget_only),
            planned,
        )


@dataclass
class RollbackPlan:
    """The undo steps (edge a -> b: b runs after a), the record each starts from (``now``),
    the record it brings back (``prior``), and what cannot be undone."""

    graph: Digraph[Undo] = field(default_factory=Digraph)
    now: dict[Undo, ResourceState] = field(default_factory=dict)
    prior: dict[Undo, ResourceState] = field(default_factory=dict)
    impossible: list[tuple[str, str]] = field(default_factory=list)

    def add(self, undo: Undo, now: ResourceState | None, prior: ResourceState | None) -> Undo:
        self.graph.add_node(undo)
        if now is not None:
            self.now[undo] = now
        if prior is not None:
            self.prior[undo] = prior
        return undo


def _by_address(records: Mapping[str, ResourceState]) -> dict[str, dict[str, ResourceState]]:
    grouped: dict[str, dict[str, ResourceState]] = defaultdict(dict)
    for key, record in records.items():
        grouped[record.address][key] = record
    return grouped


def _who(record: ResourceState) -> str:
    return f"{record.address} (deposed {record.deposed})" if record.deposed else record.address


def plan_rollback(
    before: Mapping[str, ResourceState], after: Mapping[str, ResourceState], work: RunWork
) -> RollbackPlan:
    """The undo steps that take ``after`` back to ``before`` (both keyed by state key) for the
    addresses the run touched."""
    planner = _Planner(before, after, work)
    for address in sorted(work.touched):
        planner.address(address)
    return planner.finish()


class _Planner:
    def __init__(
        self,
        before: Mapping[str, ResourceState],
        after: Mapping[str, ResourceState],
        work: RunWork,
    ) -> None:
        self.before, self.after, self.work = before, after, work
        self.prior_of, self.now_of = _by_address(before), _by_address(after)
        self.plan = RollbackPlan()
        self.lost: set[str] = set()  # addresses whose prior current object this run deleted
        self.reverts: dict[str, Undo] = {}

    def address(self, address: str) -> None:
        """Undo what the run did to ``address``: its new object, its update, and wherever
        its prior objects went."""
        old, new = self.before.get(address), self.after.get(address)
        prior_records = self.prior_of.get(address, {}).values()
        prior_ids = {r.physical_id for r in prior_records if r.physical_id}
        destroy: Undo | None = None
        if address in self.work.created and new is not None and new.physical_id not in prior_ids:
            if new.status is ResourceStatus.PENDING_CREATE and new.physical_id is None:
                why = "its create was not confirmed; the next apply adopts or recreates it"
                self.plan.impossible.append((address, why))
            else:
                destroy = self.plan.add(Undo(UndoKind.DESTROY, address), new, None)
        elif address in self.work.adopted and new is not None and new.external:
            if new.physical_id not in prior_ids:  # adopted by this run: forgotten again
                destroy = self.plan.add(Undo(UndoKind.FORGET, address), new, None)
        elif address in self.work.updated and old is not None and new is not None:
            changed = new.status != old.status or new.properties != old.properties
            if changed or new.physical_id != old.physical_id:
                self.reverts[address] = self.plan.add(Undo(UndoKind.REVERT, address), new, old)
        # A current record that is neither the prior object nor one this rollback removes.
        blocked = (
            new is not None
            and destroy is None
            and address not in self.reverts
            and new.physical_id not in prior_ids
        )
        for key, record in sorted(self.prior_of.get(address, {}).items()):
            self.prior_object(key, record, destroy, blocked)

    def prior_object(
        self, key: str, record: ResourceState, destroy: Undo | None, blocked: bool
    ) -> None:
        """Bring back a prior object the run deposed or forgot; report one it deleted."""
        address, current = record.address, record.deposed is None
        still = self.after.get(key)
        if still is not None and still.physical_id == record.physical_id:
            return  # unchanged, or updated in place (reverted)
        if current and address in self.reverts:
            return  # updated under a new physical id: reverted
        if current and blocked:
            self.plan.impossible.append((address, "its replacement could not be removed"))
            return
        moved = next(
            (
                r
                for r in self.now_of.get(address, {}).values()
                if r.deposed and record.physical_id and r.physical_id == record.physical_id
            ),
            None,
        )
        if moved is not None and moved.deposed is not None:
            if current:  # deposed by a create-before-destroy replacement: current again
                undo = Undo(UndoKind.REINSTATE, address, moved.deposed)
                self.after_destroy(destroy, self.plan.add(undo, moved, record))
            return
        forgotten = (
            record.external
            or record.deletion_policy == "Retain"
            or key in self.work.forget_only
            or not record.physical_id
        )
        if forgotten:  # the object is still there: record it again
            undo = self.plan.add(Undo(UndoKind.RECORD, address, record.deposed), None, record)
            if current:
                self.after_destroy(destroy, undo)
            return
        if current:
            self.lost.add(address)
        self.plan.impossible.append((_who(record), CANNOT_UNDELETE))

    def after_destroy(self, destroy: Undo | None, undo: Undo) -> None:
        if destroy is not None:
            self.plan.graph.add_edge(destroy, undo)

    def finish(self) -> RollbackPlan:
        plan = self.plan
        for address, undo in self.reverts.items():
            gone = sorted(set(plan.prior[undo].dependencies) & self.lost)
            if gone:
                plan.graph.remove_node(undo)
                why = f"its prior properties refer to {', '.join(gone)}, {CANNOT_UNDELETE}"
                plan.impossible.append((address, why))
        # Whatever refers to an object this run created stops doing so (its own undo) first.
        for undo in list(plan.graph):
            if undo.kind not in (UndoKind.DESTROY, UndoKind.REVERT):
                continue
            for dependency in plan.now[undo].dependencies:
                for kind in (UndoKind.DESTROY, UndoKind.FORGET):
                    target = Undo(kind, dependency)
                    if target in plan.graph and target != undo:
                        plan.graph.add_edge(undo, target)
        return plan


@dataclass
class Undoer:
    """Runs one rollback: the provider calls, the state writes and the events."""

    store: StateStore
    key: StackKey
    registry: TypeRegistry
    identity: Callable[[str], ResourceIdentity]
    on_event: EventCallback
    audit_project: str | None = None
    policy: RetryPolicy = field(default_factory=RetryPolicy)
    plan: RollbackPlan = field(default_factory=RollbackPlan)
    planned: Mapping[str, frozenset[str]] = field(default_factory=dict)
    destroyed: list[str] = field(default_factory=list)
    restored: list[str] = field(default_factory=list)
    forgotten: list[str] = field(default_factory=list)

    def run(self, parallelism: int) -> RollbackOutcome:
        result = walk(
            self.plan.graph, self.visit, parallelism=parallelism, sort_key=str, keep_going=True
        )
        left = list(self.plan.impossible)
        for undo, err in result.failed:
            left.append((undo.address, f"rollback failed: {err.message}"))
        for undo in result.skipped:
            blocker = result.blocked_by.get(undo)
            why = f"waits for {blocker.address}, whose rollback failed" if blocker else "not run"
            left.append((undo.address, why))
        return RollbackOutcome(
            destroyed=tuple(sorted(self.destroyed)),
            restored=tuple(sorted(self.restored)),
            forgotten=tuple(sorted(self.forgotten)),
            not_rolled_back=tuple(sorted(left)),
        )

    def visit(self, undo: Undo) -> None:
        if undo.kind is UndoKind.DESTROY:
            self.destroy(undo, self.plan.now[undo])
        elif undo.kind is UndoKind.FORGET:
            self.forget(undo, self.plan.now[undo])
        elif undo.kind is UndoKind.REVERT:
            self.revert(undo, self.plan.now[undo], self.plan.prior[undo])
        else:
            self.reinstate(undo, self.plan.prior[undo])

    def emit(self, kind: EventKind, undo: Undo, operation: Operation, **info: Any) -> None:
        self.on_event(
            ApplyEvent(
                kind,
                undo.address,
                operation,
                time.monotonic(),
                deposed=undo.deposed,
                rollback=True,
                **info,
            )
        )

    def retry_notice(self, undo: Undo, operation: Operation) -> RetryNotice:
        def notice(attempt: int, err: TransientProviderError, pause: float) -> None:
            message = f"{err.message}; attempt {attempt + 1} in {pause:.1f}s"
            self.emit(EventKind.RETRY, undo, operation, message=message)

        return notice

    def implementation(self, record: ResourceState) -> ResourceType:
        impl = self.registry.implementation(record.type)
        if impl is None:
            raise ProviderConfigError(
                f"no provider implements type {record.type}", address=record.address
            )
        return impl

    def failed(
        self, undo: Undo, operation: Operation, err: AtonixError, elapsed_s: float, ident: str
    ) -> None:
        if isinstance(err, ProviderError) and err.address is None:
            err.address = undo.address
        self.emit(
            EventKind.FAILED,
            undo,
            operation,
            elapsed_s=elapsed_s,
            physical_id=ident,
            message=err.format(),
        )

    def destroy(self, undo: Undo, record: ResourceState) -> None:
        ident = record.physical_id
        if record.deletion_policy == "Retain" or not ident:
            self.forget(undo, record)
            return
        impl = self.implementation(record)
        self.emit(EventKind.START, undo, Operation.DELETE, physical_id=ident)
        try:
            with audited(
                self.store,
                self.key,
                record.address,
                record.type,
                "delete",
                ident,
                project=self.audit_project,
            ) as call:
                retrying(
                    self.policy,
                    lambda: impl.delete(self.identity(record.address), ident, record.properties),
                    self.retry_notice(undo, Operation.DELETE),
                )
        except AtonixError as err:
            self.failed(undo, Operation.DELETE, err, call.elapsed_s, ident)
            raise
        self.store.remove_resource(self.key, record.address)
        self.destroyed.append(record.address)
        self.emit(
            EventKind.DONE, undo, Operation.DELETE, elapsed_s=call.elapsed_s, physical_id=ident
        )

    def forget(self, undo: Undo, record: ResourceState) -> None:
        """A state-only step: the record goes, the object (if any) stays."""
        ident = record.physical_id
        self.emit(EventKind.START, undo, Operation.FORGET, physical_id=ident)
        self.store.remove_resource(self.key, record.address)
        (self.forgotten if ident else self.destroyed).append(record.address)
        self.emit(EventKind.DONE, undo, Operation.FORGET, physical_id=ident)

    def revert(self, undo: Undo, now: ResourceState, prior: ResourceState) -> None:
        impl = self.implementation(now)
        ident = now.physical_id or ""
        names = set(now.properties) | set(prior.properties)
        changed = frozenset(
            {n for n in names if now.properties.get(n) != prior.properties.get(n)}
            | self.planned.get(now.address, frozenset())
        )
        self.emit(EventKind.START, undo, Operation.UPDATE, physical_id=ident)
        try:
            with audited(
                self.store,
                self.key,
                now.address,
                now.type,
                "update",
                ident,
                project=self.audit_project,
            ) as call:
                result = retrying(
                    self.policy,
                    lambda: impl.update(
                        self.identity(now.address), ident, now.properties, prior.properties, changed
                    ),
                    self.retry_notice(undo, Operation.UPDATE),
                )
        except AtonixError as err:
            tainted = replace(now, status=ResourceStatus.TAINTED, updated_at=datetime.now(UTC))
            self.store.put_resource(self.key, tainted)
            self.failed(undo, Operation.UPDATE, err, call.elapsed_s, ident)
            raise
        restored = replace(
            prior,
            physical_id=result.physical_id or ident,
            status=prior.status,
            attributes={**prior.attributes, **result.attributes},
            updated_at=datetime.now(UTC),
        )
        self.store.put_resource(self.key, restored)
        self.restored.append(now.address)
        self.emit(
            EventKind.DONE,
            undo,
            Operation.UPDATE,
            elapsed_s=call.elapsed_s,
            physical_id=restored.physical_id,
        )

    def reinstate(self, undo: Undo, prior: ResourceState) -> None:
        """A state-only step: the object exists; state records it as it was before."""
        self.emit(EventKind.START, undo, Operation.RESTORE, physical_id=prior.physical_id)
        if undo.kind is UndoKind.REINSTATE and undo.deposed is not None:
            self.store.restore_deposed(self.key, prior, undo.deposed)
        else:
            self.store.put_resource(self.key, prior)
        self.restored.append(_who(prior))
        self.emit(EventKind.DONE, undo, Operation.RESTORE, physical_id=prior.physical_id)


def roll_back(
    undoer: Undoer,
    before: Mapping[str, ResourceState],
    work: RunWork,
    *,
    parallelism: int,
) -> RollbackOutcome:
    """Undo ``work`` (what the failed run started) against the state now in the store.

    Creates the run could not confirm (pending intents) are settled first, as the next plan
    would settle them: an object found by its token is then deleted like any other this run
    made; none found, the intent is dropped."""
    # Still unsure (the cloud does not answer): those intents are reported as not rolled
    # back, and the next plan settles them.
    with suppress(AtonixError):
        recover_intents(
            undoer.store,
            undoer.key,
            undoer.registry,
            undoer.identity(""),
            policy=undoer.policy,
            audit_project=undoer.audit_project,
        )
    after = {state_key_of(r): r for r in undoer.store.iter_resources(undoer.key)}
    undoer.plan = plan_rollback(before, after, work)
    undoer.planned = work.planned
    return undoer.run(parallelism)
