"""Decisions become approved | has_issues | rejected, each kept in the history; bulk decisions; the member hears
back through GET /api/v1/me/visits; a follow-up visit names the visit it corrects."""

from __future__ import annotations

import uuid
from datetime import timedelta

from tests.visits.support import FINISHED, visit


async def _send(client, world, form, household, person="member_a1", **fields) -> str:
    body = visit(form, household.id, **fields)
    response = await client.post("/api/v1/visits", json=body, headers=world[person].headers)
    assert response.status_code == 201, response.text
    return body["id"]


async def test_decisions_are_kept_in_order_and_the_member_sees_the_latest(client, world, form, homes):
    visit_id = await _send(client, world, form, homes.located)
    url = f"/api/v1/visits/{visit_id}/review"
    supervisor = world["supervisor_a"].headers
    no_comment = await client.post(url, json={"decision": "has_issues"}, headers=supervisor)
    assert (no_comment.status_code, no_comment.json()["code"]) == (422, "visit.review_note_required")
    issues = await client.post(
        url, json={"decision": "has_issues", "comment": "Chụp lại ảnh cửa nhà"}, headers=supervisor
    )
    assert issues.status_code == 200 and issues.json()["status"] == "has_issues"
    assert (await client.post(url, json={"decision": "approved"}, headers=supervisor)).json()["status"] == "approved"
    rejected = await client.post(url, json={"decision": "rejected", "comment": "Không phải hộ này"}, headers=supervisor)
    assert rejected.json() | {"reviewed_at": None} == {
        "status": "rejected",
        "reviewed_by": world["supervisor_a"].user.id,
        "reviewed_at": None,
        "note": "Không phải hộ này",
    }

    mine = (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()
    assert [(v["id"], v["review_status"], v["review_comment"]) for v in mine["items"]] == [
        (visit_id, "rejected", "Không phải hộ này")
    ]
    assert mine["items"][0]["household_name"] == "Lê Văn Một"
    only = await client.get(
        "/api/v1/me/visits", params={"review_status": "has_issues"}, headers=world["member_a1"].headers
    )
    assert only.json()["items"] == []
    # Someone else's visits never show; a supervisor has none of their own.
    assert (await client.get("/api/v1/me/visits", headers=world["member_a2"].headers)).json()["items"] == []
    assert (await client.get("/api/v1/me/visits", headers=world["supervisor_a"].headers)).json()["items"] == []
    bad = await client.get("/api/v1/me/visits", params={"review_status": "done"}, headers=world["member_a1"].headers)
    assert (bad.status_code, bad.json()["code"]) == (400, "request.invalid_parameter")


async def test_history_rows_are_appended(client, world, form, homes, db):
    from sqlalchemy import select

    from service.reviews.models import VisitReview
    from tests.visits.conftest import fetch

    visit_id = await _send(client, world, form, homes.located)
    url = f"/api/v1/visits/{visit_id}/review"
    for body in ({"decision": "reject", "note": "Ảnh mờ"}, {"decision": "approve"}):
        assert (await client.post(url, json=body, headers=world["supervisor_a"].headers)).status_code == 200
    rows = await fetch(
        db, select(VisitReview).where(VisitReview.visit_id == uuid.UUID(visit_id)).order_by(VisitReview.id)
    )
    assert [(r.decision, r.comment, r.reviewer_id) for r in rows] == [
        ("rejected", "Ảnh mờ", world["supervisor_a"].user.id),
        ("approved", None, world["supervisor_a"].user.id),
    ]


async def test_bulk_review_reports_each_visit(client, world, form, homes):
    first = await _send(client, world, form, homes.located, finished_at=FINISHED)
    second = await _send(client, world, form, homes.located, finished_at=FINISHED + timedelta(hours=1))
    foreign = await _send(client, world, form, homes.other_commune, person="member_b1", with_location=False)
    unknown = str(uuid.uuid4())
    response = await client.post(
        "/api/v1/visits/review",
        headers=world["supervisor_a"].headers,
        json={"ids": [first, foreign, second, unknown, first], "decision": "approved"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["decided"], body["failed"]) == (2, 2)
    assert [(r["id"], r["status"]) for r in body["results"]] == [
        (first, 200),
        (foreign, 404),
        (second, 200),
        (unknown, 404),
    ]
    statuses = {
        v["id"]: v["review_status"]
        for v in (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()["items"]
    }
    assert statuses == {first: "approved", second: "approved"}
    # The other commune's visit was not touched.
    other = (await client.get("/api/v1/me/visits", headers=world["member_b1"].headers)).json()["items"]
    assert [v["review_status"] for v in other] == ["pending"]
    # Rejecting in bulk needs the comment, per visit.
    refused = (
        await client.post(
            "/api/v1/visits/review",
            headers=world["supervisor_a"].headers,
            json={"ids": [first], "decision": "rejected"},
        )
    ).json()
    assert refused["results"] == [{"id": first, "status": 422, "code": "visit.review_note_required", "review": None}]
    member = await client.post(
        "/api/v1/visits/review", headers=world["member_a1"].headers, json={"ids": [first], "decision": "approved"}
    )
    assert member.status_code == 403


async def test_a_follow_up_visit_names_the_visit_it_corrects(client, world, form, homes):
    rejected = await _send(client, world, form, homes.located, finished_at=FINISHED)
    await client.post(
        f"/api/v1/visits/{rejected}/review",
        headers=world["supervisor_a"].headers,
        json={"decision": "rejected", "comment": "Chụp lại ảnh"},
    )
    follow_up = await _send(
        client, world, form, homes.located, finished_at=FINISHED + timedelta(days=1), corrects=rejected
    )
    items = {
        v["id"]: v for v in (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()["items"]
    }
    assert items[follow_up]["corrects"] == rejected
    assert items[rejected]["corrected_by"] == [follow_up]
    assert items[rejected]["review_comment"] == "Chụp lại ảnh"


async def test_since_keeps_visits_reviewed_after_it(client, world, form, homes):
    old = await _send(client, world, form, homes.located)
    mine = (await client.get("/api/v1/me/visits", headers=world["member_a1"].headers)).json()["items"]
    after_arrival = mine[0]["received_at"]
    later = {"since": "2100-01-01T00:00:00Z"}
    assert (await client.get("/api/v1/me/visits", params=later, headers=world["member_a1"].headers)).json()[
        "items"
    ] == []
    from datetime import datetime

    moment = (datetime.fromisoformat(after_arrival) + timedelta(microseconds=1)).isoformat()
    assert (await client.get("/api/v1/me/visits", params={"since": moment}, headers=world["member_a1"].headers)).json()[
        "items"
    ] == []
    await client.post(
        f"/api/v1/visits/{old}/review",
        headers=world["supervisor_a"].headers,
        json={"decision": "has_issues", "comment": "Thiếu ảnh"},
    )
    reviewed = (
        await client.get("/api/v1/me/visits", params={"since": moment}, headers=world["member_a1"].headers)
    ).json()["items"]
    assert [(v["id"], v["review_status"]) for v in reviewed] == [(old, "has_issues")]


def test_visits_without_corrects_keep_their_content_identity():
    """Phones retry visits stored before `corrects` existed: their payload_hash must not change."""
    import hashlib
    import json

    import msgspec

    from service.visits.services import decode_submission

    body = visit(("household-digital-skills", "1"), uuid.uuid4())
    submission, digest = decode_submission(json.dumps(body).encode())
    encoded = msgspec.json.encode(submission, order="sorted")
    assert b"corrects" not in encoded and digest == hashlib.sha256(encoded).hexdigest()
    corrected, other = decode_submission(json.dumps(body | {"corrects": str(uuid.uuid4())}).encode())
    assert other != digest and corrected.corrects is not msgspec.UNSET
