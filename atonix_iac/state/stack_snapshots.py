"""The stack service's stack snapshots: per Heat stack, what it was given at a moment (template,
environment, files, parameters), its resources' ids and the state serial kept then.

A snapshot is written IN_PROGRESS by the API and completed by the job that takes it under the
stack's lock; a restore reads it back. The body is sealed with the state's key.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select, update

from atonix_iac.state.database import StateDatabase
from atonix_iac.state.schema import ServiceSnapshotRow, utcnow
from atonix_iac.state.secrets import SecretBox


@dataclass(frozen=True, slots=True)
class SnapshotRecord:
    id: str
    project_id: str
    stack_id: str
    name: str | None
    action: str
    status: str
    status_reason: str
    # {"template", "environment", "files", "parameters", "resources", "state_serial"}
    body: dict[str, Any]
    created_at: datetime


class StackSnapshots:
    """Reads and writes ``service_snapshots``, each call one short transaction."""

    def __init__(self, db: StateDatabase, box: SecretBox) -> None:
        self._db = db
        self._box = box

    def add(self, record: SnapshotRecord) -> None:
        with self._db.writing() as session:
            session.add(
                ServiceSnapshotRow(
                    id=record.id,
                    project_id=record.project_id,
                    stack_id=record.stack_id,
                    name=record.name,
                    action=record.action,
                    status=record.status,
                    status_reason=record.status_reason,
                    body=self._box.seal(record.body),
                    created_at=record.created_at,
                    updated_at=None,
                )
            )

    def finish(self, snapshot_id: str, status: str, reason: str, body: dict[str, Any]) -> None:
        with self._db.writing() as session:
            session.execute(
                update(ServiceSnapshotRow)
                .where(ServiceSnapshotRow.id == snapshot_id)
                .values(
                    status=status,
                    status_reason=reason,
                    body=self._box.seal(body),
                    updated_at=utcnow(),
                )
            )

    def get(self, stack_id: str, snapshot_id: str) -> SnapshotRecord | None:
        with self._db.reading() as session:
            row = session.scalar(
                select(ServiceSnapshotRow).where(
                    ServiceSnapshotRow.stack_id == stack_id, ServiceSnapshotRow.id == snapshot_id
                )
            )
            return None if row is None else self._record(row)

    def list(self, stack_id: str) -> list[SnapshotRecord]:
        with self._db.reading() as session:
            rows = session.scalars(
                select(ServiceSnapshotRow)
                .where(ServiceSnapshotRow.stack_id == stack_id)
                .order_by(ServiceSnapshotRow.created_at, ServiceSnapshotRow.id)
            )
            return [self._record(row) for row in rows]

    def count(self, stack_id: str) -> int:
        return len(self.list(stack_id))

    def remove(self, stack_id: str, snapshot_id: str | None = None) -> int:
        """Delete one snapshot of the stack, or (``snapshot_id`` None) all of them."""
        stmt = delete(ServiceSnapshotRow).where(ServiceSnapshotRow.stack_id == stack_id)
        if snapshot_id is not None:
            stmt = stmt.where(ServiceSnapshotRow.id == snapshot_id)
        with self._db.writing() as session:
            result = session.execute(stmt)
            return int(getattr(result, "rowcount", 0) or 0)

    def _record(self, row: ServiceSnapshotRow) -> SnapshotRecord:
        body = self._box.open(row.body, f"snapshot {row.id}")
        return SnapshotRecord(
            row.id,
            row.project_id,
            row.stack_id,
            row.name,
            row.action,
            row.status,
            row.status_reason,
            dict(body),
            row.created_at,
        )
