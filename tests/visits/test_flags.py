"""Each evidence check flags the visit with its figure when it should, and stays silent when it should not."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import select

from service.households.models import Household
from service.visits.models import VisitFlag
from tests.visits.conftest import fetch
from tests.visits.support import FINISHED, HOME, PHOTO_QUESTION, jpeg, multipart, offset_point, visit

VIETNAM_WALL_CLOCK = timedelta(hours=7)


def flags_of(response) -> dict[str, dict]:
    assert response.status_code in (200, 201), response.text
    return {flag["code"]: flag for flag in response.json()["flags"]}


async def submit(client, person, body, photos=None):
    if photos:
        return await client.post("/api/v1/visits", headers=person.headers, **multipart(body, photos))
    return await client.post("/api/v1/visits", json=body, headers=person.headers)


async def test_low_gps_accuracy(client, world, form, homes, db):
    phone = world["member_a1"]
    flagged = flags_of(await submit(client, phone, visit(form, homes.located.id, accuracy_m=120)))
    assert flagged["gps.low_accuracy"]["value"] == 120.0
    assert flagged["gps.low_accuracy"]["unit"] == "m"
    fine = await submit(
        client, phone, visit(form, homes.located.id, accuracy_m=20, finished_at=FINISHED + timedelta(hours=1))
    )
    assert flags_of(fine) == {}
    stored = await fetch(db, select(VisitFlag))
    assert [(f.code, f.value, f.unit) for f in stored] == [("gps.low_accuracy", 120.0, "m")]


async def test_far_from_the_household(client, world, form, homes):
    phone = world["member_a1"]
    far = offset_point(HOME, north_m=1_200)
    flagged = flags_of(await submit(client, phone, visit(form, homes.located.id, lat=far[0], lon=far[1])))
    assert flagged["gps.far_from_household"]["value"] == pytest.approx(1_200, rel=0.01)
    assert flagged["gps.far_from_household"]["unit"] == "m"
    near = offset_point(HOME, east_m=120)
    later = FINISHED + timedelta(hours=1)
    assert (
        flags_of(
            await submit(client, phone, visit(form, homes.located.id, lat=near[0], lon=near[1], finished_at=later))
        )
        == {}
    )


async def test_a_households_first_good_fix_becomes_its_location(client, world, form, homes, db):
    phone = world["member_a1"]
    sync = await client.get("/api/v1/households", headers=phone.headers)
    cursor = sync.json()["next"]
    spot = offset_point(HOME, north_m=400)
    # A poor or mocked fix does not set the location.
    for poor in (
        visit(form, homes.unlocated.id, lat=spot[0], lon=spot[1], accuracy_m=80, finished_at=FINISHED),
        visit(
            form, homes.unlocated.id, lat=spot[0], lon=spot[1], is_mock=True, finished_at=FINISHED + timedelta(hours=1)
        ),
    ):
        await submit(client, phone, poor)
        assert (await fetch(db, select(Household.lat).where(Household.id == homes.unlocated.id))) == [None]
    good = visit(
        form, homes.unlocated.id, lat=spot[0], lon=spot[1], accuracy_m=6, finished_at=FINISHED + timedelta(hours=2)
    )
    assert "gps.far_from_household" not in flags_of(await submit(client, phone, good))
    household = (await fetch(db, select(Household).where(Household.id == homes.unlocated.id)))[0]
    assert (household.lat, household.lon) == spot
    # Phones that synced before see the household again, with its location.
    changed = await client.get("/api/v1/households", params={"updated_since": cursor}, headers=phone.headers)
    assert [(h["id"], h["lat"]) for h in changed.json()["items"]] == [(str(homes.unlocated.id), spot[0])]
    # The next visit is measured against it.
    elsewhere = offset_point(spot, east_m=900)
    later = visit(
        form, homes.unlocated.id, lat=elsewhere[0], lon=elsewhere[1], finished_at=FINISHED + timedelta(hours=3)
    )
    assert flags_of(await submit(client, phone, later))["gps.far_from_household"]["value"] == pytest.approx(
        900, rel=0.01
    )


async def test_impossible_travel_between_a_members_visits(client, world, form, homes):
    phone = world["member_a1"]
    await submit(client, phone, visit(form, homes.located.id, finished_at=FINISHED))
    fifty_km = offset_point(HOME, north_m=50_000)
    jump = visit(
        form, homes.unlocated.id, lat=fifty_km[0], lon=fifty_km[1], finished_at=FINISHED + timedelta(minutes=10)
    )
    flag = flags_of(await submit(client, phone, jump))["gps.impossible_travel"]
    assert flag["value"] == pytest.approx(300, rel=0.01)  # 50 km in 10 minutes
    assert flag["unit"] == "km/h"
    # Walking on to the next house is fine, even when the phone sends the visits out of order.
    two_km = offset_point(fifty_km, east_m=2_000)
    walk = visit(form, homes.located.id, lat=two_km[0], lon=two_km[1], finished_at=FINISHED + timedelta(minutes=40))
    assert "gps.impossible_travel" not in flags_of(await submit(client, phone, walk))
    # Another member's visits do not count.
    other = visit(form, homes.located.id, finished_at=FINISHED + timedelta(minutes=12))
    assert "gps.impossible_travel" not in flags_of(await submit(client, world["leader_a1"], other))


async def test_mock_location(client, world, form, homes):
    phone = world["member_a1"]
    flagged = flags_of(await submit(client, phone, visit(form, homes.located.id, is_mock=True)))
    assert flagged["gps.mock"]["value"] is None
    assert "gps.mock" not in flags_of(
        await submit(client, phone, visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=1)))
    )


async def test_photo_taken_somewhere_else(client, world, form, homes):
    phone = world["member_a1"]
    two_km = offset_point(HOME, north_m=2_000)
    flagged = flags_of(
        await submit(client, phone, visit(form, homes.located.id), [(PHOTO_QUESTION, jpeg(50, gps=two_km))])
    )
    assert flagged["photo.location_mismatch"]["value"] == pytest.approx(2_000, rel=0.01)
    assert flagged["photo.location_mismatch"]["detail"] == f"{PHOTO_QUESTION}[0]"
    here = flags_of(
        await submit(
            client,
            phone,
            visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=1)),
            [(PHOTO_QUESTION, jpeg(51, gps=HOME))],
        )
    )
    assert "photo.location_mismatch" not in here


async def test_photo_taken_at_another_time(client, world, form, homes):
    phone = world["member_a1"]
    started_wall = (FINISHED - timedelta(minutes=15) + VIETNAM_WALL_CLOCK).replace(tzinfo=None)  # 09:45 in Vietnam
    early = flags_of(
        await submit(
            client,
            phone,
            visit(form, homes.located.id),
            [(PHOTO_QUESTION, jpeg(52, taken_at=started_wall - timedelta(hours=3)))],
        )
    )
    assert early["photo.time_mismatch"]["value"] == 180.0
    assert early["photo.time_mismatch"]["unit"] == "min"
    # Without an offset EXIF time is Vietnam time: 09:50 is during the visit…
    during = visit(form, homes.located.id, finished_at=FINISHED)
    in_time = flags_of(
        await submit(client, phone, during, [(PHOTO_QUESTION, jpeg(53, taken_at=started_wall + timedelta(minutes=5)))])
    )
    assert "photo.time_mismatch" not in in_time
    # …but 09:50 written with a +00:00 offset is 16:50 in Vietnam, 6 h 50 min after the visit ended.
    utc_clock = visit(form, homes.located.id, finished_at=FINISHED)
    late = flags_of(
        await submit(
            client,
            phone,
            utc_clock,
            [(PHOTO_QUESTION, jpeg(54, taken_at=started_wall + timedelta(minutes=5), offset="+00:00"))],
        )
    )
    assert late["photo.time_mismatch"]["value"] == 410.0


async def test_photo_reused_in_another_household(client, world, form, homes):
    phone = world["member_a1"]
    photo = jpeg(55)
    first = flags_of(await submit(client, phone, visit(form, homes.located.id), [(PHOTO_QUESTION, photo)]))
    assert "photo.reused" not in first
    # The same household visited again with the same photo is not reuse across households…
    same_home = visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=1))
    assert "photo.reused" not in flags_of(await submit(client, phone, same_home, [(PHOTO_QUESTION, photo)]))
    # …another household is.
    other_home = visit(form, homes.unlocated.id, finished_at=FINISHED + timedelta(hours=2))
    reused = flags_of(await submit(client, phone, other_home, [(PHOTO_QUESTION, photo)]))
    assert reused["photo.reused"] == {
        "code": "photo.reused",
        "value": 1.0,
        "unit": "households",
        "detail": f"{PHOTO_QUESTION}[0]",
    }


async def test_photo_put_later_is_checked_too(client, world, form, homes):
    phone = world["member_a1"]
    body = visit(form, homes.located.id)
    await submit(client, phone, body)
    far = offset_point(HOME, east_m=3_000)
    response = await client.put(
        f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}/1",
        content=jpeg(56, gps=far),
        headers={**phone.headers, "content-type": "image/jpeg"},
    )
    assert flags_of(response)["photo.location_mismatch"]["detail"] == f"{PHOTO_QUESTION}[1]"


def test_exif_time_zone_rules():
    from datetime import UTC, timezone

    from service.visits.evidence_rules import exif_moment

    naive = datetime(2026, 11, 20, 9, 50)
    assert exif_moment(naive, None) == datetime(2026, 11, 20, 2, 50, tzinfo=UTC)
    assert exif_moment(naive, timezone(timedelta(hours=-5))) == datetime(2026, 11, 20, 14, 50, tzinfo=UTC)
    assert exif_moment(None, None) is None


def test_cheap_distance_bound_never_hides_a_flag():
    """The flat-earth shortcut may only say 'clearly close' when geopy agrees the pair is under the limit."""
    import random

    from service.visits.evidence_rules import metres, surely_within

    rng = random.Random(4)
    said_close = 0
    for _ in range(20_000):
        lat = rng.uniform(-89.9, 89.9)
        a = (lat, rng.uniform(-180, 180))
        b = (
            max(-90.0, min(90.0, lat + rng.uniform(-0.05, 0.05))),
            rng.uniform(-180, 180) if rng.random() < 0.1 else max(-180.0, min(180.0, a[1] + rng.uniform(-0.05, 0.05))),
        )
        limit = rng.choice([50.0, 500.0, 5_000.0, 100_000.0])
        if surely_within(a, b, limit):
            said_close += 1
            assert metres(a, b) < limit * 0.51, (a, b, limit)
    assert said_close > 1_000  # the shortcut is taken for ordinary pairs
    vinh, hanoi = (18.67, 105.69), (21.03, 105.85)
    assert not surely_within(vinh, hanoi, 500_000)  # 263 km: not under half of 500 km
    assert surely_within(vinh, hanoi, 600_000)


async def test_a_visit_dated_days_ahead_is_flagged_but_an_hours_off_clock_is_not(client, world, form, homes):
    """Offline phones send late, never early: a clock a few hours off (a wrong zone) is within the slack
    (GOCUA_FUTURE_TIME_SLACK_H, 24 h); a visit dated 30 days ahead used to be taken as it was."""
    from service.db.engine import utcnow

    phone = world["member_a1"]
    ahead = flags_of(
        await submit(client, phone, visit(form, homes.located.id, finished_at=utcnow() + timedelta(days=30)))
    )
    assert ahead["time.in_future"]["unit"] == "h"
    assert ahead["time.in_future"]["value"] == pytest.approx(720, abs=0.5)
    assert ahead["time.in_future"]["detail"] in ("finished_at", "location.captured_at")
    wrong_zone = visit(form, homes.located.id, finished_at=utcnow() + timedelta(hours=7))
    assert "time.in_future" not in flags_of(await submit(client, phone, wrong_zone))
    listed = await client.get(
        "/api/v1/visits", params={"flag": "time.in_future"}, headers=world["supervisor_a"].headers
    )
    assert listed.status_code == 200 and len(listed.json()["items"]) == 1
