"""State surgery the CLI offers (``state rm | mv | push | rollback | force-unlock``) and the
history it reads (``state history | show -serial | diff``), kept beside apply so that one
layer owns every state write.

Every change is made under the stack lock, recorded in the audit log (``state-rm``,
``state-mv``, ``state-push``, ``state-rollback``) and kept whole as a snapshot, so the state
after it can be shown and rolled back to.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from atonix_iac.apply.audit import record_event
from atonix_iac.errors import StateError
from atonix_iac.state.history import HistoryEntry, StateDiff, diff_states, runs
from atonix_iac.state.model import (
    LockInfo,
    SnapshotInfo,
    StackKey,
    State,
    StateVersion,
)
from atonix_iac.state.store import StateStore


class AdministeredStore(StateStore, Protocol):
    def move_resource(self, key: StackKey, source: str, destination: str) -> int: ...

    def import_state(
        self,
        key: StackKey,
        document: dict[str, Any],
        *,
        force: bool = False,
        operation: str = "import",
    ) -> int: ...

    def force_unlock(self, key: StackKey, lock_id: str) -> LockInfo: ...

    def snapshot(self, key: StackKey, operation: str) -> int: ...

    def snapshots(self, key: StackKey) -> Sequence[SnapshotInfo]: ...

    def read_snapshot(self, key: StackKey, serial: int) -> dict[str, Any]: ...

    def state_at(self, key: StackKey, serial: int) -> State: ...

    def history(self, key: StackKey, *, after: int | None = None) -> Sequence[StateVersion]: ...


def forget_resource(store: AdministeredStore, key: StackKey, address: str) -> int:
    """Drop ``address`` (and its deposed objects) from state; the cloud object stays."""
    with store.lock(key, "state rm"):
        targets = [r for r in store.iter_resources(key) if r.address == address]
        serial = 0
        for resource in sorted(targets, key=lambda r: r.deposed or ""):
            serial = store.remove_resource(key, resource.address, resource.deposed)
            record_event(
                store,
                key,
                "state-rm",
                address=resource.address,
                type_name=resource.type,
                physical_id=resource.physical_id,
                message="removed from state; the object stays"
                + (f" (deposed {resource.deposed})" if resource.deposed else ""),
            )
        if not targets:
            # Let the store raise its "no such resource, did you mean" error.
            serial = store.remove_resource(key, address)
        store.snapshot(key, "state rm")
        return serial


def move_resource(store: AdministeredStore, key: StackKey, source: str, destination: str) -> int:
    with store.lock(key, "state mv"):
        moved = [r for r in store.iter_resources(key) if r.address == source]
        serial = store.move_resource(key, source, destination)
        record_event(
            store,
            key,
            "state-mv",
            address=source,
            type_name=moved[0].type if moved else "",
            physical_id=moved[0].physical_id if moved else None,
            message=f"moved to {destination}",
        )
        store.snapshot(key, "state mv")
        return serial


def push_state(
    store: AdministeredStore, key: StackKey, document: dict[str, Any], *, force: bool
) -> int:
    with store.lock(key, "state push"):
        before = store.load(key)
        serial = store.import_state(key, document, force=force, operation="push")
        after = store.load(key)
        record_event(
            store,
            key,
            "state-push",
            message=f"state replaced by a pushed document: serial {before.serial} -> {serial},"
            f" {len(after.resources)} resource(s)" + (" (forced)" if force else ""),
        )
        store.snapshot(key, "state push")
        return serial


@dataclass(frozen=True, slots=True)
class Rollback:
    serial: int  # the new serial, holding the content of ``target``
    target: int
    diff: StateDiff  # from the state before the rollback to the state after it


def rollback_state(store: AdministeredStore, key: StackKey, target: int) -> Rollback:
    """Write a new serial whose content is the state kept at serial ``target`` (of the
    stack's current lineage); refused when that serial is not kept."""
    with store.lock(key, "state rollback"):
        current = store.load(key)
        if not current.exists:
            raise StateError(f"no state for {key}")
        if target == current.serial:
            raise StateError(f"serial {target} is the current state of {key}: nothing to roll back")
        wanted = store.state_at(key, target)
        if wanted.lineage != current.lineage:
            raise StateError(
                f"serial {target} of {key} belongs to lineage {wanted.lineage}, but the state"
                f" is lineage {current.lineage} now (a forced push replaced it); refusing to"
                " roll back across lineages"
            )
        diff = diff_states(current, wanted)
        document = store.read_snapshot(key, target)
        serial = store.import_state(key, document, force=True, operation=f"rollback to {target}")
        counts = diff.counts()
        record_event(
            store,
            key,
            "state-rollback",
            message=f"rolled back to serial {target} as serial {serial}:"
            f" {counts['added']} added, {counts['changed']} changed,"
            f" {counts['removed']} removed",
        )
        store.snapshot(key, f"state rollback to {target}")
        return Rollback(serial, target, diff)


def history(store: AdministeredStore, key: StackKey) -> list[HistoryEntry]:
    """The stack's history, one entry per run or state command (see ``state.history.runs``)."""
    snapshots = store.snapshots(key)
    last_kept = snapshots[-1].serial if snapshots else None
    return runs(snapshots, store.history(key, after=last_kept))


def every_serial(store: AdministeredStore, key: StackKey) -> list[StateVersion]:
    """Each committed write of the stack, oldest first."""
    return list(store.history(key))


def kept_serials(store: AdministeredStore, key: StackKey) -> set[int]:
    return {s.serial for s in store.snapshots(key)} | {store.load(key).serial}


def diff_serials(
    store: AdministeredStore, key: StackKey, first: int, second: int | None
) -> StateDiff:
    """What changed from serial ``first`` to ``second`` (None: the current state)."""
    before = store.state_at(key, first)
    after = store.load(key) if second is None else store.state_at(key, second)
    return diff_states(before, after)


def keep_snapshot(store: AdministeredStore, key: StackKey, command: str) -> None:
    """Keep the state whole at the end of ``command`` (import, refresh), if there is one."""
    if store.load(key).exists:
        store.snapshot(key, command)


def force_unlock(store: AdministeredStore, key: StackKey, lock_id: str) -> LockInfo:
    return store.force_unlock(key, lock_id)
