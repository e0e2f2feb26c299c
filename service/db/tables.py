"""Shared table plumbing: one MetaData with a constraint naming convention, portable column types."""

from __future__ import annotations

from typing import Protocol

from sqlalchemy import JSON, BigInteger, DateTime, Integer, Table, inspect
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import SQLModel

SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

metadata = SQLModel.metadata

# JSONB on PostgreSQL, JSON (text) on SQLite.
JsonColumnType = JSON().with_variant(JSONB(), "postgresql")
# SQLite only auto-increments INTEGER PRIMARY KEY; PostgreSQL gets 64-bit ids.
BigIntId = BigInteger().with_variant(Integer(), "sqlite")
UtcDateTime = DateTime(timezone=True)


class _IntKeyed(Protocol):
    @property
    def id(self) -> int | None: ...


def row_id(row: _IntKeyed) -> int:
    """The id of a row that is stored (loaded, or flushed once added).

    Table models declare `id: int | None` because a row built in Python has no id until the database assigns one;
    code that handles stored rows uses this to say so, and fails loudly on a row that was never flushed.
    """
    if row.id is None:
        raise ValueError(f"{type(row).__name__} has no id yet: flush it before using its id")
    return row.id


def table_of(model: type[SQLModel]) -> Table:
    """The Core table of a table model (SQLModel sets `__table__` on the class but does not declare it)."""
    table = inspect(model).local_table
    if not isinstance(table, Table):
        raise TypeError(f"{model.__name__} is not a table model")
    return table
