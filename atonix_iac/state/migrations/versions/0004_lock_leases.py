"""Locks heal themselves: a lease the holder renews, and which process the holder was.

Existing lock rows keep NULL in the new columns: such a row (its holder ran an older atonix,
which neither renews a lease nor holds an advisory lock) is never taken over automatically,
only by ``atonix state force-unlock``.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision: str | None = "0003"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        batch.add_column(sa.Column("lease_expires", sa.DateTime(), nullable=True))
        batch.add_column(sa.Column("pid_scope", sa.String(128), nullable=True))
        batch.add_column(sa.Column("pid_started", sa.BigInteger(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("locks") as batch:
        batch.drop_column("pid_started")
        batch.drop_column("pid_scope")
        batch.drop_column("lease_expires")
