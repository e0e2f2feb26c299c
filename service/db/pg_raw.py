"""PostgreSQL hot paths straight through asyncpg, with SQL compiled once from SQLAlchemy statements.

SQLAlchemy's execution layer costs ~0.2 ms of CPU per statement here, more than PostgreSQL spends running the
small statements of the submission path. Those few statements are compiled once to asyncpg's `$n` SQL from
the same Core statements the rest of the code uses, and run on the driver connection under SQLAlchemy's pool.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.dialects.postgresql.asyncpg import dialect as asyncpg_dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql import ClauseElement
from sqlalchemy.sql.compiler import SQLCompiler


def asyncpg_sql(statement: ClauseElement, parameter_order: list[str]) -> str:
    """The statement's SQL for asyncpg; its bound parameters must be exactly `parameter_order`, in order."""
    compiled = statement.compile(dialect=asyncpg_dialect())
    if not isinstance(compiled, SQLCompiler):  # DDL compiles to a DDLCompiler, which has no bound parameters
        raise TypeError(f"{type(statement).__name__} is not a SQL statement")
    if list(compiled.positiontup or []) != parameter_order:
        raise ValueError(f"parameters {compiled.positiontup} are not {parameter_order}")
    return str(compiled)


async def driver_of(connection: AsyncConnection) -> Any:
    """The asyncpg connection under a SQLAlchemy connection."""
    return (await connection.get_raw_connection()).driver_connection


class RecordRow:
    """Attribute access (`row.name`) over an asyncpg Record, like a SQLAlchemy Row."""

    __slots__ = ("_record",)

    def __init__(self, record: Any) -> None:
        self._record = record

    def __getattr__(self, name: str) -> Any:
        try:
            return self._record[name]
        except KeyError:
            raise AttributeError(name) from None
