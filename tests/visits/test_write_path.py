"""One write path: visits written together in one batch get the checks they would get one at a time.

These drive the batcher in-process with `asyncio.gather` (the requests really wait together for one batch), and
check that they did: visits of one batch share one `received_at`.
"""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import datetime, timedelta

import msgspec
import pytest
from sqlalchemy import func, select

from service.visits import services
from service.visits.models import VISITS
from service.visits.multipart import PhotoPart
from tests.visits.conftest import count_rows
from tests.visits.direct import actor_of, running_service
from tests.visits.support import FINISHED, HOME, PHOTO_QUESTION, jpeg, offset_point, visit


def codes(receipt) -> set[str]:
    return {flag.code for flag in receipt.flags}


async def test_a_late_visit_in_the_batch_does_not_hide_a_stored_closer_predecessor(settings, world, form, homes):
    member = actor_of(world, "member_a1")
    far = offset_point(HOME, north_m=60_000)
    async with running_service(settings) as service:
        await service.load_form(form)
        # Stored: t=5 at home. Then together: t=3 sent late from 60 km away, and t=10 at home again.
        await service.submit(member, visit(form, homes.located.id, finished_at=FINISHED + timedelta(minutes=5)))
        late = visit(form, homes.located.id, lat=far[0], lon=far[1], finished_at=FINISHED + timedelta(minutes=3))
        now = visit(form, homes.located.id, finished_at=FINISHED + timedelta(minutes=10))
        (late_receipt, _), (now_receipt, _) = await asyncio.gather(
            service.submit(member, late), service.submit(member, now)
        )
    assert late_receipt.received_at == now_receipt.received_at  # written in one batch
    # One at a time, t=10 follows the stored t=5 at the same place: no travel at all.
    assert "gps.impossible_travel" not in codes(now_receipt)
    # The late one follows nothing earlier than t=3 (t=5 and t=10 finished after it).
    assert "gps.impossible_travel" not in codes(late_receipt)


async def test_two_visits_to_a_household_without_location_in_one_batch(settings, world, form, homes):
    member = actor_of(world, "member_a1")
    nine_km = offset_point(HOME, north_m=9_000)
    async with running_service(settings) as service:
        await service.load_form(form)
        first = visit(form, homes.unlocated.id, finished_at=FINISHED)
        second = visit(
            form, homes.unlocated.id, lat=nine_km[0], lon=nine_km[1], finished_at=FINISHED + timedelta(hours=3)
        )
        (one, _), (two, _) = await asyncio.gather(service.submit(member, first), service.submit(member, second))
    assert one.received_at == two.received_at  # written in one batch
    # The first visit's fix became the household's location, so the second is 9 km from it, as one at a time.
    far = [flag for flag in two.flags if flag.code == "gps.far_from_household"]
    assert far and abs(far[0].value - 9_000) < 100
    assert "gps.far_from_household" not in codes(one)


async def test_travel_speed_is_checked_between_visits_written_in_one_batch(settings, world, form, homes):
    member = actor_of(world, "member_a1")
    fifty_km = offset_point(HOME, north_m=50_000)
    first = visit(form, homes.located.id, finished_at=FINISHED)
    jump = visit(
        form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1], finished_at=FINISHED + timedelta(minutes=10)
    )
    async with running_service(settings) as service:
        await service.load_form(form)
        (one, _), (two, _) = await asyncio.gather(service.submit(member, first), service.submit(member, jump))
        assert service.batcher.stats.largest == 2
    assert one.received_at == two.received_at
    flags = {flag.code: flag for flag in two.flags}
    assert abs(flags["gps.impossible_travel"].value - 300) < 3  # 50 km in 10 minutes
    assert "gps.impossible_travel" not in codes(one)


