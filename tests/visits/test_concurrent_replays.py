"""Phones on 2G send the same thing again and again, sometimes all at once: 20 identical requests in flight
together over a real socket store one thing and get one answer (201 once, 200 for the others, same body).

The server is granian in a subprocess (Litestar's test client would send them one at a time); the client's
meter proves the requests overlapped.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest
from sqlalchemy import select

from service.app import build_store
from service.households.models import Household
from tests.support.live_server import live_server
from tests.support.world import add_household
from tests.visits.conftest import count_rows, fetch
from tests.visits.live import socket_client
from tests.visits.support import PHOTO_QUESTION, jpeg, multipart, visit

COPIES = 20


@pytest.fixture
def live(settings, tmp_path, world, form, homes):
    with live_server(settings, tmp_path) as server:
        yield server


def one_created_same_body(responses) -> None:
    assert sorted(r.status_code for r in responses) == [200] * (COPIES - 1) + [201], responses[0].text
    assert len({r.content for r in responses}) == 1


async def test_twenty_identical_json_visits_at_once_store_one(live, world, form, homes, db):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(
            *(client.post("/api/v1/visits", json=body, headers=phone) for _ in range(COPIES))
        )
    assert in_flight.most > 1
    one_created_same_body(responses)
    assert (await count_rows(db))["visits"] == 1


async def test_twenty_identical_visits_to_a_new_household_at_once(live, world, form, db):
    household_id = uuid.uuid4()
    body = visit(
        form, None, new_household={"id": str(household_id), "head_name": "Nguyễn Văn Mới", "temporary_resident": True}
    )
    phone = world["member_a1"].headers
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(
            *(client.post("/api/v1/visits", json=body, headers=phone) for _ in range(COPIES))
        )
    assert in_flight.most > 1
    one_created_same_body(responses)
    assert responses[0].json()["household_id"] == str(household_id)
    household = (await fetch(db, select(Household).where(Household.id == household_id)))[0]
    assert household.area_id == world.areas["village_a1"].id and household.temporary_resident is True
    # Created without a location, the visit's good GPS fix became its location.
    assert (household.lat, household.lon) == (body["location"]["lat"], body["location"]["lon"])
    assert (await count_rows(db))["visits"] == 1


async def test_twenty_identical_multipart_visits_with_a_photo_at_once(live, settings, world, form, homes, db):
    body = visit(form, homes.located.id)
    parts = multipart(body, [(PHOTO_QUESTION, jpeg(6))])
    phone = world["member_a1"].headers
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(
            *(client.post("/api/v1/visits", headers=phone, **parts) for _ in range(COPIES))
        )
    assert in_flight.most > 1
    one_created_same_body(responses)
    assert len(await build_store(settings).list_keys("photos/")) == 3  # original, large, thumbnail
    assert await count_rows(db) == {"visits": 1, "photos": 1, "flags": 0}


async def test_twenty_identical_photo_puts_at_once_store_one_photo(live, settings, world, form, homes, db):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    url = f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}/0"
    async with socket_client(live.url) as (client, in_flight):
        assert (await client.post("/api/v1/visits", json=body, headers=phone)).status_code == 201
        photo = {**phone, "content-type": "image/jpeg"}
        responses = await asyncio.gather(*(client.put(url, content=jpeg(13), headers=photo) for _ in range(COPIES)))
    assert in_flight.most > 1
    one_created_same_body(responses)
    assert responses[0].json()["status"] == "complete"
    assert len(await build_store(settings).list_keys("photos/")) == 3
    assert (await count_rows(db))["photos"] == 1


async def test_rival_photos_for_one_slot_at_once_one_wins(live, world, form, homes, db):
    body = visit(form, homes.located.id)
    phone = {**world["member_a1"].headers, "content-type": "image/jpeg"}
    base = f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}"
    async with socket_client(live.url) as (client, in_flight):
        assert (await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)).status_code == 201
        first, rival, second = await asyncio.gather(
            client.put(f"{base}/0", content=jpeg(13), headers=phone),
            client.put(f"{base}/0", content=jpeg(14), headers=phone),
            client.put(f"{base}/1", content=jpeg(15), headers=phone),
        )
        detail = (await client.get(f"/api/v1/visits/{body['id']}", headers=world["member_a1"].headers)).json()
    assert in_flight.most > 1
    assert sorted([first.status_code, rival.status_code]) == [201, 409]
    assert second.status_code == 201
    assert [(p["question"], p["index"]) for p in detail["photos"]] == [(PHOTO_QUESTION, 0), (PHOTO_QUESTION, 1)]
    assert detail["status"] == "complete"
    assert (await count_rows(db))["photos"] == 2


async def test_twenty_identical_household_creations_at_once_make_one(live, world, db):
    payload = {
        "id": str(uuid.uuid4()),
        "head_name": "Nguyễn Văn An",
        "address": "Xóm Chùa",
        "member_count": 4,
        "lat": 19.91,
        "lon": 105.51,
    }
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(
            *(
                client.post("/api/v1/households", json=payload, headers=world["member_a1"].headers)
                for _ in range(COPIES)
            )
        )
    assert in_flight.most > 1
    one_created_same_body(responses)
    assert len(await fetch(db, select(Household).where(Household.id == uuid.UUID(payload["id"])))) == 1
    assert len(await fetch(db, select(Household))) == 4 + 1  # the test world's four, and this one


async def test_different_visits_to_unlocated_households_at_once_all_land(live, world, form, db):
    """Each visit's insert takes a key lock on its household; the first good fix then locks the household row to
    give it a location. With FOR UPDATE there, two such visits in flight deadlocked (one got a 500)."""
    villages = [world.areas["village_a1"]] * 8
    unlocated = [
        await add_household(db, village, head_name=f"Hộ chưa định vị {n}") for n, village in enumerate(villages)
    ]
    phone = world["member_a1"].headers
    bodies = [visit(form, home.id) for _ in range(6) for home in unlocated]
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(*(client.post("/api/v1/visits", json=body, headers=phone) for body in bodies))
    assert in_flight.most > 1
    assert [r.status_code for r in responses] == [201] * len(bodies), [r.text for r in responses if r.is_error]
    for home in unlocated:  # each took the first good fix, once
        (stored,) = await fetch(db, select(Household).where(Household.id == home.id))
        assert (stored.lat, stored.lon) == (bodies[0]["location"]["lat"], bodies[0]["location"]["lon"])
    assert (await count_rows(db))["visits"] == len(bodies)
