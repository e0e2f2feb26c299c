"""The per-village tally cells, kept by triggers and refreshed village by village, against a count from scratch.

Randomized histories write through the real assessment code and plain SQL alike (the triggers see both):
visits in batches with flags, flags added later, reviews changing their mind, households created, edited,
moved to another village and merged. Tallies read in between refresh the cells part by part; at the end the
cells must equal the cells counted afresh for every village, and the tally must equal the one grouped from
the tables (a period covering everything).
"""

from __future__ import annotations

import asyncio
import random
import uuid
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import delete, insert, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import create_app
from service.areas.models import Area
from service.assessments.services import after_merge, apply_review, apply_visits, refresh_households
from service.households.models import Household
from service.settings import Settings
from service.tallies import cells
from service.tallies.cli import refresh_cells
from service.tallies.models import TallyCell, TallyDirty
from service.visits.models import Visit, VisitFlag
from tests.support.world import World, add_household
from tests.tallies.test_differential import _visit
from tests.visits.conftest import form  # noqa: F401

CELLS = TallyCell.__table__
HOUSEHOLDS = Household.__table__
VISITS = Visit.__table__
FLAG_CODES = ["gps_far", "gps_mock", "photo_old", "too_fast"]


async def _cells(db: AsyncSession) -> list[tuple[Any, ...]]:
    columns = [CELLS.c[name] for name in cells.CELL_COLUMNS]
    rows = (await db.execute(select(*columns))).all()
    await db.commit()  # SQLite: every transaction here holds the write lock
    return sorted((tuple(row) for row in rows), key=repr)


async def _counted_afresh(db: AsyncSession) -> list[tuple[Any, ...]]:
    """The cells every area would have if all were counted now (the refresh's own queries, over every area)."""
    every_area = [row.id for row in await db.execute(select(Area.__table__.c.id))]
    queries = await cells.recount(await db.connection(), every_area)
    rows = [tuple(row) for query in queries for row in (await db.execute(query)).all()]
    await db.commit()
    return sorted(rows, key=repr)


async def _tally(client: AsyncTestClient, world: World, **period: str) -> dict[str, Any]:
    response = await client.get("/api/v1/tallies", params={"area": "38", **period}, headers=world["admin"].headers)
    assert response.status_code == 200, response.text
    return response.json()


@pytest.mark.parametrize(("seed", "few"), [(0, cells.FEW), (1, cells.FEW), (2, 0), (3, 0)])
async def test_cells_refreshed_as_villages_change_equal_a_count_from_scratch(
    client: AsyncTestClient,
    db: AsyncSession,
    world: World,
    form: tuple[str, str],
    seed: int,
    few: int,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(cells, "FEW", few)  # 0: every refresh takes the many-villages path (one pass per table)
    rng = random.Random(seed)
    villages = [world.areas["village_a1"], world.areas["village_a2"], world.areas["village_b1"]]
    paths = {v.id: v.path for v in villages}
    members = [world["member_a1"], world["member_b1"]]
    homes = [await add_household(db, rng.choice(villages), commit=False) for _ in range(8)]
    await db.commit()
    written: list[uuid.UUID] = []
    for step in range(30):
        conn = await db.connection()
        action = rng.random()
        if action < 0.35:  # a batch of visits, some with flags
            batch = [_visit(rng, form, rng.choice(homes), rng.choice(members)) for _ in range(rng.randrange(1, 5))]
            for row in batch:
                row["area_path"] = paths[row["area_id"]]
                if rng.random() < 0.3:  # a leader's visit made for a member, who counts as active too
                    row["on_behalf_of"] = world["member_a2"].user.id
            await conn.execute(insert(VISITS), batch)
            flags = [
                {"visit_id": row["id"], "code": rng.choice(FLAG_CODES), "value": 1.0}
                for row in batch
                if rng.random() < 0.5
            ]
            if flags:
                await conn.execute(insert(VisitFlag.__table__), flags)
            await apply_visits(conn, batch)
            written += [row["id"] for row in batch]
        elif action < 0.55 and written:  # a review, or a flag found later (a photo checked after the visit)
            visit_id = rng.choice(written)
            if rng.random() < 0.7:
                decision = rng.choice(["approved", "rejected", "has_issues", "pending"])
                await conn.execute(update(VISITS).where(VISITS.c.id == visit_id).values(review_status=decision))
                await apply_review(conn, visit_id)
            else:
                await conn.execute(insert(VisitFlag.__table__).values(visit_id=visit_id, code="photo_old", value=9.0))
        elif action < 0.7:  # a household edited or moved; its assessments follow it
            home = rng.choice(homes)
            village = rng.choice(villages)
            changes = {"elderly_only": rng.random() < 0.5, "temporary_resident": rng.random() < 0.3}
            if rng.random() < 0.4:
                changes["area_id"] = village.id
            await conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.id == home.id).values(**changes))
            await refresh_households(conn, [home.id])
        elif action < 0.8:  # a new household, or a merged one
            if rng.random() < 0.5:
                homes.append(await add_household(db, rng.choice(villages), commit=False))
            else:  # as the households service merges: the visits go to the survivor, then its assessments
                source, survivor = rng.sample(homes, 2)
                village = (
                    await conn.execute(select(HOUSEHOLDS.c.area_id).where(HOUSEHOLDS.c.id == survivor.id))
                ).scalar_one()
                await conn.execute(
                    update(VISITS)
                    .where(VISITS.c.household_id == source.id)
                    .values(household_id=survivor.id, area_id=village, area_path=paths[village])
                )
                await conn.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.id == source.id).values(status="merged"))
                await after_merge(conn, source.id, survivor.id)
                homes.remove(source)
        else:  # nothing for a while: the next read refreshes nothing
            pass
        await db.commit()
        await _tally(client, world)  # a read refreshes the cells of the villages this step changed
        assert await _cells(db) == await _counted_afresh(db), f"step {step}"
    kept = await _cells(db)
    # From scratch the way the migration starts: every cell thrown away, every area marked.
    await db.execute(delete(CELLS))
    await db.execute(insert(TallyDirty.__table__).from_select(["area_id"], select(Area.__table__.c.id)))
    await db.commit()
    current = await _tally(client, world)
    assert await _cells(db) == kept
    assert any(row[1] == "flags" for row in kept) and any(row[1] == "assessed" for row in kept)
    everything = await _tally(client, world, **{"from": "2000-01-01", "to": "2099-12-31"})
    keys = (
        "households",
        "assessed",
        "levels",
        "indicators",
        "hard_to_reach",
        "visits",
        "open_flags",
        "members",
        "active_members",
    )
    for key in keys:
        assert current["area"][key] == everything["area"][key], key
        for mine, theirs in zip(current["children"], everything["children"], strict=True):
            assert mine[key] == theirs[key], (mine["code"], key)


