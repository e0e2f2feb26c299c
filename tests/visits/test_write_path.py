"""One write path: visits written together in one batch get the checks they would get one at a time.

These drive the batcher in-process with `asyncio.gather` (the requests really wait together for one batch), and
check that they did: visits of one batch share one `received_at`.
"""

from __future__ import annotations

import asyncio
from datetime import timedelta

from tests.visits.direct import actor_of, running_service
from tests.visits.support import FINISHED, HOME, offset_point, visit


def codes(receipt) -> set[str]:  # type: ignore[no-untyped-def]
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
        (late_receipt, _), (now_receipt, _) = await asyncio.gather(service.submit(member, late),
                                                                   service.submit(member, now))
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
        second = visit(form, homes.unlocated.id, lat=nine_km[0], lon=nine_km[1],
                       finished_at=FINISHED + timedelta(hours=3))
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
    jump = visit(form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1],
                 finished_at=FINISHED + timedelta(minutes=10))
    async with running_service(settings) as service:
        await service.load_form(form)
        (one, _), (two, _) = await asyncio.gather(service.submit(member, first), service.submit(member, jump))
        assert service.batcher.stats.largest == 2
    assert one.received_at == two.received_at
    flags = {flag.code: flag for flag in two.flags}
    assert abs(flags["gps.impossible_travel"].value - 300) < 3  # 50 km in 10 minutes
    assert "gps.impossible_travel" not in codes(one)


async def test_in_a_batch_as_one_at_a_time_a_visit_only_follows_those_that_reached_the_server_before_it(
        settings, world, form, homes):
    member = actor_of(world, "member_a1")
    fifty_km = offset_point(HOME, north_m=50_000)
    # Sent in this order: t=10 from 50 km away, then t=0 at home (offline, sent late).
    jump = visit(form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1],
                 finished_at=FINISHED + timedelta(minutes=10))
    late = visit(form, homes.located.id, finished_at=FINISHED)
    async with running_service(settings) as service:
        await service.load_form(form)
        (one, _), (two, _) = await asyncio.gather(service.submit(member, jump), service.submit(member, late))
    assert one.received_at == two.received_at
    # One at a time, the t=10 visit had nothing before it when it was checked; a flag is not re-judged later.
    assert "gps.impossible_travel" not in codes(one) | codes(two)
