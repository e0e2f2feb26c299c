"""Visits that arrive together are written together, with the same answers and checks as one by one."""

from __future__ import annotations

import asyncio
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from service.visits.models import Visit
from tests.visits.support import FINISHED, HOME, offset_point, visit


async def test_a_burst_of_visits_is_stored_whole_and_each_phone_gets_its_own_receipt(client, world, form, homes, db):
    phone = world["member_a1"]
    bodies = [
        visit(form, homes.located.id, finished_at=FINISHED + timedelta(minutes=30 * n)) for n in range(12)
    ]
    answers = await asyncio.gather(
        *(client.post("/api/v1/visits", json=body, headers=phone.headers) for body in bodies)
    )
    assert [a.status_code for a in answers] == [201] * 12
    assert [a.json()["id"] for a in answers] == [b["id"] for b in bodies]
    stored = (await db.execute(select(func.count()).select_from(Visit))).scalar_one()
    assert stored == 12


async def test_travel_speed_is_checked_between_visits_that_arrive_together(client, world, form, homes):
    phone = world["member_a1"]
    fifty_km = offset_point(HOME, north_m=50_000)
    first = visit(form, homes.located.id, finished_at=FINISHED)
    jump = visit(form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1],
                 finished_at=FINISHED + timedelta(minutes=10))
    answers = await asyncio.gather(
        client.post("/api/v1/visits", json=first, headers=phone.headers),
        client.post("/api/v1/visits", json=jump, headers=phone.headers),
    )
    assert [a.status_code for a in answers] == [201, 201]
    flags = {f["code"]: f for f in answers[1].json()["flags"]}
    assert flags["gps.impossible_travel"]["value"] == pytest.approx(300, rel=0.01)
    assert "gps.impossible_travel" not in {f["code"] for f in answers[0].json()["flags"]}


async def test_a_bad_visit_in_a_burst_fails_alone(client, world, form, homes, db):
    phone = world["member_a1"]
    good = [visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=n)) for n in range(3)]
    outsider = visit(form, homes.other_commune.id, finished_at=FINISHED + timedelta(hours=5))
    answers = await asyncio.gather(
        *(client.post("/api/v1/visits", json=body, headers=phone.headers) for body in [*good, outsider])
    )
    assert [a.status_code for a in answers] == [201, 201, 201, 404]
    stored = (await db.execute(select(func.count()).select_from(Visit))).scalar_one()
    assert stored == 3
