"""Taking a stack snapshot, in the job that holds the stack's lock.

What a snapshot captures: the template, environment, files and parameters the stack had (kept
when the snapshot was asked for), each resource's type and physical id, and the serial of the
state kept whole at that moment (``atonix state show -serial``). It captures no contents: no
volume backup, no server image (no resource type here implements Heat's ``handle_snapshot``).
A restore therefore converges the stack to those documents again: resources added since are
deleted, resources removed or changed since are created or updated back; a resource whose
object was deleted in the cloud is created anew, empty.
"""

from __future__ import annotations

from typing import Any

from atonix_iac.errors import AtonixError, StateError
from atonix_iac.state.records import StackRecord
from atonix_iac.state.sql import SqlStateStore


def take_snapshot(store: SqlStateStore, record: StackRecord, snapshot_id: str) -> None:
    """Complete the snapshot the API recorded IN_PROGRESS (the caller holds the lock); on a
    failure it is marked FAILED and the error raised on."""
    snapshots = store.stack_snapshots()
    found = snapshots.get(record.id, snapshot_id)
    if found is None:
        raise StateError(f"snapshot {snapshot_id} of stack {record.name} no longer exists")
    try:
        state = store.load(record.key)
        serial = (
            store.snapshot(record.key, f"stack snapshot {snapshot_id}") if state.exists else None
        )
        resources: dict[str, Any] = {
            r.address: {
                "name": r.address,
                "type": r.type,
                "resource_id": r.physical_id,
                "action": "CREATE",
                "status": "COMPLETE",
                "metadata": {},
                "resource_data": {},
            }
            for r in store.iter_resources(record.key)
            if r.deposed is None
        }
    except AtonixError as err:
        snapshots.finish(snapshot_id, "FAILED", err.message, found.body)
        raise
    body = {**found.body, "resources": resources, "state_serial": serial}
    snapshots.finish(snapshot_id, "COMPLETE", "Stack SNAPSHOT completed successfully", body)
