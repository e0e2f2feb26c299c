"""The files of audio, video and file questions, one per question of a visit, stored as they came.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "visit_attachments",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("visit_id", sa.Uuid(), nullable=False),
        sa.Column("question", sa.String(length=100), nullable=False),
        sa.Column("kind", sa.String(length=10), nullable=False),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("object_key", sa.String(length=200), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size_bytes", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["visit_id"], ["visits.id"], name=op.f("fk_visit_attachments_visit_id_visits")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_attachments")),
        sa.UniqueConstraint("visit_id", "question", name=op.f("uq_visit_attachments_visit_id_question")),
    )
    with op.batch_alter_table("visit_attachments", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_visit_attachments_sha256"), ["sha256"], unique=False)
        batch_op.create_index(batch_op.f("ix_visit_attachments_visit_id"), ["visit_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("visit_attachments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_attachments_visit_id"))
        batch_op.drop_index(batch_op.f("ix_visit_attachments_sha256"))
    op.drop_table("visit_attachments")
