"""Supervisors list, filter, read and review visits in their area; members see their own; views are logged."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from service.audit.models import AccessLog
from tests.visits.conftest import fetch
from tests.visits.support import FINISHED, PHOTO_QUESTION, jpeg, multipart, visit


@dataclass
class Visits:
    a1_plain: str
    a1_flagged: str
    a1_complete: str
    a2: str
    b1: str


@pytest.fixture
async def visits(client, world, form, homes) -> Visits:
    async def send(person: str, household, photos=None, **fields) -> str:
        body = visit(form, household.id, **fields)
        headers = world[person].headers
        if photos:
            response = await client.post("/api/v1/visits", headers=headers, **multipart(body, photos))
        else:
            response = await client.post("/api/v1/visits", json=body, headers=headers)
        assert response.status_code == 201, response.text
        return body["id"]

    return Visits(
        a1_plain=await send("member_a1", homes.located, finished_at=FINISHED),
        a1_flagged=await send("member_a1", homes.located, accuracy_m=200, finished_at=FINISHED + timedelta(hours=1)),
        a1_complete=await send(
            "member_a1", homes.located, photos=[(PHOTO_QUESTION, jpeg(70))], finished_at=FINISHED + timedelta(hours=2)
        ),
        a2=await send("member_a2", homes.other_village, with_location=False),
        b1=await send("member_b1", homes.other_commune, with_location=False),
    )


async def ids(client, person, **params) -> list[str]:
    response = await client.get("/api/v1/visits", params=params, headers=person.headers)
    assert response.status_code == 200, response.text
    return [item["id"] for item in response.json()["items"]]


async def test_each_role_lists_what_it_may_see(client, world, visits):
    a1 = [visits.a1_complete, visits.a1_flagged, visits.a1_plain]  # newest first
    assert await ids(client, world["supervisor_a"]) == [visits.a2, *a1]
    assert await ids(client, world["supervisor_b"]) == [visits.b1]
    assert await ids(client, world["admin"]) == [visits.b1, visits.a2, *a1]
    assert await ids(client, world["member_a1"]) == a1
    assert await ids(client, world["leader_a1"]) == []  # not the leader's visits
    assert await ids(client, world["member_a2"]) == [visits.a2]


async def test_filters(client, world, visits):
    supervisor = world["supervisor_a"]
    assert await ids(client, supervisor, area="38-A-2") == [visits.a2]
    assert await ids(client, supervisor, member=world["member_a2"].user.id) == [visits.a2]
    assert await ids(client, supervisor, flag="gps.low_accuracy") == [visits.a1_flagged]
    assert await ids(client, supervisor, status="complete") == [visits.a1_complete]
    assert len(await ids(client, supervisor, status="awaiting_photos")) == 3
    assert len(await ids(client, supervisor, review_status="pending")) == 4
    assert await ids(client, supervisor, review_status="approved") == []
    far_future = "2100-01-01T00:00:00Z"
    assert await ids(client, supervisor, since=far_future) == []
    assert len(await ids(client, supervisor, since="2000-01-01T00:00:00+07:00")) == 4
    item = (await client.get("/api/v1/visits", params={"flag": "gps.low_accuracy"}, headers=supervisor.headers)).json()[
        "items"
    ][0]
    assert item["flag_codes"] == ["gps.low_accuracy"]
    assert item["area_code"] == "38-A-1"
    assert item["skill_level"] == 2
    # Another commune's village is not the supervisor's to filter on; nonsense values are refused.
    assert (
        await client.get("/api/v1/visits", params={"area": "38-B-1"}, headers=supervisor.headers)
    ).status_code == 404
    bad = await client.get("/api/v1/visits", params={"status": "done"}, headers=supervisor.headers)
    assert (bad.status_code, bad.json()["code"]) == (400, "request.invalid_parameter")


async def test_pages_follow_the_cursor(client, world, visits):
    seen: list[str] = []
    cursor = None
    while True:
        params = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/visits", params=params, headers=world["admin"].headers)).json()
        assert len(page["items"]) <= 2
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == await ids(client, world["admin"])
    assert len(seen) == 5
    bad = await client.get("/api/v1/visits", params={"cursor": "%%%"}, headers=world["admin"].headers)
    assert bad.status_code == 400


async def test_one_visit_in_full_and_the_view_is_logged(client, world, visits, db):
    response = await client.get(f"/api/v1/visits/{visits.a1_complete}", headers=world["supervisor_a"].headers)
    assert response.status_code == 200
    detail = response.json()
    assert detail["answers"]["vneid_level"] == "level2"
    assert detail["status"] == "complete" and detail["missing_photos"] == []
    assert detail["photos"][0]["question"] == PHOTO_QUESTION
    assert detail["location"]["accuracy_m"] == 8.0
    assert detail["review"] == {"status": "pending", "reviewed_by": None, "reviewed_at": None, "note": None}
    flagged = (await client.get(f"/api/v1/visits/{visits.a1_flagged}", headers=world["member_a1"].headers)).json()
    assert flagged["flags"] == [{"code": "gps.low_accuracy", "value": 200.0, "unit": "m", "detail": "threshold 50 m"}]
    assert flagged["missing_photos"][0]["question"] == PHOTO_QUESTION
    for person in ("supervisor_b", "member_a2", "leader_a1"):
        assert (await client.get(f"/api/v1/visits/{visits.a1_plain}", headers=world[person].headers)).status_code == 404
    logged = await fetch(
        db, select(AccessLog).where(AccessLog.object_type == "visit", AccessLog.action == "view").order_by(AccessLog.id)
    )
    assert [(row.user_id, row.object_id) for row in logged] == [
        (world["supervisor_a"].user.id, visits.a1_complete),
        (world["member_a1"].user.id, visits.a1_flagged),
    ]


async def test_review(client, world, visits):
    url = f"/api/v1/visits/{visits.a1_plain}/review"
    supervisor = world["supervisor_a"].headers
    approved = await client.post(url, json={"decision": "approve"}, headers=supervisor)
    assert approved.status_code == 200
    assert approved.json()["status"] == "approved"
    assert approved.json()["reviewed_by"] == world["supervisor_a"].user.id
    no_reason = await client.post(url, json={"decision": "reject"}, headers=supervisor)
    assert (no_reason.status_code, no_reason.json()["code"]) == (422, "visit.review_note_required")
    rejected = await client.post(url, json={"decision": "reject", "note": "Ảnh không rõ hộ nào"}, headers=supervisor)
    assert rejected.json()["status"] == "rejected"
    assert await ids(client, world["supervisor_a"], review_status="rejected") == [visits.a1_plain]
    detail = (await client.get(f"/api/v1/visits/{visits.a1_plain}", headers=world["member_a1"].headers)).json()
    assert detail["review"]["note"] == "Ảnh không rõ hộ nào"
    assert (await client.post(url, json={"decision": "approve"}, headers=world["member_a1"].headers)).status_code == 403
    assert (
        await client.post(url, json={"decision": "approve"}, headers=world["supervisor_b"].headers)
    ).status_code == 404
    odd = await client.post(url, json={"decision": "maybe"}, headers=supervisor)
    assert odd.status_code == 400
