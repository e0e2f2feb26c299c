"""Telling "the database is down or restarting" apart from a bug, so that phones get 503 and retry.

PostgreSQL restarting (or failing over) breaks every pooled connection: the statement running then fails with
a connection error, and SQLAlchemy drops the whole pool, so the next request connects afresh. Those requests
are answered 503 with Retry-After, never 500: nothing was written, and the phone's retry will go through.
"""

from __future__ import annotations

import asyncpg
from sqlalchemy import exc as sa_exc

# asyncpg's errors for a connection that is gone, or a server that is shutting down, starting or recovering.
_ASYNCPG_OUTAGES: tuple[type[BaseException], ...] = (
    asyncpg.exceptions.ConnectionDoesNotExistError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,  # admin_shutdown, crash_shutdown, cannot_connect_now
    asyncpg.exceptions.InterfaceError,  # "connection is closed", "another operation is in progress" after a drop
)


def is_database_outage(error: BaseException) -> bool:
    """Whether `error` (or what caused it) says the database could not be reached, not that a query was wrong."""
    seen: set[int] = set()
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or id(current) in seen:
            continue
        seen.add(id(current))
        if isinstance(current, sa_exc.DBAPIError) and current.connection_invalidated:
            return True
        if isinstance(current, (sa_exc.TimeoutError, *_ASYNCPG_OUTAGES)):  # TimeoutError: the pool is exhausted
            return True
        if isinstance(current, (ConnectionError, TimeoutError)):  # refused, reset: the server is not listening
            return True
        pending += [current.__cause__, current.__context__, getattr(current, "orig", None)]
    return False
