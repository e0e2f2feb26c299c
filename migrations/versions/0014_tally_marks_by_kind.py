"""Tally marks say which kind of cell went out of date, and an update marks only when a column a cell counts
changed.

Before, any statement touching a village's households, assessments, visits or flags marked the whole village,
and the next tally recounted all four kinds of its cells. A review changes a visit's status, bumps its
household's sync number and touches its assessment's review status: it marked the village, and the tally
recounted the village's ~220 households and ~220 assessments as well as its visits. Now a household's sync
number, an assessment's review status or a visit's answers change no mark; a visit's status marks its
village's "visits" and "flags" cells only. `tally_dirty.kind` NULL still means every kind (a bulk mark, as the
`gocua tallies refresh --all` command and the first migration make).

PostgreSQL: statement-level triggers with transition tables, an update's old and new rows matched by key
(a transition table's trigger cannot name columns); SQLite: row-level triggers with a WHEN clause.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-05
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0014"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

EVENTS = ("insert", "update", "delete")
# table: (its key, the columns its cells count, the kinds of cell it feeds). visit_flags finds its village
# through its visit.
TABLES: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {
    "households": (("id",), ("area_id", "status", "elderly_only", "temporary_resident"), ("households",)),
    "assessments": (
        ("household_id", "form_id"),
        ("area_id", "form_version", "level", "indicator_bits", "elderly_only", "temporary_resident"),
        ("assessed",),
    ),
    "visits": (("id",), ("area_id", "area_path", "form_id", "review_status"), ("visits", "flags")),
    "visit_flags": (("id",), ("visit_id", "code"), ("flags",)),
}


def _kinds(kinds: tuple[str, ...]) -> str:
    return "(VALUES " + ", ".join(f"('{kind}')" for kind in kinds) + ") AS k(kind)"


def _pg_villages(table: str, event: str) -> str:
    """The villages (column `area_id`) whose cells this statement changed."""
    key, counted, _ = TABLES[table]
    if event != "update":
        rows = "new_rows" if event == "insert" else "old_rows"
        if table == "visit_flags":
            return f"SELECT v.area_id FROM {rows} f JOIN visits v ON v.id = f.visit_id"
        return f"SELECT area_id FROM {rows}"
    matched = " AND ".join(f"n.{column} = o.{column}" for column in key)
    new = ", ".join(f"n.{column}" for column in counted)
    old = ", ".join(f"o.{column}" for column in counted)
    # A row whose key changed finds no partner and counts as changed on both sides.
    changed = (
        f"FROM new_rows n FULL JOIN old_rows o ON {matched} "
        f"WHERE n.{key[0]} IS NULL OR o.{key[0]} IS NULL OR ROW({new}) IS DISTINCT FROM ROW({old})"
    )
    if table == "visit_flags":
        return (
            f"SELECT v.area_id FROM (SELECT n.visit_id AS visit_id {changed} UNION SELECT o.visit_id {changed}) f "
            "JOIN visits v ON v.id = f.visit_id"
        )
    return f"SELECT n.area_id {changed} UNION SELECT o.area_id {changed}"


def _pg_triggers() -> None:
    referencing = {
        "insert": "REFERENCING NEW TABLE AS new_rows",
        "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
        "delete": "REFERENCING OLD TABLE AS old_rows",
    }
    for table, (_, _, kinds) in TABLES.items():
        for event in EVENTS:
            name = f"{table}_tally_{event}"
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                "INSERT INTO tally_dirty (area_id, kind) SELECT DISTINCT changed.area_id, k.kind "
                f"FROM ({_pg_villages(table, event)}) AS changed CROSS JOIN {_kinds(kinds)} "
                "WHERE changed.area_id IS NOT NULL; RETURN NULL; END $$"
            )
            op.execute(
                f"CREATE TRIGGER {name} AFTER {event.upper()} ON {table} {referencing[event]} "
                f"FOR EACH STATEMENT EXECUTE FUNCTION {name}()"
            )


def _sqlite_triggers() -> None:
    sides = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}
    for table, (_, counted, kinds) in TABLES.items():
        for event in EVENTS:
            inserts = " ".join(
                (
                    f"INSERT INTO tally_dirty (area_id, kind) SELECT area_id, '{kind}' FROM visits "
                    f"WHERE id = {side}.visit_id;"
                    if table == "visit_flags"
                    else f"INSERT INTO tally_dirty (area_id, kind) VALUES ({side}.area_id, '{kind}');"
                )
                for side in sides[event]
                for kind in kinds
            )
            when = ""
            if event == "update":
                when = " WHEN " + " OR ".join(f"OLD.{column} IS NOT NEW.{column}" for column in counted)
            op.execute(
                f"CREATE TRIGGER {table}_tally_{event} AFTER {event.upper()} ON {table}{when} BEGIN {inserts} END"
            )


# What migration 0007 made, dropped on the way up and made again on the way down.
OLD_PG_FUNCTIONS = {
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
OLD_PG_ROWS = {"insert": "new", "update": "both", "delete": "old"}


def _drop_triggers(functions: list[str]) -> None:
    postgresql = op.get_bind().dialect.name == "postgresql"
    for table in TABLES:
        for event in EVENTS:
            op.execute(f"DROP TRIGGER {table}_tally_{event}" + (f" ON {table}" if postgresql else ""))
    if postgresql:
        for name in functions:
            op.execute(f"DROP FUNCTION {name}()")


def _old_triggers() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, villages in OLD_PG_FUNCTIONS.items():
            op.execute(
                f"CREATE FUNCTION {name}() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN "
                f"INSERT INTO tally_dirty (area_id) SELECT DISTINCT changed.area_id FROM ({villages}) AS changed; "
                "RETURN NULL; END $$"
            )
        referencing = {
            "insert": "REFERENCING NEW TABLE AS new_rows",
            "update": "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows",
            "delete": "REFERENCING OLD TABLE AS old_rows",
        }
        for table in TABLES:
            prefix = "tally_dirty_flags" if table == "visit_flags" else "tally_dirty"
            for event in EVENTS:
                op.execute(
                    f"CREATE TRIGGER {table}_tally_{event} AFTER {event.upper()} ON {table} {referencing[event]} "
                    f"FOR EACH STATEMENT EXECUTE FUNCTION {prefix}_{OLD_PG_ROWS[event]}()"
                )
        return
    sides = {"insert": ("NEW",), "update": ("OLD", "NEW"), "delete": ("OLD",)}
    for table in TABLES:
        for event in EVENTS:
            inserts = " ".join(
                (
                    f"INSERT INTO tally_dirty (area_id) SELECT area_id FROM visits WHERE id = {side}.visit_id;"
                    if table == "visit_flags"
                    else f"INSERT INTO tally_dirty (area_id) VALUES ({side}.area_id);"
                )
                for side in sides[event]
            )
            op.execute(f"CREATE TRIGGER {table}_tally_{event} AFTER {event.upper()} ON {table} BEGIN {inserts} END")


def upgrade() -> None:
    _drop_triggers(list(OLD_PG_FUNCTIONS))
    with op.batch_alter_table("tally_dirty", schema=None) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=12), nullable=True))
    if op.get_bind().dialect.name == "postgresql":
        _pg_triggers()
    else:
        _sqlite_triggers()


def downgrade() -> None:
    _drop_triggers([f"{table}_tally_{event}" for table in TABLES for event in EVENTS])
    with op.batch_alter_table("tally_dirty", schema=None) as batch_op:
        batch_op.drop_column("kind")
    _old_triggers()
