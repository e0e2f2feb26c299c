"""The households' visit state in the phones' incremental sync: a visit, a review, a follow-up and the return
visit each bring the household back with its new state (and nothing else comes back)."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from forms.bundled import bundled_form_paths
from service.registry import services as registry
from service.visits.models import Visit
from tests.households.test_households import sync
from tests.support.world import World, add_household
from tests.visits.support import FINISHED, answers, visit


@pytest.fixture
async def form(db: AsyncSession, world: World) -> tuple[str, str]:
    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    return published.form_id, published.version


async def test_visits_reviews_and_a_follow_up_come_back_in_the_incremental_sync(client, world, db, form):
    village = world.areas["village_a1"]
    first, second, third = [await add_household(db, village, head_name=f"Hộ {n}") for n in range(3)]
    member, supervisor = world["member_a1"].headers, world["supervisor_a"].headers
    items, cursor = await sync(client, member)
    assert {i["id"] for i in items} >= {str(first.id), str(second.id), str(third.id)}
    assert all(i["visit"] is None for i in items)  # nobody visited yet

    asked = visit(form, first.id, answers=answers(follow_up=True, follow_up_reason="Cài VNeID mức 2"))
    posted = await client.post("/api/v1/visits", headers=member, json=asked)
    assert posted.status_code == 201, posted.text
    plain = visit(form, second.id, finished_at=FINISHED + timedelta(minutes=30))
    assert (await client.post("/api/v1/visits", headers=member, json=plain)).status_code == 201

    items, cursor = await sync(client, member, cursor)
    by_id = {i["id"]: i["visit"] for i in items}
    assert set(by_id) == {str(first.id), str(second.id)}  # only the visited households changed
    one, two = by_id[str(first.id)], by_id[str(second.id)]
    assert one["visited"] is True and one["review"] == "pending" and one["follow_up"] is True
    assert one["follow_up_reason"] == "Cài VNeID mức 2" and one["answers"]["members"] == 4  # hints for the return
    assert one["last_visit"] == asked["id"] and one["level"] is not None
    assert two["visited"] is True and two.get("follow_up", False) is False and "answers" not in two

    # The supervisor finds a problem: the household comes back with the comment, and still counts as visited.
    review = await client.post(
        f"/api/v1/visits/{plain['id']}/review", headers=supervisor, json={"decision": "has_issues", "comment": "Ảnh mờ"}
    )
    assert review.status_code == 200, review.text
    items, cursor = await sync(client, member, cursor)
    assert [i["id"] for i in items] == [str(second.id)]
    assert items[0]["visit"]["review"] == "has_issues" and items[0]["visit"]["note"] == "Ảnh mờ"
    assert items[0]["visit"]["visited"] is True

    # Rejected: no longer visited (the tallies' meaning), the comment and the sent-back answers for the redo.
    bulk = await client.post(
        "/api/v1/visits/review",
        headers=supervisor,
        json={"ids": [plain["id"]], "decision": "rejected", "comment": "Sai hộ"},
    )
    assert bulk.status_code == 200, bulk.text
    items, cursor = await sync(client, member, cursor)
    state = items[0]["visit"]
    assert state["review"] == "rejected" and state["note"] == "Sai hộ" and state.get("visited", False) is False
    assert state["answers"]["members"] == 4

    # The return visit, linked to the first: the follow-up is done.
    back = visit(form, first.id, finished_at=FINISHED + timedelta(days=2), revisit_of=asked["id"])
    assert (await client.post("/api/v1/visits", headers=member, json=back)).status_code == 201
    items, cursor = await sync(client, member, cursor)
    state = items[0]["visit"]
    assert (
        items[0]["id"] == str(first.id) and state.get("follow_up", False) is False and state["last_visit"] == back["id"]
    )
    stored = (
        await db.execute(select(col(Visit.revisit_of)).where(col(Visit.id) == uuid.UUID(back["id"])))
    ).scalar_one()
    await db.rollback()  # SQLite: the test's own read must not hold the file while the service writes
    assert str(stored) == asked["id"]
    items, _ = await sync(client, member, cursor)
    assert items == []
