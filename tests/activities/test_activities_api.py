"""The activity log through the API: recorded once per id, validated per kind, scoped, paged, corrected, exported."""

from __future__ import annotations

import csv
import io
import uuid
from datetime import date
from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from tests.support.world import World


def training(**fields: Any) -> dict[str, Any]:
    body = {
        "id": str(uuid.uuid4()),
        "kind": "training",
        "held_on": "2026-11-05",
        "place": "Nhà văn hóa thôn Một",
        "partner": "VNPT Thọ Xuân",
        "topic": "Cài đặt VNeID mức 2",
        "attendees": 24,
    }
    body.update(fields)
    return body


async def test_a_leader_records_once_per_id_and_a_changed_resend_conflicts(
    client: AsyncTestClient, world: World
) -> None:
    leader = world["leader_a1"]
    body = training(app_build="ignored: phones may send fields this version does not know")
    first = await client.post("/api/v1/activities", json=body, headers=leader.headers)
    assert first.status_code == 201, first.text
    again = await client.post("/api/v1/activities", json=body, headers=leader.headers)
    assert again.status_code == 200 and again.json() == first.json()
    assert first.json()["area"] == "38-A-1"  # a leader's own village when none is named
    changed = await client.post("/api/v1/activities", json={**body, "attendees": 25}, headers=leader.headers)
    assert changed.status_code == 409 and changed.json()["code"] == "activity.conflict"
    listed = await client.get("/api/v1/activities", params={"area": "38-A"}, headers=world["supervisor_a"].headers)
    assert [item["id"] for item in listed.json()["items"]] == [body["id"]]


async def test_each_kind_says_what_it_needs_and_members_do_not_record(client: AsyncTestClient, world: World) -> None:
    leader = world["leader_a1"]
    bad = {"id": str(uuid.uuid4()), "kind": "ecommerce", "held_on": "2026-11-05", "platform": "voso"}
    response = await client.post("/api/v1/activities", json=bad, headers=leader.headers)
    assert response.status_code == 422 and response.json()["code"] == "activity.invalid"
    assert {e["path"] for e in response.json()["errors"]} == {"beneficiary_kind", "beneficiary", "product"}
    services = {"id": str(uuid.uuid4()), "kind": "one_stop_help", "held_on": "2026-11-05", "services": {"x": 1}}
    response = await client.post("/api/v1/activities", json=services, headers=leader.headers)
    assert response.status_code == 422
    member = await client.post("/api/v1/activities", json=training(), headers=world["member_a1"].headers)
    assert member.status_code == 403
    outside = await client.post("/api/v1/activities", json=training(area="38-B-1"), headers=leader.headers)
    assert outside.status_code == 404
    listed = await client.get("/api/v1/activities", headers=world["admin"].headers)
    assert listed.json()["items"] == []  # nothing half-written


async def test_supervisors_see_their_commune_only_page_and_correct(client: AsyncTestClient, world: World) -> None:
    sup_a, sup_b = world["supervisor_a"], world["supervisor_b"]
    ids = []
    for day in range(1, 6):
        body = training(held_on=f"2026-11-0{day}", area="38-A-2")
        assert (await client.post("/api/v1/activities", json=body, headers=sup_a.headers)).status_code == 201
        ids.append(body["id"])
    wifi = {"id": str(uuid.uuid4()), "kind": "wifi_point", "held_on": "2026-11-02", "area": "38-B-1", "place": "Chợ"}
    assert (await client.post("/api/v1/activities", json=wifi, headers=sup_b.headers)).status_code == 201
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        page = (await client.get("/api/v1/activities", params=params, headers=sup_a.headers)).json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next"]
        if not cursor:
            break
    assert seen == ids[::-1]  # newest first, every one once, none of commune B's
    assert (await client.get(f"/api/v1/activities/{wifi['id']}", headers=sup_a.headers)).status_code == 404
    other = await client.get("/api/v1/activities", params={"area": "38-A"}, headers=sup_b.headers)
    assert other.status_code == 404
    fix = {k: v for k, v in training(held_on="2026-11-01", attendees=30).items() if k != "id"}
    edited = await client.put(f"/api/v1/activities/{ids[0]}", json=fix, headers=sup_a.headers)
    assert edited.status_code == 200, edited.text
    assert edited.json()["attendees"] == 30 and edited.json()["updated_by"] == sup_a.user.id
    unknown = await client.put(f"/api/v1/activities/{ids[0]}", json={**fix, "extra": 1}, headers=sup_a.headers)
    assert unknown.status_code == 400
    not_theirs = await client.put(f"/api/v1/activities/{ids[0]}", json=fix, headers=sup_b.headers)
    assert not_theirs.status_code == 404


async def test_csv_export_in_vietnamese_scoped_and_inert(client: AsyncTestClient, world: World) -> None:
    sup_a = world["supervisor_a"]
    body = training(topic='=HYPERLINK("x")', partner="Bưu điện huyện")
    assert (await client.post("/api/v1/activities", json=body, headers=sup_a.headers)).status_code == 201
    response = await client.get("/api/v1/exports/activities.csv", params={"area": "38-A"}, headers=sup_a.headers)
    assert response.status_code == 200
    assert "hoat-dong_38-A_" in response.headers["content-disposition"]
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][1] == "Loại (kind)" and len(rows) == 2
    assert rows[1][1] == "Lớp tập huấn" and rows[1][6] == "Bưu điện huyện" and rows[1][7].startswith("'=")
    denied = await client.get(
        "/api/v1/exports/activities.csv", params={"area": "38-A"}, headers=world["supervisor_b"].headers
    )
    assert denied.status_code == 404


async def test_the_csv_export_reads_every_row_once_past_its_page_size(
    client: AsyncTestClient, db: AsyncSession, world: World
) -> None:
    from service.activities.export import PAGE_ROWS
    from service.activities.services import ACTIVITIES
    from service.db.engine import utcnow

    village = world.areas["village_a1"]
    count = PAGE_ROWS * 2 + 7
    rows = [
        {
            **dict.fromkeys(ACTIVITIES.c.keys()),
            "id": uuid.uuid4(),
            "kind": "wifi_point",
            "held_on": date(2026, 11, 1 + i % 3),  # many rows share a day: the id breaks the ties
            "area_id": village.id,
            "area_path": village.path,
            "place": f"Điểm {i}",
            "payload_hash": "0" * 64,
            "recorded_by": world["admin"].user.id,
            "recorded_at": utcnow(),
        }
        for i in range(count)
    ]
    await db.execute(insert(ACTIVITIES), rows)
    await db.commit()
    response = await client.get("/api/v1/exports/activities.csv", params={"area": "38"}, headers=world["admin"].headers)
    ids = [row[0] for row in csv.reader(io.StringIO(response.content.decode("utf-8-sig")))][1:]
    assert len(ids) == count and set(ids) == {str(row["id"]) for row in rows}
