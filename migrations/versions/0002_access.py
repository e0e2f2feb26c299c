"""Access: households remember their creation content hash (idempotent creation); access log by object;
the households change counter exists from the start.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-30
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.add_column(sa.Column("create_hash", sa.String(length=64), nullable=True))
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_access_log_object_type_object_id_at"), ["object_type", "object_id", "at"], unique=False
        )
    op.execute(
        "INSERT INTO change_counters (name, value) "
        "SELECT 'households', COALESCE(MAX(change_seq), 0) FROM households "
        "WHERE NOT EXISTS (SELECT 1 FROM change_counters WHERE name = 'households')"
    )


def downgrade() -> None:
    with op.batch_alter_table("access_log", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_access_log_object_type_object_id_at"))
    with op.batch_alter_table("households", schema=None) as batch_op:
        batch_op.drop_column("create_hash")
