"""A visit names the earlier visit it returns to (a return visit after "Cần quay lại hỗ trợ thêm?").

Revision ID: 0011
Revises: 0009
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


# Never a table rebuild (batch mode's copy-and-rename on SQLite): since 0007 triggers on other tables name
# `visits`, and SQLite refuses to rename a table over them. Both engines add and drop a column in place
# (SQLite 3.35+).


def upgrade() -> None:
    op.add_column("visits", sa.Column("revisit_of", sa.Uuid(), nullable=True))
    op.create_index(op.f("ix_visits_revisit_of"), "visits", ["revisit_of"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_visits_revisit_of"), table_name="visits")
    op.drop_column("visits", "revisit_of")
