"""The check the checked cannot switch off: a member's change of a household's location is a proposal that a
supervisor confirms, and visits are flagged against the confirmed location meanwhile."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.visits.conftest import form, homes  # noqa: F401  (fixtures)
from tests.visits.support import FINISHED, HOME, offset_point, visit

FAR = offset_point(HOME, north_m=150_000)  # 150 km away, where a member might be instead of at the door


def flags_of(response) -> set[str]:
    assert response.status_code in (200, 201), response.text
    return {flag["code"] for flag in response.json()["flags"]}


async def _propose(client, person, household_id, point):
    response = await client.patch(
        f"/api/v1/households/{household_id}", headers=person.headers, json={"lat": point[0], "lon": point[1]}
    )
    assert response.status_code == 200, response.text
    return response.json()


async def _pending(client, person):
    response = await client.get("/api/v1/location-proposals", headers=person.headers, params={"status": "pending"})
    assert response.status_code == 200, response.text
    return response.json()["items"]


async def test_a_member_moving_the_household_does_not_silence_the_far_flag(client, world, form, homes):
    member = world["member_a1"]
    answered = await _propose(client, member, homes.located.id, FAR)
    # The household keeps its confirmed location; the change waits for a supervisor.
    assert (answered["lat"], answered["lon"]) == HOME
    shown = (await client.get(f"/api/v1/households/{homes.located.id}", headers=member.headers)).json()
    assert (shown["lat"], shown["lon"]) == HOME
    far_visit = visit(form, homes.located.id, lat=FAR[0], lon=FAR[1])
    assert "gps.far_from_household" in flags_of(
        await client.post("/api/v1/visits", json=far_visit, headers=member.headers)
    )
    [proposal] = await _pending(client, world["supervisor_a"])
    assert proposal["household_id"] == str(homes.located.id)
    assert proposal["distance_m"] == pytest.approx(150_000, rel=0.01)
    assert proposal["proposed_by"] == member.user.id
    assert [p["id"] for p in await _pending(client, member)] == [proposal["id"]]  # members see their own


async def test_a_confirmed_proposal_moves_the_household_and_the_checks_with_it(client, world, form, homes):
    member, supervisor = world["member_a1"], world["supervisor_a"]
    moved_to = offset_point(HOME, east_m=2_000)  # the family moved house within the village
    await _propose(client, member, homes.located.id, moved_to)
    [proposal] = await _pending(client, supervisor)
    before = (await client.get(f"/api/v1/households/{homes.located.id}", headers=member.headers)).json()["seq"]

    assert (
        await client.post(f"/api/v1/location-proposals/{proposal['id']}/confirm", headers=member.headers)
    ).status_code == 403  # the checked cannot confirm
    other_commune = await client.post(
        f"/api/v1/location-proposals/{proposal['id']}/confirm", headers=world["supervisor_b"].headers
    )
    assert other_commune.status_code == 404
    confirmed = await client.post(f"/api/v1/location-proposals/{proposal['id']}/confirm", headers=supervisor.headers)
    assert confirmed.status_code == 200, confirmed.text
    assert confirmed.json()["status"] == "confirmed" and confirmed.json()["decided_by"] == supervisor.user.id
    again = await client.post(f"/api/v1/location-proposals/{proposal['id']}/reject", headers=supervisor.headers)
    assert again.status_code == 409 and again.json()["code"] == "household.location_proposal_decided"

    shown = (await client.get(f"/api/v1/households/{homes.located.id}", headers=member.headers)).json()
    assert (shown["lat"], shown["lon"]) == pytest.approx(moved_to)
    assert shown["seq"] > before  # phones re-sync the new location
    at_new_home = visit(form, homes.located.id, lat=moved_to[0], lon=moved_to[1])
    assert "gps.far_from_household" not in flags_of(
        await client.post("/api/v1/visits", json=at_new_home, headers=member.headers)
    )
    at_old_home = visit(form, homes.located.id, finished_at=FINISHED + timedelta(hours=2))
    assert "gps.far_from_household" in flags_of(
        await client.post("/api/v1/visits", json=at_old_home, headers=member.headers)
    )


async def test_a_rejected_proposal_leaves_the_location(client, world, homes):
    await _propose(client, world["leader_a1"], homes.located.id, FAR)  # team leaders are checked too
    [proposal] = await _pending(client, world["supervisor_a"])
    rejected = await client.post(
        f"/api/v1/location-proposals/{proposal['id']}/reject", headers=world["supervisor_a"].headers
    )
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    shown = (await client.get(f"/api/v1/households/{homes.located.id}", headers=world["admin"].headers)).json()
    assert (shown["lat"], shown["lon"]) == HOME
    assert await _pending(client, world["supervisor_a"]) == []


async def test_what_stays_direct_and_what_is_refused(client, world, homes):
    member = world["member_a1"]
    # A household without a location gets one directly, as its first visit's GPS fix would give it.
    first = await _propose(client, member, homes.unlocated.id, HOME)
    assert (first["lat"], first["lon"]) == HOME
    # A supervisor's own change is the confirmation.
    moved = offset_point(HOME, north_m=500)
    by_supervisor = await _propose(client, world["supervisor_a"], homes.located.id, moved)
    assert (by_supervisor["lat"], by_supervisor["lon"]) == pytest.approx(moved)
    # Clearing the location would switch the check off as well.
    cleared = await client.patch(
        f"/api/v1/households/{homes.located.id}", headers=member.headers, json={"lat": None, "lon": None}
    )
    assert cleared.status_code == 403 and cleared.json()["code"] == "household.location_clear_forbidden"
    # Other fields of the same PATCH still apply.
    mixed = await client.patch(
        f"/api/v1/households/{homes.located.id}",
        headers=member.headers,
        json={"member_count": 6, "lat": FAR[0], "lon": FAR[1]},
    )
    assert mixed.status_code == 200
    assert mixed.json()["member_count"] == 6 and (mixed.json()["lat"], mixed.json()["lon"]) == pytest.approx(moved)
    assert len(await _pending(client, world["supervisor_a"])) == 1
    assert await _pending(client, world["supervisor_b"]) == []  # another commune's supervisor sees none
