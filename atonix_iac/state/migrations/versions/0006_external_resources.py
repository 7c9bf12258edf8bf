"""Resources remember whether they were adopted through the template's ``external_id``:
such an object is read, never updated or deleted, and destroying the stack only forgets it.

Existing rows are resources atonix created: ``external`` is false for them.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision: str | None = "0005"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.add_column(
            sa.Column("external", sa.Boolean(), nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("resources") as batch:
        batch.drop_column("external")
