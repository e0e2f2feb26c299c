"""A visit's own times must agree with each other: a finish days before the start is a broken client."""

from __future__ import annotations

from datetime import timedelta

from tests.visits.conftest import count_rows
from tests.visits.support import FINISHED, jpeg, multipart, visit


async def test_started_after_finished_is_refused_with_its_path(client, world, form, homes, db):
    phone = world["member_a1"].headers
    started = (FINISHED + timedelta(days=10)).isoformat()
    as_json = visit(form, homes.located.id, started_at=started)
    with_photo = visit(form, homes.located.id, started_at=started)
    for request in ({"json": as_json}, multipart(with_photo, [("evidence_photos", jpeg(3))])):
        response = await client.post("/api/v1/visits", headers=phone, **request)
        assert response.status_code == 422, response.text
        assert response.headers["content-type"].startswith("application/problem+json")
        problem = response.json()
        assert problem["code"] == "visit.invalid"
        assert {"question": "finished_at", "code": "visit.finished_before_started"}.items() <= problem["errors"][
            0
        ].items()
    assert await count_rows(db) == {"visits": 0, "photos": 0, "flags": 0}


async def test_a_clock_corrected_during_the_visit_is_still_a_visit(client, world, form, homes, db):
    # The phone's clock stepped back two minutes (network time) between opening and finishing the form.
    body = visit(form, homes.located.id, started_at=(FINISHED + timedelta(minutes=2)).isoformat())
    response = await client.post("/api/v1/visits", headers=world["member_a1"].headers, json=body)
    assert response.status_code == 201, response.text
    assert (await count_rows(db))["visits"] == 1
