"""The tally tables are vacuumed by the service once its refreshes have rewritten enough cells, whether or not
PostgreSQL's autovacuum runs (it is off on the development machine, and dead cells tripled a tally's time)."""

from __future__ import annotations

import asyncio

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import insert, select, text
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.areas.models import Area
from service.tallies import upkeep
from service.tallies.models import TallyCell, TallyDirty
from tests.support.world import World, add_household


async def _vacuums(db: AsyncSession) -> tuple[int, int]:
    """How many times tally_cells has been vacuumed and analysed (by anyone)."""
    await db.execute(text("SELECT pg_stat_clear_snapshot()"))
    row = (
        await db.execute(
            text("SELECT vacuum_count, analyze_count FROM pg_stat_user_tables WHERE relname = 'tally_cells'")
        )
    ).one()
    await db.commit()
    return row.vacuum_count, row.analyze_count


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_refreshes_that_rewrote_many_cells_vacuum_the_tally_tables_in_the_background(
    client: AsyncTestClient, db: AsyncSession, world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(upkeep, "VACUUM_AFTER", 3)
    for village in ("village_a1", "village_a2", "village_b1"):
        await add_household(db, world.areas[village])
    headers = world["admin"].headers
    assert (await client.get("/api/v1/tallies", params={"area": "38"}, headers=headers)).status_code == 200
    before = await _vacuums(db)
    # Every village recounted: more cells thrown away and counted again than VACUUM_AFTER.
    assert len((await db.execute(select(TallyCell.__table__.c.id))).all()) >= 3
    await db.execute(insert(TallyDirty.__table__).from_select(["area_id"], select(Area.__table__.c.id)))
    await db.commit()
    assert (await client.get("/api/v1/tallies", params={"area": "38"}, headers=headers)).status_code == 200
    engine = client.app.state.engine
    assert isinstance(engine, AsyncEngine)
    deadline = asyncio.get_running_loop().time() + 10
    while (after := await _vacuums(db)) == before:
        assert asyncio.get_running_loop().time() < deadline, "no VACUUM came"
        await asyncio.sleep(0.1)
    assert after[0] > before[0] and after[1] > before[1]
    # A tally that rewrote a few cells only (one village's households) starts none.
    await add_household(db, world.areas["village_a2"])
    assert (await client.get("/api/v1/tallies", params={"area": "38"}, headers=headers)).status_code == 200
    await upkeep.settled(engine)
    assert await _vacuums(db) == after
