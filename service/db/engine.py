"""Engine, sessions and migrations for SQLite (embedded default) and PostgreSQL (production)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from uuid import uuid4

import msgspec
from alembic import command
from alembic.config import Config
from sqlalchemy import event
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine
from sqlalchemy.pool import ConnectionPoolEntry

import migrations

# Re-exported (many modules import them from here); defined once, in the one time helper.
from service.common.clock import as_utc as as_utc
from service.common.clock import utcnow as utcnow


def database_key(session: AsyncSession) -> str:
    """The URL of the database a session works on (`str(engine.url)`), to key per-database caches."""
    bind = session.bind
    if isinstance(bind, AsyncConnection):
        bind = bind.engine
    if bind is None:
        raise RuntimeError("the session is not bound to an engine")
    return str(bind.url)


def json_text(value: object) -> str:
    return msgspec.json.encode(value).decode()


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid4().hex}__"


def create_engine(url: str, *, pool_size: int = 40, prepared_statements: bool = True) -> AsyncEngine:
    """`prepared_statements=False` behind PgBouncer in transaction mode.

    There, consecutive transactions of one client connection may run on different server connections, so a
    statement asyncpg prepared and cached on one is missing (or another's) on the next: both caches (asyncpg's
    and SQLAlchemy's) are turned off and every statement gets a unique name.
    """
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_async_engine(
            url,
            json_serializer=json_text,
            json_deserializer=msgspec.json.decode,
            connect_args={"timeout": 30},
        )
        _configure_sqlite(engine)
        return engine
    # A frozen or unreachable server must fail a new connection in seconds (asyncpg waits 60 s by default), so
    # requests answer 503 and phones retry instead of hanging.
    connect_args: dict[str, object] = {"timeout": 10}
    if not prepared_statements:
        connect_args |= {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
        }
    return create_async_engine(
        url,
        json_serializer=json_text,
        json_deserializer=msgspec.json.decode,
        connect_args=connect_args,
        # No overflow: an overflow connection is closed when returned, and opening PostgreSQL connections
        # under load (several ms each) cost more than waiting for a pooled one.
        pool_size=pool_size,
        max_overflow=0,
        pool_pre_ping=False,
    )


def _configure_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        # Any: the driver's own connection (sqlite3 under aiosqlite's adapter); DBAPIConnection lacks isolation_level.
        # Let SQLAlchemy, not the sqlite3 module, decide when transactions begin.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Connection) -> None:
        # A deferred transaction that reads then writes can fail with SQLITE_BUSY without waiting;
        # taking the write lock up front makes concurrent writers queue on busy_timeout instead.
        connection.exec_driver_sql("BEGIN IMMEDIATE")


def session_factory(engine: AsyncEngine) -> async_sessionmaker[AsyncSession]:
    return async_sessionmaker(engine, class_=AsyncSession, expire_on_commit=False)


def sync_url(url: str) -> str:
    """Alembic runs with sync drivers: same database, blocking driver."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite").render_as_string(hide_password=False)
    if backend == "postgresql":
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return url


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(Path(migrations.__file__).parent))
    config.set_main_option("sqlalchemy.url", sync_url(url).replace("%", "%%"))
    return config


def migrate(url: str, revision: str = "head") -> None:
    if is_sqlite(url):
        database = make_url(url).database
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
    command.upgrade(alembic_config(url), revision)
