"""Review history: every decision on a visit (who, when, decision, comment); a visit may name the visit it
corrects.

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_reviews",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("reviewer_id", sa.Integer(), nullable=False),
        sa.Column("at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decision", sa.String(length=20), nullable=False),
        sa.Column("comment", sa.String(length=1000), nullable=True),
        sa.ForeignKeyConstraint(["reviewer_id"], ["users.id"], name=op.f("fk_visit_reviews_reviewer_id_users")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_visit_reviews_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_reviews")),
    )
    with op.batch_alter_table("visit_reviews", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_reviews_visit_id_at"), ["visit_id", "at"], unique=False)
    # Decisions made before the history existed become its first entries.
    op.execute(
        "INSERT INTO visit_reviews (visit_id, reviewer_id, at, decision, comment) "
        "SELECT id, reviewed_by, reviewed_at, review_status, review_note FROM visits "
        "WHERE review_status <> 'pending' AND reviewed_by IS NOT NULL AND reviewed_at IS NOT NULL"
    )
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.add_column(sa.Column("corrects", sa.Uuid(), nullable=True))
        batch_op.create_index(batch_op.f("ix_visits_corrects"), ["corrects"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_visits_submitted_by_received_at"), ["submitted_by", "received_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visits_submitted_by_received_at"))
        batch_op.drop_index(batch_op.f("ix_visits_corrects"))
        batch_op.drop_column("corrects")
    with op.batch_alter_table("visit_reviews", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_reviews_visit_id_at"))
    op.drop_table("visit_reviews")
