"""Bulk inserts for the demo seed: COPY on PostgreSQL, executemany in batches on SQLite."""

from __future__ import annotations

from typing import Any

import msgspec
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from service.db.pg_raw import driver_of
from service.db.tables import table_of

BATCH = 20_000


async def is_postgresql(session: AsyncSession) -> bool:
    return (await session.connection()).dialect.name == "postgresql"


def json_value(value: Any, postgresql: bool) -> Any:
    """A JSON column's value for `bulk`: text for COPY into jsonb, the object itself for SQLAlchemy (SQLite)."""
    return msgspec.json.encode(value).decode() if postgresql else value


async def bulk(session: AsyncSession, model: type[SQLModel], rows: list[dict[str, Any]]) -> None:
    """Inserts `rows` (dicts with the same keys) into the model's table, in the session's transaction."""
    if not rows:
        return
    connection = await session.connection()
    if connection.dialect.name == "postgresql":
        columns = list(rows[0])
        await (await driver_of(connection)).copy_records_to_table(
            table_of(model).name, records=[tuple(r[c] for c in columns) for r in rows], columns=columns
        )
    else:
        for start in range(0, len(rows), BATCH):
            await connection.execute(insert(table_of(model)), rows[start : start + BATCH])
