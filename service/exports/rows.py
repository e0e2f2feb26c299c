"""Streaming rows out of the database in chunks, without holding the result.

PostgreSQL: a server-side cursor straight through asyncpg (SQLAlchemy's per-row result processing would cost
more than writing the CSV); the SQL is compiled from the same Core statement. SQLite: SQLAlchemy's stream.
`copy_csv` goes further for a CSV whose every cell SQL can spell: the server writes the CSV.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Sequence
from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql import Select

from service.db.pg_raw import driver_of

CHUNK_ROWS = 5_000


async def stream_rows(
    engine: AsyncEngine, statement: Select, chunk: int = CHUNK_ROWS
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    """Chunks of rows (tuple-likes, by position) of `statement`, read in one read-only transaction."""
    async with engine.connect() as connection, connection.begin():
        if connection.dialect.name == "postgresql":
            async for rows in _pg_chunks(connection, statement, chunk):
                yield rows
        else:
            result = await connection.stream(statement.execution_options(yield_per=chunk))
            async for partition in result.partitions(chunk):
                yield partition


def _for_asyncpg(statement: Select) -> tuple[str, list[Any]]:
    """The statement's SQL with `$n` placeholders, and its parameters in order (IN lists spelt out)."""
    compiled = statement.compile(dialect=asyncpg_dialect(), compile_kwargs={"render_postcompile": True})
    return str(compiled), [compiled.params[name] for name in (compiled.positiontup or [])]


async def _pg_chunks(
    connection: AsyncConnection, statement: Select, chunk: int
) -> AsyncIterator[Sequence[Sequence[Any]]]:
    # A portal fetched chunk by chunk. (DECLARE … CURSOR plans for the first rows instead — an index walk with a
    # lookup per household — and was 4x slower over a whole province than this hash join and sort.)
    sql, parameters = _for_asyncpg(statement)
    driver = await driver_of(connection)
    await connection.exec_driver_sql("SET LOCAL jit = off")  # also begins the transaction the cursor lives in
    cursor = await driver.cursor(sql, *parameters)
    while True:
        records = await cursor.fetch(chunk)
        if not records:
            return
        yield records


async def copy_csv(
    engine: AsyncEngine, statement: Select, queued: int = 4, chunk_bytes: int = 1 << 18
) -> AsyncIterator[bytes]:
    """PostgreSQL only: `statement`'s rows as CSV written by the server itself (COPY … TO STDOUT), in chunks of
    about `chunk_bytes`, at most `queued` of them held while the consumer is slower than the database.

    PostgreSQL ends each row with LF and leaves line breaks inside quoted cells as they are: callers select only
    cells without line breaks (and turn LF into CRLF on the way out). An empty text is written quoted (`""`),
    NULL bare; a CSV reader gets an empty cell from both, as from Python's writer.
    """
    sql, parameters = _for_asyncpg(statement)
    queue: asyncio.Queue[bytes | None] = asyncio.Queue(maxsize=queued)
    failure: list[BaseException] = []
    async with engine.connect() as connection, connection.begin():
        driver = await driver_of(connection)
        # The server spells dates and floats: ISO dates, and floats as the shortest text that reads back exactly.
        for setting in ("jit = off", "DateStyle = 'ISO'", "extra_float_digits = 1"):
            await connection.exec_driver_sql(f"SET LOCAL {setting}")

        pending = bytearray()

        async def collect(data: bytes) -> None:
            # The driver hands on ~8 KB at a time; passing on ~256 KB instead saves four fifths of the
            # per-chunk work downstream (queue, line ends, the response's sends).
            pending.extend(data)
            if len(pending) >= chunk_bytes:
                await queue.put(bytes(pending))
                pending.clear()

        async def copy() -> None:
            try:
                await driver.copy_from_query(sql, *parameters, output=collect, format="csv")
                if pending:
                    await queue.put(bytes(pending))
            except asyncio.CancelledError:
                raise  # the consumer went away: nobody reads the queue any more
            except Exception as exc:  # handed to the consumer, which raises it
                failure.append(exc)
            await queue.put(None)

        task = asyncio.create_task(copy())
        try:
            while (data := await queue.get()) is not None:
                yield data
            if failure:
                raise failure[0]
        finally:
            if not task.done():  # the consumer left mid-COPY (a client that hung up)
                task.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await task
                # The driver is still winding the COPY down, so the connection cannot roll back yet: drop it
                # instead (the server ends the COPY when its socket closes); the pool opens a new one.
                await connection.invalidate()
