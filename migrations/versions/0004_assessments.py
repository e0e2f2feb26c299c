"""Assessments: each household's current level and rubric indicators per assessment form; a partial index
on visits made on a member's behalf (members active in a period).

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "assessments",
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.String(length=50), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column(
            "indicators", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=False
        ),
        sa.Column("indicator_bits", sa.BigInteger(), nullable=False),
        sa.Column("assessed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("assessed_by", sa.Integer(), nullable=False),
        sa.Column("review_status", sa.String(length=20), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("elderly_only", sa.Boolean(), nullable=False),
        sa.Column("temporary_resident", sa.Boolean(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_assessments_area_id_areas")),
        sa.ForeignKeyConstraint(["assessed_by"], ["users.id"], name=op.f("fk_assessments_assessed_by_users")),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_assessments_household_id_households")
        ),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_assessments_visit_id_visits")),
        sa.PrimaryKeyConstraint("household_id", "form_id", name=op.f("pk_assessments")),
    )
    with op.batch_alter_table("assessments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_assessments_visit_id"), ["visit_id"], unique=False)
        batch_op.create_index(
            batch_op.f("ix_assessments_form_id_household_id"), ["form_id", "household_id"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_assessments_form_id_area_id"), ["form_id", "area_id"], unique=False)
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.create_index(
            "ix_visits_on_behalf_of_finished_at",
            ["on_behalf_of", "finished_at"],
            unique=False,
            postgresql_where=sa.text("on_behalf_of IS NOT NULL"),
            sqlite_where=sa.text("on_behalf_of IS NOT NULL"),
        )


def downgrade() -> None:
    with op.batch_alter_table("visits", schema=None) as batch_op:
        batch_op.drop_index("ix_visits_on_behalf_of_finished_at")
    op.drop_table("assessments")