async def test_a_tally_sees_a_visit_written_after_the_last_one(
    client: AsyncTestClient, db: AsyncSession, world: World, form: tuple[str, str]
) -> None:
    home = await add_household(db, world.areas["village_a1"])
    before = await _tally(client, world)
    rng = random.Random(1)
    row = _visit(rng, form, home, world["member_a1"]) | {"area_path": world.areas["village_a1"].path}
    conn = await db.connection()
    await conn.execute(insert(VISITS), [row])
    await apply_visits(conn, [row])
    await db.commit()
    after = await _tally(client, world)
    assert after["area"]["visits"]["total"] == before["area"]["visits"]["total"] + 1
    assert after["area"]["households"]["visited"] == before["area"]["households"]["visited"] + 1
    assert (await db.execute(select(TallyDirty.__table__.c.id))).first() is None  # consumed by the read


async def test_the_refresh_command_counts_every_village_ahead_of_the_first_tally(
    db: AsyncSession, world: World, settings: Settings
) -> None:
    await add_household(db, world.areas["village_b1"], elderly_only=True)
    counted = await refresh_cells(settings.resolved_database_url, everything=True)
    assert counted == len(world.areas)
    assert (await db.execute(select(TallyDirty.__table__.c.id))).first() is None
    assert await _cells(db) == await _counted_afresh(db)
    assert await refresh_cells(settings.resolved_database_url) == 0  # nothing changed since


async def test_the_background_refresher_recounts_without_anyone_reading_a_tally(
    db: AsyncSession, world: World, form: tuple[str, str], settings: Settings
) -> None:
    app = create_app(msgspec.structs.replace(settings, tally_refresh_s=0.1))
    async with AsyncTestClient(app=app):
        await db.execute(delete(TallyDirty.__table__))  # as if a tally had just been read
        await db.commit()
        home = await add_household(db, world.areas["village_a2"], temporary_resident=True)
        marks = select(TallyDirty.__table__.c.id)
        deadline = asyncio.get_running_loop().time() + 10
        while (await db.execute(marks)).first() is not None:
            await db.commit()
            assert asyncio.get_running_loop().time() < deadline, "the refresher never came"
            await asyncio.sleep(0.05)
        await db.commit()
        cell = select(CELLS.c.n, CELLS.c.temporary).where(CELLS.c.area_id == home.area_id, CELLS.c.kind == "households")
        counted = (await db.execute(cell)).one()
        await db.commit()
        assert counted.temporary >= 1 and await _cells(db) == await _counted_afresh(db)
        await app.state.engine.dispose()


async def test_a_review_marks_only_its_villages_visits_and_flags(
    client: AsyncTestClient, db: AsyncSession, world: World, form: tuple[str, str]
) -> None:
    """A review bumps the household's sync number and its assessment's review status, which no cell counts: the
    next tally recounts the village's visits and open flags, not its households or assessments."""
    village = world.areas["village_a1"]
    home = await add_household(db, village)
    row = _visit(random.Random(2), form, home, world["member_a1"]) | {"area_path": village.path}
    conn = await db.connection()
    await conn.execute(insert(VISITS), [row])
    await apply_visits(conn, [row])
    await db.commit()
    await _tally(client, world)  # every mark consumed
    reviewed = await client.post(
        f"/api/v1/visits/{row['id']}/review", json={"decision": "approved"}, headers=world["supervisor_a"].headers
    )
    assert reviewed.status_code == 200, reviewed.text
    marks = {
        tuple(mark) for mark in await db.execute(select(TallyDirty.__table__.c.area_id, TallyDirty.__table__.c.kind))
    }
    await db.commit()
    assert marks == {(village.id, "visits"), (village.id, "flags")}  # not its households, assessments, visitors
    after = await _tally(client, world)
    assert after["area"]["visits"]["approved"] >= 1
    assert await _cells(db) == await _counted_afresh(db)
