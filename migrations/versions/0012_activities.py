"""The team-activity log (training classes, conferences, communication, wifi points, e-commerce onboarding,
one-stop office help) and the report's edited paragraphs, kept per area and period with who and when.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
_JSON = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "activities",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("held_on", sa.Date(), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("area_path", sa.String(length=400), nullable=False),
        sa.Column("team_id", sa.Integer(), nullable=True),
        sa.Column("place", sa.String(length=300), nullable=True),
        sa.Column("partner", sa.String(length=200), nullable=True),
        sa.Column("topic", sa.String(length=300), nullable=True),
        sa.Column("attendees", sa.Integer(), nullable=True),
        sa.Column("channel", sa.String(length=30), nullable=True),
        sa.Column("quantity", sa.Integer(), nullable=True),
        sa.Column("lat", sa.Float(), nullable=True),
        sa.Column("lon", sa.Float(), nullable=True),
        sa.Column("beneficiary_kind", sa.String(length=30), nullable=True),
        sa.Column("beneficiary", sa.String(length=200), nullable=True),
        sa.Column("platform", sa.String(length=100), nullable=True),
        sa.Column("product", sa.String(length=200), nullable=True),
        sa.Column("services", _JSON, nullable=True),
        sa.Column("people_helped", sa.Integer(), nullable=True),
        sa.Column("note", sa.String(length=1000), nullable=True),
        sa.Column("payload_hash", sa.String(length=64), nullable=False),
        sa.Column("recorded_by", sa.Integer(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_by", sa.Integer(), nullable=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_activities_area_id_areas")),
        sa.ForeignKeyConstraint(["team_id"], ["teams.id"], name=op.f("fk_activities_team_id_teams")),
        sa.ForeignKeyConstraint(["recorded_by"], ["users.id"], name=op.f("fk_activities_recorded_by_users")),
        sa.ForeignKeyConstraint(["updated_by"], ["users.id"], name=op.f("fk_activities_updated_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_activities")),
    )
    with op.batch_alter_table("activities", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_activities_area_path_held_on"), ["area_path", "held_on"], unique=False)
        batch_op.create_index(batch_op.f("ix_activities_kind_held_on"), ["kind", "held_on"], unique=False)
    op.create_table(
        "report_narratives",
        sa.Column("id", _BIGINT_ID, nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("period", sa.String(length=30), nullable=False),
        sa.Column("section", sa.String(length=30), nullable=False),
        sa.Column("text", sa.String(length=8000), nullable=False),
        sa.Column("figures", _JSON, nullable=False),
        sa.Column("edited_by", sa.Integer(), nullable=False),
        sa.Column("edited_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["area_id"], ["areas.id"], name=op.f("fk_report_narratives_area_id_areas")),
        sa.ForeignKeyConstraint(["edited_by"], ["users.id"], name=op.f("fk_report_narratives_edited_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_report_narratives")),
    )
    with op.batch_alter_table("report_narratives", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_report_narratives_area_id_period_section_id"),
            ["area_id", "period", "section", "id"],
            unique=False,
        )


def downgrade() -> None:
    op.drop_table("report_narratives")
    op.drop_table("activities")
