"""The StateStore protocol: how apply persists every result the moment it completes."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import AbstractContextManager
from datetime import datetime
from typing import Any, Protocol

from atonix_iac.state.model import (
    AuditRecord,
    LockInfo,
    ResourceState,
    ResourceWrite,
    StackKey,
    State,
    StateVersion,
)


class PendingWrite(Protocol):
    """A ``put_resource_soon`` record."""

    def wait(self) -> int:
        """Its serial once committed (waiting for the commit if need be); raises what
        committing it raised."""


class StateStore(Protocol):
    """Every method but ``put_resource_soon`` commits its own transaction before returning."""

    def load(self, key: StackKey) -> State:
        """The stack's current state (an empty State, lineage None, if never written)."""

    def lock(
        self, key: StackKey, operation: str, timeout_s: float = 0.0
    ) -> AbstractContextManager[LockInfo]:
        """Hold the stack's lock; StateLockedError naming holder and since when if a live run
        holds it. A dead holder's lock is taken over, with a warning naming it."""

    def write_intent(self, key: StackKey, resource: ResourceState) -> int:
        """Record, before a create call, that ``resource`` is about to be created (status
        PENDING_CREATE) so that a run killed mid-call leaves a trace. Bumps serial."""

    def put_resource(
        self, key: StackKey, resource: ResourceState, audit: AuditRecord | None = None
    ) -> int:
        """Insert or replace one resource (keyed by address and deposed), with ``audit`` (the
        record of the call that produced it) in the same transaction. Returns new serial."""

    def put_resource_soon(self, key: StackKey, resource: ResourceState) -> PendingWrite:
        """``put_resource``, returning before the commit: the record is committed within a
        commit or two, before any later write of the store, whether or not anyone waits.
        For a record the caller need not hold its work up for (an object's id, recorded
        between its create call and its readiness); ``wait()`` on it before relying on it."""

    def remove_resource(
        self,
        key: StackKey,
        address: str,
        deposed: str | None = None,
        audit: AuditRecord | None = None,
    ) -> int:
        """Forget one resource (with ``audit`` in the same transaction). Returns new serial."""

    def commit_writes(self, key: StackKey, writes: Sequence[ResourceWrite]) -> list[int]:
        """``put_resource`` / ``remove_resource`` of several resources in one transaction,
        in order: each bumps the serial by one (its own history row); all or none commit.
        Returns each write's serial."""

    def restore_deposed(self, key: StackKey, resource: ResourceState, deposed: str) -> int:
        """Atomically make deposed object ``deposed`` of ``resource.address`` current again,
        recorded as ``resource``; any current record of the address is dropped."""

    def set_outputs(
        self,
        key: StackKey,
        outputs: dict[str, Any],
        sensitive: frozenset[str],
        parameters: dict[str, Any],
        template_digest: str | None,
        *,
        sensitive_parameters: frozenset[str] = frozenset(),
    ) -> int:
        """Replace the outputs and the record of the last apply's inputs; values named in
        ``sensitive`` (outputs) and ``sensitive_parameters`` are encrypted at rest."""

    def record_audit(self, record: AuditRecord) -> None: ...

    def audit(
        self, key: StackKey | None = None, since: datetime | None = None
    ) -> Sequence[AuditRecord]: ...

    def history(self, key: StackKey) -> Sequence[StateVersion]: ...

    def list_stacks(self) -> Sequence[StackKey]: ...

    def delete_stack(self, key: StackKey) -> None:
        """Drop a stack whose resources are all gone."""

    def iter_resources(self, key: StackKey) -> Iterator[ResourceState]: ...

    def close(self) -> None: ...
