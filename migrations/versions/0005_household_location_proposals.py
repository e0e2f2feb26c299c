"""Household location proposals: a field member's change of a household's location waits for a supervisor.

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_BIGINT_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "household_location_proposals",
        sa.Column("id", _BIGINT_ID, nullable=False),
        sa.Column("household_id", sa.Uuid(), nullable=False),
        sa.Column("area_path", sa.String(length=400), nullable=False),
        sa.Column("lat", sa.Float(), nullable=False),
        sa.Column("lon", sa.Float(), nullable=False),
        sa.Column("previous_lat", sa.Float(), nullable=True),
        sa.Column("previous_lon", sa.Float(), nullable=True),
        sa.Column("distance_m", sa.Float(), nullable=True),
        sa.Column("proposed_by", sa.Integer(), nullable=False),
        sa.Column("proposed_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=20), nullable=False),
        sa.Column("decided_by", sa.Integer(), nullable=True),
        sa.Column("decided_at", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["decided_by"], ["users.id"], name=op.f("fk_household_location_proposals_decided_by_users")
        ),
        sa.ForeignKeyConstraint(
            ["household_id"], ["households.id"], name=op.f("fk_household_location_proposals_household_id_households")
        ),
        sa.ForeignKeyConstraint(
            ["proposed_by"], ["users.id"], name=op.f("fk_household_location_proposals_proposed_by_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_household_location_proposals")),
    )
    with op.batch_alter_table("household_location_proposals", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_household_location_proposals_household_id_status"), ["household_id", "status"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_household_location_proposals_status_id"), ["status", "id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("household_location_proposals", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_household_location_proposals_status_id"))
        batch_op.drop_index(batch_op.f("ix_household_location_proposals_household_id_status"))
    op.drop_table("household_location_proposals")
