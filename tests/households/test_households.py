"""Households: creation from phones, merges that carry visits along, and the phones' incremental sync."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from service.db.engine import utcnow
from service.errors import DomainError
from service.households.importer import import_households_csv
from service.households.models import Household
from service.households.services import create_household_from_visit, get_household_for_visit
from service.visits.models import Visit
from tests.support.world import add_household


def new_household(**fields):
    return {
        "id": str(uuid.uuid4()),
        "head_name": "Nguyễn Văn An",
        "address": "Xóm Chùa",
        "member_count": 4,
        "lat": 19.91,
        "lon": 105.51,
    } | fields


async def sync(client, headers, cursor=None, **params):
    """Everything changed since `cursor`, following `has_more`; returns (items, next cursor)."""
    items = []
    while True:
        query = params | ({"updated_since": cursor} if cursor else {})
        response = await client.get("/api/v1/households", headers=headers, params=query)
        assert response.status_code == 200, response.text
        page = response.json()
        items += page["items"]
        cursor = page["next"]
        if not page["has_more"]:
            return items, cursor


async def test_a_member_creates_a_household_in_their_village_once(client, world):
    member = world["member_a1"].headers
    payload = new_household(elderly_only=True, app_build="2.3.1")  # unknown fields from newer phones are ignored
    first = await client.post("/api/v1/households", headers=member, json=payload)
    assert first.status_code == 201, first.text
    body = first.json()
    assert body["area_code"] == "38-A-1" and body["status"] == "active" and body["elderly_only"] is True
    retry = await client.post("/api/v1/households", headers=member, json=payload)
    assert retry.status_code == 200 and retry.json() == body
    changed = await client.post("/api/v1/households", headers=member, json=payload | {"member_count": 5})
    assert changed.status_code == 409 and changed.json()["code"] == "household.conflict"


async def test_members_create_only_in_their_own_village(client, world):
    member = world["member_a1"].headers
    elsewhere = await client.post("/api/v1/households", headers=member, json=new_household(area="38-A-2"))
    assert elsewhere.status_code == 404
    commune = await client.post("/api/v1/households", headers=member, json=new_household(area="38-A"))
    assert commune.status_code == 404
    supervisor = await client.post(
        "/api/v1/households", headers=world["supervisor_a"].headers, json=new_household(area="38-A-2")
    )
    assert supervisor.status_code == 201
    no_area = await client.post("/api/v1/households", headers=world["supervisor_a"].headers, json=new_household())
    assert no_area.status_code == 422


async def test_bad_household_input_is_refused_and_nothing_is_written(client, world, db):
    member = world["member_a1"].headers
    cases = [
        new_household(lat=95.0),
        new_household(lon=None),
        new_household(member_count=-1),
        new_household(head_name="x" * 300),
    ]
    for payload in cases:
        response = await client.post("/api/v1/households", headers=member, json=payload)
        assert response.status_code == 422, payload
        assert response.json()["code"] == "object.invalid" and response.json()["errors"]
    for payload in ({"head_name": "no id"}, new_household(id="not-a-uuid"), new_household(member_count="four")):
        assert (await client.post("/api/v1/households", headers=member, json=payload)).status_code == 400
    assert (await db.execute(select(func.count()).select_from(Household))).scalar_one() == 0


async def test_viewing_a_household_is_scoped_and_logged(client, world):
    created = (await client.post("/api/v1/households", headers=world["member_a1"].headers, json=new_household())).json()
    url = f"/api/v1/households/{created['id']}"
    assert (await client.get(url, headers=world["member_a1"].headers)).json() == created
    assert (await client.get(url, headers=world["supervisor_a"].headers)).status_code == 200
    for outsider in ("member_a2", "supervisor_b", "member_b1"):
        response = await client.get(url, headers=world[outsider].headers)
        assert response.status_code == 404 and response.json()["code"] == "object.not_found"
    unknown = await client.get(f"/api/v1/households/{uuid.uuid4()}", headers=world["admin"].headers)
    assert unknown.status_code == 404
    log = await client.get(
        "/api/v1/access-log",
        headers=world["admin"].headers,
        params={"object_type": "household", "object_id": created["id"]},
    )
    assert [e["username"] for e in log.json()["items"]] == ["giam_sat_a", "thanh_vien_a1"]


async def test_a_member_marks_a_household_moved(client, world):
    created = (
        await client.post(
            "/api/v1/households", headers=world["member_a1"].headers, json=new_household(temporary_resident=True)
        )
    ).json()
    url = f"/api/v1/households/{created['id']}"
    moved = await client.patch(url, headers=world["member_a1"].headers, json={"status": "moved", "address": None})
    assert moved.status_code == 200
    assert moved.json()["status"] == "moved" and moved.json()["address"] is None
    assert moved.json()["seq"] > created["seq"]
    assert moved.json()["head_name"] == created["head_name"]
    same = await client.patch(url, headers=world["member_a1"].headers, json={"status": "moved"})
    assert same.json()["seq"] == moved.json()["seq"]  # nothing changed: no new change number
    bad = await client.patch(url, headers=world["member_a1"].headers, json={"status": "merged"})
    assert bad.status_code == 422
    assert (await client.patch(url, headers=world["member_a2"].headers, json={"status": "active"})).status_code == 404


async def test_merge_moves_visits_to_the_survivor(client, world, db):
    village_a1, village_a2 = world.areas["village_a1"], world.areas["village_a2"]
    survivor = await add_household(db, village_a2, head_name="Lê Thị Hoa")
    duplicate = await add_household(db, village_a1, head_name="Lê Thị Hoa", lat=19.9, lon=105.5, member_count=3)
    older = await add_household(db, village_a1, head_name="Lê T. Hoa")
    visit_ids = [uuid.uuid4(), uuid.uuid4()]
    for visit_id in visit_ids:
        db.add(
            Visit(
                id=visit_id,
                form_id="f",
                form_version="1",
                household_id=duplicate.id,
                submitted_by=world["member_a1"].user.id,
                area_id=village_a1.id,
                area_path=village_a1.path,
                received_at=utcnow(),
                answers={},
                payload_hash="x",
                status="complete",
            )
        )
    await db.commit()
    supervisor = world["supervisor_a"].headers
    first = await client.post(
        f"/api/v1/households/{older.id}/merge", headers=supervisor, json={"into": str(duplicate.id)}
    )
    assert first.status_code == 200
    merged = await client.post(
        f"/api/v1/households/{duplicate.id}/merge", headers=supervisor, json={"into": str(survivor.id)}
    )
    assert merged.status_code == 200, merged.text
    body = merged.json()
    assert body["visits_moved"] == 2
    assert body["merged"]["status"] == "merged" and body["merged"]["merged_into"] == str(survivor.id)
    # The survivor keeps its own data and takes what it lacked from the duplicate.
    assert body["survivor"]["member_count"] == 3 and body["survivor"]["lat"] == 19.9
    rows = (
        await db.execute(select(Visit.household_id, Visit.area_id, Visit.area_path).where(Visit.id.in_(visit_ids)))
    ).all()
    assert set(rows) == {(survivor.id, village_a2.id, village_a2.path)}
    # A household merged into the duplicate earlier now points at the survivor directly.
    chained = (await db.execute(select(Household.merged_into_id).where(Household.id == older.id))).scalar_one()
    assert chained == survivor.id
    await db.commit()

    again = await client.post(
        f"/api/v1/households/{duplicate.id}/merge", headers=supervisor, json={"into": str(survivor.id)}
    )
    assert again.status_code == 200 and again.json()["visits_moved"] == 0
    elsewhere = await client.post(
        f"/api/v1/households/{duplicate.id}/merge", headers=supervisor, json={"into": str(uuid.uuid4())}
    )
    assert elsewhere.status_code == 404
    into_merged = await client.post(
        f"/api/v1/households/{survivor.id}/merge", headers=supervisor, json={"into": str(duplicate.id)}
    )
    assert into_merged.status_code == 409 and into_merged.json()["code"] == "household.merge_invalid"
    itself = await client.post(
        f"/api/v1/households/{survivor.id}/merge", headers=supervisor, json={"into": str(survivor.id)}
    )
    assert itself.status_code == 409
    edit = await client.patch(f"/api/v1/households/{duplicate.id}", headers=supervisor, json={"member_count": 1})
    assert edit.status_code == 409


async def test_merging_needs_a_supervisor_who_sees_both(client, world, db):
    a1 = await add_household(db, world.areas["village_a1"])
    a1_other = await add_household(db, world.areas["village_a1"])
    b1 = await add_household(db, world.areas["village_b1"])
    member = await client.post(
        f"/api/v1/households/{a1.id}/merge", headers=world["leader_a1"].headers, json={"into": str(a1_other.id)}
    )
    assert member.status_code == 403
    across = await client.post(
        f"/api/v1/households/{a1.id}/merge", headers=world["supervisor_a"].headers, json={"into": str(b1.id)}
    )
    assert across.status_code == 404
    admin = await client.post(
        f"/api/v1/households/{a1.id}/merge", headers=world["admin"].headers, json={"into": str(b1.id)}
    )
    assert admin.status_code == 200


async def test_phone_resync_gets_exactly_the_changes(client, world, db):
    """A phone syncs; another member adds a household and a supervisor merges two; the phone re-syncs."""
    phone = world["member_a1"].headers
    village = world.areas["village_a1"]
    originals = [await add_household(db, village, head_name=f"Hộ {i}") for i in range(5)]
    await add_household(db, world.areas["village_a2"], head_name="Hộ thôn khác")

    first, cursor = await sync(client, phone, limit=2)
    assert [h["head_name"] for h in first] == [f"Hộ {i}" for i in range(5)]
    nothing, same_cursor = await sync(client, phone, cursor)
    assert nothing == [] and same_cursor == cursor

    added = await client.post(
        "/api/v1/households", headers=world["leader_a1"].headers, json=new_household(head_name="Hộ mới")
    )
    assert added.status_code == 201
    await client.post(
        "/api/v1/households", headers=world["member_a2"].headers, json=new_household(head_name="Không phải thôn này")
    )
    merged = await client.post(
        f"/api/v1/households/{originals[1].id}/merge",
        headers=world["supervisor_a"].headers,
        json={"into": str(originals[3].id)},
    )
    assert merged.status_code == 200

    changes, cursor = await sync(client, phone, cursor, limit=1)
    summary = [(h["head_name"], h["status"], h["merged_into"]) for h in changes]
    assert summary == [
        ("Hộ mới", "active", None),
        ("Hộ 1", "merged", str(originals[3].id)),
        ("Hộ 3", "active", None),
    ]
    assert (await sync(client, phone, cursor))[0] == []


async def test_sync_scope_follows_the_caller(client, world, db):
    for key in ("village_a1", "village_a2", "village_b1"):
        await add_household(db, world.areas[key], head_name=key)
    supervisor, _ = await sync(client, world["supervisor_a"].headers)
    assert sorted(h["head_name"] for h in supervisor) == ["village_a1", "village_a2"]
    one_village, _ = await sync(client, world["supervisor_a"].headers, area="38-A-2")
    assert [h["head_name"] for h in one_village] == ["village_a2"]
    everything, _ = await sync(client, world["admin"].headers)
    assert len(everything) == 3
    outside = await client.get("/api/v1/households", params={"area": "38-B-1"}, headers=world["member_a1"].headers)
    assert outside.status_code == 404
    bad = await client.get(
        "/api/v1/households", params={"updated_since": "garbage!"}, headers=world["member_a1"].headers
    )
    assert bad.status_code == 400 and bad.json()["code"] == "request.invalid_cursor"


async def test_household_csv_import_is_repeatable(db, world):
    content = (
        "area_code,official_code,head_name,address,lat,lon,member_count,elderly_only,temporary_resident\n"
        "38-A-1,HGD-001,Đỗ Văn Nam,Xóm Giữa,19.9,105.5,3,0,1\n"
        "38-A-1,,Mai Thị Lan,Xóm Đầu,,,1,có,\n"
        "38-B-1,HGD-002,Vũ Đức Long,,,,,,\n"
    ).encode()
    report = await import_households_csv(db, content)
    await db.commit()
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    again = await import_households_csv(db, content)
    await db.commit()
    assert (again.created, again.unchanged) == (0, 3)
    edited = content.replace(b",19.9,105.5,3,", b",19.9,105.5,4,")
    assert (await import_households_csv(db, edited)).updated == 1
    await db.commit()
    rows = list((await db.execute(select(Household).order_by(Household.change_seq))).scalars())
    assert len(rows) == 3 and rows[-1].member_count == 4 and rows[-1].change_seq == 4
    assert {r.temporary_resident for r in rows if r.official_code == "HGD-001"} == {True}

    broken = (
        "area_code,head_name,lat,lon,member_count\n"
        "38-A-1,Tốt,,,2\n"
        "38-Z-9,Không có thôn,,,\n"
        "38-A-1,Sai số,abc,,\n"
        "38-A-1,Quá đông,,,999\n"
    ).encode()
    with pytest.raises(DomainError) as caught:
        await import_households_csv(db, broken)
    await db.rollback()
    assert {e["line"] for e in caught.value.errors} == {3, 4, 5}
    assert (await db.execute(select(func.count()).select_from(Household))).scalar_one() == 3


async def test_service_functions_for_visits(client, world, db):
    """What the visits domain calls: scoped lookup (following merges) and creation from a visit."""
    from service.auth.actor import Actor, Role

    member = Actor(
        user_id=world["member_a1"].user.id,
        username="thanh_vien_a1",
        full_name="x",
        role=Role.MEMBER,
        team_id=world.teams["a1"].id,
        area_id=world.areas["village_a1"].id,
        area_path=world.areas["village_a1"].path,
        via="device",
    )
    payload = {"id": str(uuid.uuid4()), "head_name": "Hộ mới từ phiếu", "unknown": 1}
    created = await create_household_from_visit(db, member, payload)
    again = await create_household_from_visit(db, member, payload)
    assert again.id == created.id
    with pytest.raises(DomainError) as conflict:
        await create_household_from_visit(db, member, payload | {"head_name": "khác"})
    assert conflict.value.kind.code == "household.conflict"
    await db.commit()
    survivor = await add_household(db, world.areas["village_a1"])
    response = await client.post(
        f"/api/v1/households/{created.id}/merge", headers=world["supervisor_a"].headers, json={"into": str(survivor.id)}
    )
    assert response.status_code == 200
    assert (await get_household_for_visit(db, member, created.id)).id == survivor.id
    other = await add_household(db, world.areas["village_b1"])
    with pytest.raises(DomainError) as hidden:
        await get_household_for_visit(db, member, other.id)
    assert hidden.value.kind.status == 404
