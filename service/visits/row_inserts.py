"""The write path's rows going in: visits, flags and companion rows in one INSERT each, as arrays bound per column
on PostgreSQL (asyncpg encodes them in C) and as multi-row VALUES on SQLite; the raw driver kept inside the
caller's transaction."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterable
from typing import Any

from sqlalchemy import JSON, Table, text
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

from service.db.engine import json_text
from service.db.pg_raw import driver_of
from service.visits.evidence_rules import Flag
from service.visits.models import ATTACHMENTS, FLAGS, PHOTOS, VISITS


async def insert_companions(connection: AsyncConnection, companions: Iterable[tuple[Table, dict[str, Any]]]) -> None:
    """Rows of other domains' tables written with the visits (`CheckedVisit.companions`), one INSERT per table."""
    by_table: dict[Any, list[dict[str, Any]]] = {}
    for table, row in companions:
        by_table.setdefault(table, []).append(row)
    for table, rows in by_table.items():
        if connection.dialect.name != "postgresql":
            await connection.execute(table.insert(), rows)
            continue
        columns = list(rows[0])  # every companion row of a table is built with the same keys
        arrays = _columns(rows, columns)
        for index, name in enumerate(columns):
            if isinstance(table.c[name].type, JSON):  # as the engine writes JSONB
                arrays[index] = [None if value is None else json_text(value) for value in arrays[index]]
        statement = _COMPANION_INSERTS.get((table.name, tuple(columns)))
        if statement is None:
            statement = _COMPANION_INSERTS[(table.name, tuple(columns))] = unnest_insert(table, columns)
        await (await write_driver(connection)).execute(statement, *arrays)


_COMPANION_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def flag_rows(visit_id: uuid.UUID, flags: Iterable[Flag]) -> list[dict[str, Any]]:
    return [{"visit_id": visit_id, "code": f.code, "value": f.value, "unit": f.unit, "detail": f.detail} for f in flags]


def unnest_insert(table: Any, columns: list[str], suffix: str = "") -> str:
    """PostgreSQL: one INSERT of many rows bound as one array per column (asyncpg encodes arrays in C, where
    SQLAlchemy's multi-row VALUES processes every value of every row in Python)."""
    dialect = postgresql.dialect()
    # Unbounded element types: an explicit cast to VARCHAR(n) would truncate silently, where the INSERT's own
    # assignment refuses a value that is too long.
    types = [re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect)) for name in columns]
    arrays = ", ".join(f"${n}::{type_}[]" for n, type_ in enumerate(types, start=1))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){suffix}"


# Built once: constructing an INSERT of 27 columns costs more CPU than executing it.
_INSERT_VISITS = {
    "postgresql": postgresql.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
    "sqlite": sqlite.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
}
_VISIT_COLUMNS = [column.name for column in VISITS.columns]
_PG_INSERT_VISITS = unnest_insert(VISITS, _VISIT_COLUMNS, " ON CONFLICT (id) DO NOTHING RETURNING id")
_INSERT_FLAGS = FLAGS.insert()
_FLAG_COLUMNS = ["visit_id", "code", "value", "unit", "detail"]
_PG_INSERT_FLAGS = unnest_insert(FLAGS, _FLAG_COLUMNS)
INSERT_PHOTOS = PHOTOS.insert()
INSERT_ATTACHMENTS = ATTACHMENTS.insert()


def _columns(rows: list[dict[str, Any]], names: list[str]) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in names]


async def insert_visits(connection: AsyncConnection, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Inserts the visit rows; returns the ids that were new (the others were already stored)."""
    if connection.dialect.name != "postgresql":
        return {row.id for row in await connection.execute(_INSERT_VISITS[connection.dialect.name], rows)}
    driver = await write_driver(connection)
    arrays = _columns(rows, _VISIT_COLUMNS)
    arrays[_VISIT_COLUMNS.index("answers")] = [json_text(row["answers"]) for row in rows]  # as the engine writes JSONB
    return {record[0] for record in await driver.fetch(_PG_INSERT_VISITS, *arrays)}


async def insert_flags(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        await connection.execute(_INSERT_FLAGS, rows)
        return
    await (await write_driver(connection)).execute(_PG_INSERT_FLAGS, *_columns(rows, _FLAG_COLUMNS))


async def write_driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under the caller's transaction. SQLAlchemy begins it on its first statement, so a
    transaction that has run none yet (a visit with photos, after the commit that preceded their upload) runs a
    trivial one: a raw statement outside it would commit on its own."""
    driver = await driver_of(connection)
    if not driver.is_in_transaction():
        await connection.execute(text("SELECT 1"))
        driver = await driver_of(connection)
    if not driver.is_in_transaction():
        raise RuntimeError("no transaction has begun: raw statements would autocommit")
    return driver
