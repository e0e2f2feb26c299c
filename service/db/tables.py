"""Shared table plumbing: one MetaData with a constraint naming convention, portable column types."""

from __future__ import annotations

from sqlalchemy import JSON, BigInteger, DateTime, Integer
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