async def test_in_a_batch_as_one_at_a_time_a_visit_only_follows_those_that_reached_the_server_before_it(
    settings, world, form, homes
):
    member = actor_of(world, "member_a1")
    fifty_km = offset_point(HOME, north_m=50_000)
    # Sent in this order: t=10 from 50 km away, then t=0 at home (offline, sent late).
    jump = visit(
        form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1], finished_at=FINISHED + timedelta(minutes=10)
    )
    late = visit(form, homes.located.id, finished_at=FINISHED)
    async with running_service(settings) as service:
        await service.load_form(form)
        (one, _), (two, _) = await asyncio.gather(service.submit(member, jump), service.submit(member, late))
    assert one.received_at == two.received_at
    # One at a time, the t=10 visit had nothing before it when it was checked; a flag is not re-judged later.
    assert "gps.impossible_travel" not in codes(one) | codes(two)


async def test_the_batch_size_and_the_travel_time_floor_come_from_settings(settings, world, form, homes):
    member = actor_of(world, "member_a1")
    five_km = offset_point(HOME, north_m=5_000)
    tuned = msgspec.structs.replace(settings, visit_batch_max=2, min_travel_time_s=600.0)
    async with running_service(tuned) as service:
        await service.load_form(form)
        bodies = [visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=n)) for n in range(5)]
        await asyncio.gather(*(service.submit(member, body) for body in bodies))
        assert service.batcher.stats.largest == 2 and service.batcher.stats.visits == 5
        # 5 km one minute after the last one: judged as if 10 minutes apart (30 km/h), so not impossible.
        hop = visit(
            form,
            homes.unlocated.id,
            lat=five_km[0],
            lon=five_km[1],
            finished_at=FINISHED + timedelta(hours=4, minutes=1),
        )
        receipt, _ = await service.submit(member, hop)
    assert "gps.impossible_travel" not in codes(receipt)
    async with running_service(settings) as service:  # the default floor, one minute: back home at 300 km/h
        await service.load_form(form)
        again = visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=4, minutes=2))
        receipt, _ = await service.submit(member, again)
    assert "gps.impossible_travel" in codes(receipt)


async def test_after_write_hooks_see_the_written_visits_in_their_transaction(settings, world, form, homes, db):
    member = actor_of(world, "member_a1")
    seen: list[tuple[list[str], int]] = []

    async def hook(connection, written) -> None:
        ids = [w.row["id"] for w in written]
        stored = await connection.execute(select(func.count()).select_from(VISITS).where(VISITS.c.id.in_(ids)))
        seen.append((sorted(str(i) for i in ids), stored.scalar_one()))

    async with running_service(settings) as service:
        service.batcher.writer.after_write.append(hook)
        await service.load_form(form)
        together = [visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=n)) for n in range(3)]
        await asyncio.gather(*(service.submit(member, body) for body in together))
        alone = visit(form, None, new_household={"id": str(uuid.uuid4()), "head_name": "Hộ mới"})
        await service.submit(member, alone)  # a new household: the single-visit path, a batch of one

        async def failing(connection, written) -> None:
            raise RuntimeError("the tally could not be updated")

        service.batcher.writer.after_write.append(failing)
        with pytest.raises(RuntimeError):
            await service.submit(member, visit(form, homes.located.id, finished_at=FINISHED + timedelta(days=1)))
    assert seen[0] == (sorted(b["id"] for b in together), 3)  # one call for the batch, rows already there
    assert seen[1] == ([alone["id"]], 1)
    assert (await count_rows(db))["visits"] == 4  # the visit whose hook failed was not written


async def test_the_photo_time_slack_comes_from_settings(settings, world, form, homes):
    member = actor_of(world, "member_a1")
    # The form was opened at 09:45 Vietnam time; the photo's EXIF wall clock says 09:05, 40 minutes before.
    photo = jpeg(61, taken_at=datetime(2026, 11, 20, 9, 5))
    found = {}
    for slack in (30.0, 60.0):
        async with running_service(msgspec.structs.replace(settings, photo_time_slack_min=slack)) as service:
            body = visit(form, homes.located.id, finished_at=FINISHED)
            receipt, _ = await services.receive(
                member, json.dumps(body).encode(), [PhotoPart(PHOTO_QUESTION, 0, photo)], service.intake
            )
            found[slack] = codes(receipt)
    assert "photo.time_mismatch" in found[30.0]
    assert "photo.time_mismatch" not in found[60.0]
