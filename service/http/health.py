from __future__ import annotations

import msgspec
from litestar import get
from litestar.datastructures import State
from sqlalchemy import text

from service import errors


class Health(msgspec.Struct):
    status: str


class Readiness(msgspec.Struct):
    status: str
    database: bool
    object_store: bool


@get("/health", sync_to_thread=False, tags=["health"])
def get_health() -> Health:
    return Health(status="ok")


@get("/ready", tags=["health"])
async def get_ready(state: State) -> Readiness:
    database_ok = True
    try:
        async with state.engine.connect() as connection:
            await connection.execute(text("SELECT 1"))
    except Exception:  # any failure means "not ready"; the reason is in the server log
        database_ok = False
    store_ok = await state.store.ping()
    if not (database_ok and store_ok):
        raise errors.DomainError(
            errors.UNAVAILABLE,
            database=database_ok,
            object_store=store_ok,
            headers={"Retry-After": "10"},
        )
    return Readiness(status="ready", database=True, object_store=True)
