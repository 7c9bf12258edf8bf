"""Locks heal themselves: a lease the holder renews, and which process the holder was.

The locks table is rebuilt rather than altered, so that its definition reads exactly as a
database created from the models (SQLite keeps the text of ALTER TABLE ADD COLUMN verbatim).
Its rows are copied over with NULL in the new columns: such a row (its holder ran an older
atonix) is never taken over automatically, only by ``atonix state force-unlock``.

Revision ID: 0002
Revises: 0001
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None

_KEPT = ("workspace", "environment", "stack", "lock_id", "who", "host", "pid", "operation", "since")


def _columns() -> list[sa.Column[Any]]:
    return [
        sa.Column("workspace", sa.String(255), primary_key=True),
        sa.Column("environment", sa.String(255), primary_key=True),
        sa.Column("stack", sa.String(255), primary_key=True),
        sa.Column("lock_id", sa.String(36), nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(64), nullable=False),
        sa.Column("since", sa.DateTime(), nullable=False),
    ]


def _rebuild(columns: list[sa.Column[Any]]) -> None:
    """Recreate locks with ``columns``, its rows copied in SQL (values untouched by Python)."""
    op.execute("CREATE TABLE atonix_locks_copy AS SELECT * FROM locks")
    op.drop_table("locks")
    table = op.create_table("locks", *columns)
    copy = sa.table("atonix_locks_copy", *(sa.column(name) for name in _KEPT))
    op.execute(sa.insert(table).from_select(list(_KEPT), sa.select(*copy.c)))
    op.drop_table("atonix_locks_copy")


def upgrade() -> None:
    _rebuild(
        _columns()
        + [
            sa.Column("lease_expires", sa.DateTime(), nullable=True),
            sa.Column("pid_scope", sa.String(128), nullable=True),
            sa.Column("pid_started", sa.BigInteger(), nullable=True),
        ]
    )


def downgrade() -> None:
    _rebuild(_columns())
