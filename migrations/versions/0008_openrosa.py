"""OpenRosa (ODK Collect, Enketo, Web Forms): the stored XForm of each published version, the submissions that
became visits (XML verbatim), and refused conflicting copies kept for a supervisor.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-05 10:51:47.149123
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "openrosa_xforms",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("version", sa.String(length=50), nullable=False),
        sa.Column("xform", sa.LargeBinary(), nullable=True),
        sa.Column("md5", sa.String(length=32), nullable=True),
        sa.Column("error", sa.String(length=500), nullable=True),
        sa.Column("generated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openrosa_xforms")),
        sa.UniqueConstraint("form_id", "version", name=op.f("uq_openrosa_xforms_form_id_version")),
    )
    op.create_table(
        "openrosa_conflicts",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        sa.Column("xml_sha256", sa.String(length=64), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("submitted_by", sa.Integer(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["submitted_by"], ["users.id"], name=op.f("fk_openrosa_conflicts_submitted_by_users")),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_openrosa_conflicts_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_openrosa_conflicts")),
    )
    with op.batch_alter_table("openrosa_conflicts", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_openrosa_conflicts_visit_id"), ["visit_id"], unique=False)

    op.create_table(
        "openrosa_submissions",
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("instance_id", sa.String(length=200), nullable=False),
        sa.Column("xml_sha256", sa.String(length=64), nullable=False),
        sa.Column("xml", sa.LargeBinary(), nullable=False),
        sa.Column("device_id", sa.String(length=100), nullable=True),
        sa.Column("user_agent", sa.String(length=300), nullable=True),
        sa.Column(
            "problems", sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"), nullable=True
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_openrosa_submissions_visit_id_visits")),
        sa.PrimaryKeyConstraint("visit_id", name=op.f("pk_openrosa_submissions")),
        sa.UniqueConstraint("form_id", "instance_id", name=op.f("uq_openrosa_submissions_form_id_instance_id")),
    )


def downgrade() -> None:
    op.drop_table("openrosa_submissions")
    with op.batch_alter_table("openrosa_conflicts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_openrosa_conflicts_visit_id"))

    op.drop_table("openrosa_conflicts")
    op.drop_table("openrosa_xforms")
