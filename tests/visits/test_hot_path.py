"""The JSON submission path stays lean: a fixed, small number of SQL statements per visit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import event

from tests.visits.support import FINISHED, visit


async def test_statements_per_json_visit(client, world, form, homes):
    phone = world["member_a1"].headers
    engine = client.app.state.engine.sync_engine
    statements: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):  # type: ignore[no-untyped-def]
        statements.append(statement.split()[0].upper())

    # Warm up: the form is cached per process and the device token's last use is written at most hourly.
    await client.post("/api/v1/visits", json=visit(form, homes.located.id), headers=phone)
    event.listen(engine, "before_cursor_execute", record)
    try:
        later = visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=1))
        response = await client.post("/api/v1/visits", json=later, headers=phone)
    finally:
        event.remove(engine, "before_cursor_execute", record)
    assert response.status_code == 201
    work = [s for s in statements if s not in ("BEGIN", "COMMIT", "ROLLBACK")]
    # The caller (1), the household (1), the member's previous visit (1), the visit (1); no flags to write.
    assert work == ["SELECT", "SELECT", "SELECT", "INSERT"], statements
