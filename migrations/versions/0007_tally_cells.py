"""Tally cells: each village's tally GROUP BY results, and the villages whose cells are out of date, marked by
triggers on households, assessments, visits and visit_flags. Every village starts out of date, so the first
tally builds the cells.

PostgreSQL: statement-level triggers with transition tables (one row per village a statement touched);
SQLite, which has no statement-level triggers: row-level ones (its writes are serialized anyway).

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-01
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Tables whose rows carry their village in area_id, and visit_flags, which finds it through its visit.
WITH_AREA = ("households", "assessments", "visits")
EVENTS = ("insert", "update", "delete")

PG_FUNCTIONS = {
    # (function, the village ids of the changed rows)
    "tally_dirty_new": "SELECT area_id FROM new_rows",
    "tally_dirty_old": "SELECT area_id FROM old_rows",
    "tally_dirty_both": "SELECT area_id FROM new_rows UNION SELECT area_id FROM old_rows",
    "tally_dirty_flags_new": "SELECT v.area_id FROM new_rows f JOIN visits v ON v.id = f.visit_id",
    "tally_dirty_flags_old": "SELECT v.area_id FROM old_rows f JOIN visits v ON v.id = f.visit_id",
    "tally_dirty_flags_both": (
        "SELECT v.area_id FROM (SELECT visit_id FROM new_rows UNION SELECT visit_id FROM old_rows) f "
        "JOIN visits v ON v.id = f.visit_id"
    ),
}
PG_REFERENCING = {
    "insert": ("REFERENCING NEW TABLE AS new_rows", "new"),
    "update": ("REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows", "both"),
    "delete": ("REFERENCING OLD TABLE AS old_rows", "old"),
}
SQLITE_ROWS = {
    "insert": ("NEW",),
    "update": ("OLD", "NEW"),
    "delete": ("OLD",),
}


def _pg_triggers() -> None:
    for name, villages in PG_FUNCTIONS.items():
        op.execute(
            f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
            f"INSERT INTO tally_dirty (area_id) SELECT DISTINCT changed.area_id FROM ({villages}) AS changed; "
            "RETURN NULL; END $$"
        )
    for table in (*WITH_AREA, "visit_flags"):
        prefix = "tally_dirty_flags" if table == "visit_flags" else "tally_dirty"
        for event in EVENTS:
            referencing, rows = PG_REFERENCING[event]
            op.execute(
                f"CREATE TRIGGER {table}_tally_{event} AFTER {event.upper()} ON {table} {referencing} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_{rows}()"
            )


def _sqlite_triggers() -> None:
    for table in (*WITH_AREA, "visit_flags"):
        for event in EVENTS:
            inserts = " ".join(
                (
                    f"INSERT INTO tally_dirty (area_id) SELECT area_id FROM visits WHERE id = {row}.visit_id;"
                    if table == "visit_flags"
                    else f"INSERT INTO tally_dirty (area_id) VALUES ({row}.area_id);"
                )
                for row in SQLITE_ROWS[event]
            )
            op.execute(f"CREATE TRIGGER {table}_tally_{event} AFTER {event.upper()} ON {table} BEGIN {inserts} END")


def upgrade() -> None:
    op.create_table(
        "tally_cells",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("form_id", sa.String(length=100), nullable=False),
        sa.Column("form_version", sa.String(length=50), nullable=True),
        sa.Column("level", sa.Integer(), nullable=True),
        sa.Column("indicator_bits", sa.BigInteger(), nullable=True),
        sa.Column("key", sa.String(length=100), nullable=True),
        sa.Column("n", sa.Integer(), nullable=False),
        sa.Column("elderly", sa.Integer(), nullable=False),
        sa.Column("temporary", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_cells")),
    )
    with op.batch_alter_table("tally_cells", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_tally_cells_area_id"), ["area_id"], unique=False)
    op.create_table(
        "tally_dirty",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("area_id", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_tally_dirty")),
    )
    if op.get_bind().dialect.name == "postgresql":
        _pg_triggers()
    else:
        _sqlite_triggers()
    op.execute("INSERT INTO tally_dirty (area_id) SELECT id FROM areas")


def downgrade() -> None:
    for table in (*WITH_AREA, "visit_flags"):
        for event in EVENTS:
            if op.get_bind().dialect.name == "postgresql":
                op.execute(f"DROP TRIGGER {table}_tally_{event} ON {table}")
            else:
                op.execute(f"DROP TRIGGER {table}_tally_{event}")
    if op.get_bind().dialect.name == "postgresql":
        for name in PG_FUNCTIONS:
            op.execute(f"DROP FUNCTION {name}()")
    op.drop_table("tally_dirty")
    with op.batch_alter_table("tally_cells", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_tally_cells_area_id"))
    op.drop_table("tally_cells")
