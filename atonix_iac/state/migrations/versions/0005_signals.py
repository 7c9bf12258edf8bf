"""Signals: the inbox wait condition handles read (``atonix signal``, the apply's receiver).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.create_table(
        "signals",
        sa.Column("id", sa.Integer(), primary_key=True, autoincrement=True),
        sa.Column("workspace", sa.String(255), nullable=False),
        sa.Column("environment", sa.String(255), nullable=False),
        sa.Column("stack", sa.String(255), nullable=False),
        sa.Column("address", sa.String(1024), nullable=False),
        sa.Column("handle_id", sa.String(255), nullable=False),
        sa.Column("signal_id", sa.String(255), nullable=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("payload", sa.Text(), nullable=False),
        sa.Column("source", sa.String(64), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
    )
    op.create_index(
        "ix_signals_handle", "signals", ["workspace", "environment", "stack", "handle_id"]
    )


def downgrade() -> None:
    op.drop_index("ix_signals_handle", table_name="signals")
    op.drop_table("signals")
