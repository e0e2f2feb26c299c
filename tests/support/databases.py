"""Test databases: migrated once per session per backend, then a fresh copy for every test.

SQLite: the migrated template file is copied. PostgreSQL: `CREATE DATABASE … TEMPLATE` clones the migrated
template, on the server `pg_admin_url()` names. Either way no state is shared between tests, and real concurrent connections work (unlike a
rolled-back outer transaction).
"""

from __future__ import annotations

import atexit
import functools
import itertools
import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import psycopg

from service.db.engine import migrate
from tests.support.own_postgres import remove, start_own_postgres

_counter = itertools.count()


@functools.cache
def pg_admin_url() -> str:
    """`GOCUA_TEST_PG_ADMIN_URL` (an existing server, as .ci/run names), else a throwaway server of this test
    process, started on first use and removed when the process ends."""
    if configured := os.environ.get("GOCUA_TEST_PG_ADMIN_URL"):
        return configured
    server = start_own_postgres()
    atexit.register(remove, server)
    return server.admin_url


def _pg_async_url(database: str) -> str:
    base = pg_admin_url().rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{database}"


def _admin_execute(*statements: str) -> None:
    with psycopg.connect(pg_admin_url(), autocommit=True) as connection:
        for statement in statements:
            connection.execute(statement)


class SqliteTemplate:
    def __init__(self, root: Path) -> None:
        self.template = root / "template.sqlite3"
        migrate(f"sqlite+aiosqlite:///{self.template}")

    @contextmanager
    def fresh(self, directory: Path) -> Iterator[str]:
        target = directory / "gocua.sqlite3"
        shutil.copyfile(self.template, target)
        yield f"sqlite+aiosqlite:///{target}"


class PostgresTemplate:
    def __init__(self) -> None:
        # Named per test process, so concurrent pytest runs on one server never drop each other's template.
        self.prefix = f"gocua_t{os.getpid()}_"
        self.template = f"gocua_template_{os.getpid()}"
        _admin_execute(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)", f"CREATE DATABASE {self.template}")
        migrate(_pg_async_url(self.template))

    @contextmanager
    def fresh(self, directory: Path) -> Iterator[str]:
        name = f"{self.prefix}{next(_counter)}"
        _admin_execute(f"CREATE DATABASE {name} TEMPLATE {self.template}")
        try:
            yield _pg_async_url(name)
        finally:
            _admin_execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")

    def close(self) -> None:
        _admin_execute(f"DROP DATABASE IF EXISTS {self.template} WITH (FORCE)")
