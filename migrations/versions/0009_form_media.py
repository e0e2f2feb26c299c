"""Form media (the CSV files of a form version) and the XLSForm each version was published from.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "form_media",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("form_version_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=100), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_version_id"], ["form_versions.id"], name=op.f("fk_form_media_form_version_id_form_versions")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_form_media_uploaded_by_users")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_form_media")),
        sa.UniqueConstraint("form_version_id", "name", name=op.f("uq_form_media_form_version_id_name")),
    )
    with op.batch_alter_table("form_media", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_form_media_form_version_id"), ["form_version_id"], unique=False)
    op.create_table(
        "form_sources",
        sa.Column("form_version_id", BIG_ID, nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("md5", sa.String(length=32), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("uploaded_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("uploaded_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["form_version_id"], ["form_versions.id"], name=op.f("fk_form_sources_form_version_id_form_versions")
        ),
        sa.ForeignKeyConstraint(["uploaded_by"], ["users.id"], name=op.f("fk_form_sources_uploaded_by_users")),
        sa.PrimaryKeyConstraint("form_version_id", name=op.f("pk_form_sources")),
    )


def downgrade() -> None:
    op.drop_table("form_sources")
    with op.batch_alter_table("form_media", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_form_media_form_version_id"))
    op.drop_table("form_media")
