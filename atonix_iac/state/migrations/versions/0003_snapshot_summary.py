"""Snapshots say what they hold: lineage and resource count, for ``atonix state history``.

Existing snapshot rows keep NULL in both; readers then look inside the document. Bodies
written from now on are zlib-compressed (``z1:`` + base64) and still sealed whole when the
state holds a secret; older plain-JSON bodies stay readable.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-06
"""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


_OLD_COLUMNS = "id, stack_id, serial, operation, who, created_at, body, sealed"


def _snapshots_table(name: str, *, summary: bool) -> None:
    columns: list[sa.Column[Any]] = [
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column(
            "stack_id",
            sa.Integer(),
            sa.ForeignKey("stacks.id", ondelete="CASCADE"),
            nullable=False,
        ),
        sa.Column("serial", sa.Integer(), nullable=False),
        sa.Column("operation", sa.String(255), nullable=False),
        sa.Column("who", sa.String(255), nullable=False),
        sa.Column("created_at", sa.DateTime(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("sealed", sa.Boolean(), nullable=False),
    ]
    if summary:
        columns += [
            sa.Column("lineage", sa.String(36), nullable=True),
            sa.Column("resources", sa.Integer(), nullable=True),
        ]
    op.create_table(name, *columns)


def _rebuild_on_sqlite(*, summary: bool) -> None:
    """SQLite: a new table written exactly as a fresh database writes it (ALTER TABLE would
    leave another CREATE statement in sqlite_master), the rows copied over."""
    op.drop_index("ix_state_snapshots_stack_serial", table_name="state_snapshots")
    op.rename_table("state_snapshots", "state_snapshots_old")
    _snapshots_table("state_snapshots", summary=summary)
    op.execute(
        f"INSERT INTO state_snapshots ({_OLD_COLUMNS}) SELECT {_OLD_COLUMNS} FROM state_snapshots_old"
    )
    op.drop_table("state_snapshots_old")
    op.create_index("ix_state_snapshots_stack_serial", "state_snapshots", ["stack_id", "serial"])


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(summary=True)
        return
    op.add_column("state_snapshots", sa.Column("lineage", sa.String(36), nullable=True))
    op.add_column("state_snapshots", sa.Column("resources", sa.Integer(), nullable=True))


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        _rebuild_on_sqlite(summary=False)
        return
    op.drop_column("state_snapshots", "resources")
    op.drop_column("state_snapshots", "lineage")
