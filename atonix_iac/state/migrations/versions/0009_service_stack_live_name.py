"""One live service stack per (project, name): a partial unique index over the live rows.

The service checks the name before it inserts; two creates racing on PostgreSQL could both
pass that check. The index makes the second insert fail, and the service answers it with
Heat's 409 (StackExists). Deleted stacks (and plan proposals, stored deleted) are not live.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

LIVE = sa.text("deleted_at IS NULL")


def upgrade() -> None:
    op.create_index(
        "uq_service_stacks_live_name",
        "service_stacks",
        ["project_id", "name"],
        unique=True,
        sqlite_where=LIVE,
        postgresql_where=LIVE,
    )


def downgrade() -> None:
    op.drop_index("uq_service_stacks_live_name", table_name="service_stacks")
