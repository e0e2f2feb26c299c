"""The JSON submission path stays lean: a fixed, small number of SQL statements per visit."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta

from sqlalchemy import event

from tests.visits.support import FINISHED, visit

# asyncpg's once-per-connection introspection of a type it has not met yet (the group commit's arrays).
_DRIVER_INTERNALS = ("typeinfo_tree", "set_config('jit'", "current_setting('jit')")


@contextmanager
def statements_sent(engine) -> Iterator[list[str]]:
    """The first word of every statement the app sends: SQLAlchemy's own, and on PostgreSQL also those the
    group commit sends straight through asyncpg (its bulk INSERTs), read off asyncpg's query logger."""
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement.split()[0].upper())

    def logged(query) -> None:
        word = query.query.split()[0].upper().rstrip(";")
        # SQLAlchemy's statements reach asyncpg as prepared statements, which its logger does not see.
        if word not in ("BEGIN", "COMMIT", "ROLLBACK") and not any(x in query.query for x in _DRIVER_INTERNALS):
            statements.append(word)

    def checkout(dbapi_connection, connection_record, proxy) -> None:
        proxy.driver_connection.add_query_logger(logged)

    def checkin(dbapi_connection, connection_record) -> None:
        if dbapi_connection is not None:
            dbapi_connection.driver_connection.remove_query_logger(logged)

    listeners = [("before_cursor_execute", record)]
    if engine.dialect.name == "postgresql":
        listeners += [("checkout", checkout), ("checkin", checkin)]
    for name, listener in listeners:
        event.listen(engine, name, listener)
    try:
        yield statements
    finally:
        for name, listener in listeners:
            event.remove(engine, name, listener)


async def test_statements_per_json_visit(client, world, form, homes):
    phone = world["member_a1"].headers
    engine = client.app.state.engine.sync_engine
    # Warm up: the form is cached per process and the device token's last use is written at most hourly.
    await client.post("/api/v1/visits", json=visit(form, homes.located.id), headers=phone)
    with statements_sent(engine) as statements:
        later = visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=1))
        response = await client.post("/api/v1/visits", json=later, headers=phone)
    assert response.status_code == 201
    work = [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
    # The caller (1), the household (1), its row lock (PostgreSQL only: households before the change counter),
    # the member's previous visit (1), the visit (1), the household's new change number so phones re-sync its
    # visit state (2: the counter, the household), the household's assessment (1, an upsert that reads the
    # household's village itself); no flags to write.
    lock = ["SELECT"] if engine.dialect.name == "postgresql" else []
    expected = ["SELECT", "SELECT", *lock, "SELECT", "INSERT", "UPDATE", "UPDATE", "INSERT"]
    # Counted, not ordered: asyncpg's logger reports the visit's raw INSERT when its callback runs, which may be
    # after the next statement went out.
    assert sorted(work) == sorted(expected), " | ".join(statements)
