"""Submitting visits as JSON: created once, retries answered from storage, validation, scope, leaders."""

from __future__ import annotations

import json
import uuid

from sqlalchemy import select

from service.households.models import Household
from service.visits.models import Visit
from tests.visits.conftest import count_rows, fetch
from tests.visits.support import visit

PROBLEM = "application/problem+json"


async def test_first_submission_creates_the_visit_awaiting_its_photos(client, world, form, homes, db):
    body = visit(form, homes.located.id)
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["id"] == body["id"]
    assert receipt["household_id"] == str(homes.located.id)
    assert receipt["status"] == "awaiting_photos"
    assert receipt["missing_photos"] == [{"question": "evidence_photos", "min_count": 1, "max_count": 3, "received": 0}]
    assert receipt["flags"] == []
    assert receipt["skill_level"] == 2
    stored = (await fetch(db, select(Visit).where(Visit.id == uuid.UUID(body["id"]))))[0]
    assert stored.submitted_by == world["member_a1"].user.id
    assert stored.area_id == world.areas["village_a1"].id
    assert stored.answers["vneid_level"] == "level2"
    assert stored.skill_level == 2 and stored.status == "awaiting_photos" and stored.review_status == "pending"


async def test_same_visit_again_gets_the_same_body(client, world, form, homes):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    first = await client.post("/api/v1/visits", json=body, headers=phone)
    # The phone re-serialises its queue: other key order and whitespace, same content.
    reordered = json.dumps(dict(reversed(list(body.items()))), indent=2)
    again = await client.post(
        "/api/v1/visits", content=reordered, headers={**phone, "content-type": "application/json"}
    )
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content


async def test_same_id_with_other_content_is_a_conflict(client, world, form, homes, db):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    assert (await client.post("/api/v1/visits", json=body, headers=phone)).status_code == 201
    changed = {**body, "answers": {**body["answers"], "members": 5}}
    response = await client.post("/api/v1/visits", json=changed, headers=phone)
    assert response.status_code == 409
    assert response.json()["code"] == "visit.conflict"
    # Another member reusing the id is refused the same way, without learning anything about the visit.
    other = await client.post("/api/v1/visits", json=body, headers=world["leader_a1"].headers)
    assert other.status_code == 409
    assert (await count_rows(db))["visits"] == 1


async def test_invalid_answers_are_listed_by_question(client, world, form, homes, db):
    body = visit(form, homes.located.id)
    body["answers"].update(members="bốn", vneid_level="level9", nonsense=1)
    del body["answers"]["cashless"]
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 422
    problem = response.json()
    assert problem["code"] == "visit.invalid"
    codes = {(e["question"], e["code"]) for e in problem["errors"]}
    assert {
        ("members", "answer.wrong_type"),
        ("vneid_level", "answer.unknown_choice"),
        ("cashless", "answer.required"),
        ("nonsense", "answer.unknown_question"),
    } <= codes
    assert all(e["message_vi"] and e["message_en"] for e in problem["errors"])
    assert (await count_rows(db))["visits"] == 0


async def test_answering_a_hidden_question_is_an_error(client, world, form, homes):
    body = visit(form, homes.located.id)
    body["answers"]["follow_up_reason"] = "không cần"  # shown only when follow_up is true
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 422
    assert {"question": "follow_up_reason", "code": "answer.not_relevant"}.items() <= response.json()["errors"][
        0
    ].items()


async def test_unknown_form_or_version(client, world, form, homes):
    phone = world["member_a1"].headers
    for form_id, version in ((form[0], "99"), ("no-such-form", "1")):
        response = await client.post("/api/v1/visits", json=visit((form_id, version), homes.located.id), headers=phone)
        assert response.status_code == 422
        assert response.json()["code"] == "visit.unknown_form"


async def test_households_outside_the_village_are_not_found(client, world, form, homes, db):
    phone = world["member_a1"].headers
    for household in (homes.other_village, homes.other_commune):
        response = await client.post("/api/v1/visits", json=visit(form, household.id), headers=phone)
        assert response.status_code == 404
    unknown = await client.post("/api/v1/visits", json=visit(form, uuid.uuid4()), headers=phone)
    assert unknown.status_code == 404
    assert (await count_rows(db))["visits"] == 0


