"""A visit names the earlier visit it returns to (a return visit after "Cần quay lại hỗ trợ thêm?").

Revision ID: 0011
Revises: 0007
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("visits") as batch_op:
        batch_op.add_column(sa.Column("revisit_of", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visits_revisit_of"), ["revisit_of"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visits") as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_revisit_of"))
        batch_op.drop_column("revisit_of")
