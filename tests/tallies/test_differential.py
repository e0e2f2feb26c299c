"""Randomized histories: the incremental assessment updates agree with a rebuild from the visits, and the
tally's two queries (current, and over a period that covers everything) agree with each other."""

from __future__ import annotations

import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.assessments.models import Assessment
from service.assessments.services import apply_review, apply_visits, rebuild
from service.visits.models import Visit
from tests.support.scenario import LEVEL_0, LEVEL_1, LEVEL_3
from tests.support.world import World, add_household
from tests.visits.conftest import form  # noqa: F401
from tests.visits.support import answers

VARIANTS = [{}, LEVEL_0, LEVEL_1, LEVEL_3, {"has_email": True}]


def _visit(rng: random.Random, form_ref: tuple[str, str], household: Any, member: Any) -> dict[str, Any]:
    finished = datetime(2026, 11, 1, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 40_000))
    return {
        "id": uuid.uuid4(),
        "form_id": form_ref[0],
        "form_version": form_ref[1],
        "household_id": household.id,
        "submitted_by": member.user.id,
        "on_behalf_of": None,
        "team_id": member.user.team_id,
        "area_id": household.area_id,
        "area_path": "",
        "started_at": None,
        "finished_at": finished if rng.random() > 0.1 else None,
        "received_at": finished + timedelta(hours=1),
        "lat": None,
        "lon": None,
        "accuracy_m": None,
        "location_captured_at": None,
        "is_mock": False,
        "answers": answers(**rng.choice(VARIANTS)),
        "app_name": None,
        "app_version": None,
        "payload_hash": uuid.uuid4().hex * 2,
        "status": "complete",
        "skill_level": None,
        "review_status": "pending",
        "reviewed_by": None,
        "reviewed_at": None,
        "review_note": None,
    }


async def _snapshot(db: AsyncSession) -> dict[Any, tuple[Any, ...]]:
    rows = (await db.execute(select(Assessment))).scalars().all()
    return {
        (r.household_id, r.form_id): (
            str(r.visit_id),
            r.level,
            r.indicator_bits,
            r.review_status,
            r.area_id,
            r.elderly_only,
        )
        for r in rows
    }


async def test_incremental_updates_agree_with_a_rebuild(
    client: AsyncTestClient,
    db: AsyncSession,
    world: World,
    form: tuple[str, str],
) -> None:
    rng = random.Random(20261201)
    villages = [world.areas["village_a1"], world.areas["village_a2"], world.areas["village_b1"]]
    homes = [
        await add_household(db, rng.choice(villages), elderly_only=rng.random() < 0.3, commit=False) for _ in range(12)
    ]
    await db.commit()
    member = world["member_a1"]
    paths = {v.id: v.path for v in villages}
    written: list[uuid.UUID] = []
    conn = await db.connection()
    for _ in range(8):  # batches, as the group commit writes them (a household may appear twice in one)
        batch = [_visit(rng, form, rng.choice(homes), member) for _ in range(rng.randrange(1, 7))]
        for row in batch:
            row["area_path"] = paths[row["area_id"]]
        await conn.execute(Visit.__table__.insert(), batch)
        await apply_visits(conn, batch)
        written += [row["id"] for row in batch]
        for visit_id in rng.sample(written, k=min(3, len(written))):  # reviews, some changing their mind
            decision = rng.choice(["approved", "rejected", "rejected", "pending"])
            await conn.execute(
                update(Visit.__table__).where(Visit.__table__.c.id == visit_id).values(review_status=decision)
            )
            await apply_review(conn, visit_id)
    incremental = await _snapshot(db)
    await rebuild(conn, [home.id for home in homes])
    assert await _snapshot(db) == incremental
    assert incremental  # the history left some households assessed
    await db.commit()
    admin = world["admin"]
    current = (await client.get("/api/v1/tallies", params={"area": "38"}, headers=admin.headers)).json()
    everything = (
        await client.get(
            "/api/v1/tallies", params={"area": "38", "from": "2000-01-01", "to": "2099-12-31"}, headers=admin.headers
        )
    ).json()
    for key in ("households", "assessed", "levels", "indicators", "hard_to_reach"):
        assert current["area"][key] == everything["area"][key], key
        for mine, theirs in zip(current["children"], everything["children"], strict=True):
            assert mine[key] == theirs[key], key