async def test_exactly_one_of_household_id_and_new_household(client, world, form, homes):
    phone = world["member_a1"].headers
    neither = await client.post("/api/v1/visits", json=visit(form, None), headers=phone)
    both = await client.post(
        "/api/v1/visits", headers=phone, json=visit(form, homes.located.id, new_household={"id": str(uuid.uuid4())})
    )
    for response in (neither, both):
        assert response.status_code == 422
        assert response.json()["errors"][0]["code"] == "visit.household_required"


async def test_a_new_household_is_created_in_the_callers_village(client, world, form, db):
    household_id = uuid.uuid4()
    body = visit(form, None, new_household={"id": str(household_id), "area": "38-B-1", "head_name": "Xa"})
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 404  # another commune's village is not the member's to fill
    body["new_household"].pop("area")
    assert (await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)).status_code == 201
    assert len(await fetch(db, select(Household).where(Household.id == household_id))) == 1


async def test_leader_submits_for_a_team_member_without_a_smartphone(client, world, form, homes, db):
    member = world["member_a1"].user
    body = visit(form, homes.located.id, on_behalf_of=member.id)
    response = await client.post("/api/v1/visits", json=body, headers=world["leader_a1"].headers)
    assert response.status_code == 201, response.text
    stored = (await fetch(db, select(Visit).where(Visit.id == uuid.UUID(body["id"]))))[0]
    assert (stored.submitted_by, stored.on_behalf_of) == (world["leader_a1"].user.id, member.id)
    # The member sees the visit made in their name.
    mine = await client.get("/api/v1/visits", headers=world["member_a1"].headers)
    assert [v["id"] for v in mine.json()["items"]] == [body["id"]]


async def test_only_leaders_submit_on_behalf_and_only_for_their_team(client, world, form, homes, db):
    as_member = visit(form, homes.located.id, on_behalf_of=world["leader_a1"].user.id)
    response = await client.post("/api/v1/visits", json=as_member, headers=world["member_a1"].headers)
    assert (response.status_code, response.json()["code"]) == (403, "visit.on_behalf_forbidden")
    for stranger in (world["member_a2"].user.id, world["supervisor_a"].user.id, 999_999):
        body = visit(form, homes.located.id, on_behalf_of=stranger)
        response = await client.post("/api/v1/visits", json=body, headers=world["leader_a1"].headers)
        assert response.status_code == 422
        assert response.json()["errors"] == [
            {
                "question": "on_behalf_of",
                "code": "visit.not_team_member",
                "message_vi": "Người này không thuộc tổ của bạn.",
                "message_en": "This person is not a member of your team.",
            }
        ]
    assert (await count_rows(db))["visits"] == 0


async def test_supervisors_do_not_submit_visits(client, world, form, homes):
    response = await client.post(
        "/api/v1/visits", json=visit(form, homes.located.id), headers=world["supervisor_a"].headers
    )
    assert response.status_code == 403


async def test_a_retry_is_answered_from_storage_after_the_household_was_merged_away(client, world, form, homes, db):
    phone = world["member_a1"].headers
    body = visit(form, homes.unlocated.id)
    first = await client.post("/api/v1/visits", json=body, headers=phone)
    merged = await client.post(
        f"/api/v1/households/{homes.unlocated.id}/merge",
        json={"into": str(homes.other_commune.id)},
        headers=world["admin"].headers,
    )
    assert merged.status_code == 200, merged.text
    again = await client.post("/api/v1/visits", json=body, headers=phone)
    assert again.status_code == 200
    assert again.json()["id"] == first.json()["id"]


async def test_unknown_fields_from_newer_apps_are_ignored(client, world, form, homes):
    body = visit(form, homes.located.id, battery_level=0.31)
    body["location"]["altitude_m"] = 12.5
    response = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert response.status_code == 201


async def test_a_new_household_with_photos_in_one_multipart_request(client, world, form, db):
    from tests.visits.support import PHOTO_QUESTION, jpeg, multipart

    household_id = uuid.uuid4()
    body = visit(form, None, new_household={"id": str(household_id), "head_name": "Hộ tạm trú"})
    parts = multipart(body, [(PHOTO_QUESTION, jpeg(90))])
    first = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts)
    again = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts)
    assert (first.status_code, again.status_code) == (201, 200)
    assert first.json()["household_id"] == str(household_id) and first.json()["status"] == "complete"
    assert again.content == first.content
    assert len(await fetch(db, select(Household).where(Household.id == household_id))) == 1
