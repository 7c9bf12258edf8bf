"""The signal inbox's rows: appended by whoever receives a signal, read by the waiting apply.

No stack lock and no serial bump: a signal arrives while an apply holds the lock, and it
changes no resource (the wait condition records what it read when it completes).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import delete, select

from atonix_iac.state.database import StateDatabase
from atonix_iac.state.model import SignalRecord, StackKey
from atonix_iac.state.schema import SignalRow, utcnow
from atonix_iac.state.secrets import SecretBox


def _of_stack(key: StackKey) -> tuple[Any, ...]:
    return (
        SignalRow.workspace == key.workspace,
        SignalRow.environment == key.environment,
        SignalRow.stack == key.stack,
    )


def add_signal(db: StateDatabase, box: SecretBox, record: SignalRecord) -> None:
    with db.writing() as session:
        session.add(
            SignalRow(
                workspace=record.key.workspace,
                environment=record.key.environment,
                stack=record.key.stack,
                address=record.address,
                handle_id=record.handle_id,
                signal_id=record.signal_id,
                status=record.status,
                payload=box.seal({"reason": record.reason, "data": record.data}),
                source=record.source,
                received_at=record.received_at or utcnow(),
            )
        )


def read_signals(
    db: StateDatabase, box: SecretBox, key: StackKey, handle_id: str
) -> Sequence[SignalRecord]:
    """The handle's signals in the order they arrived."""
    query = (
        select(SignalRow)
        .where(*_of_stack(key), SignalRow.handle_id == handle_id)
        .order_by(SignalRow.id)
    )
    with db.reading() as session:
        rows = session.scalars(query).all()
    records = []
    for row in rows:
        payload = box.open(row.payload, f"a signal to {row.address}")
        records.append(
            SignalRecord(
                key=key,
                address=row.address,
                handle_id=row.handle_id,
                status=row.status,
                signal_id=row.signal_id,
                reason=payload.get("reason"),
                data=payload.get("data"),
                source=row.source,
                received_at=row.received_at,
            )
        )
    return records


def forget_signals(db: StateDatabase, key: StackKey, handle_id: str) -> None:
    with db.writing() as session:
        session.execute(delete(SignalRow).where(*_of_stack(key), SignalRow.handle_id == handle_id))
