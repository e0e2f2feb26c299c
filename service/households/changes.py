"""Change sequence numbers for incremental sync.

Every change to a household takes the next number(s) from the `change_counters` row named "households".
The UPDATE holds that row's lock until the transaction commits, so writers commit in the order of their
numbers: a phone that has seen number N never later finds a row committed with a number below N.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

from service.households.models import ChangeCounter

HOUSEHOLDS = "households"


async def bump(session: AsyncSession | AsyncConnection, name: str = HOUSEHOLDS, count: int = 1) -> int:
    """Reserves `count` consecutive numbers and returns the highest; the lowest is `result - count + 1`.

    On a session or straight on a connection (Core writers: a session opened on a connection that is inside a
    savepoint would roll its own work back when closed)."""
    statement = (
        update(ChangeCounter)
        .where(col(ChangeCounter.name) == name)
        .values(value=col(ChangeCounter.value) + count)
        .returning(col(ChangeCounter.value))
    )
    value = (await session.execute(statement)).scalar_one_or_none()
    if value is None:
        await _create_counter(session, name)
        value = (await session.execute(statement)).scalar_one()
    return value


async def _create_counter(session: AsyncSession | AsyncConnection, name: str) -> None:
    connection = session if isinstance(session, AsyncConnection) else await session.connection()
    dialect = connection.dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    await session.execute(
        insert(ChangeCounter).values(name=name, value=0).on_conflict_do_nothing(index_elements=["name"])
    )


async def set_at_least(session: AsyncSession, value: int, name: str = HOUSEHOLDS) -> None:
    """After bulk loads that numbered rows themselves: the counter continues above `value`."""
    current = await bump(session, name, 0)
    if current < value:
        await session.execute(update(ChangeCounter).where(col(ChangeCounter.name) == name).values(value=value))
