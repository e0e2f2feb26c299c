"""The area tree: what each person sees, admins shaping it, and the imports that load it."""

from __future__ import annotations

import uuid

import pytest
from sqlalchemy import func, select

from service.areas.importer import import_areas_csv, import_vn_province
from service.areas.models import Area
from service.errors import DomainError


async def codes(client, headers, **params):
    response = await client.get("/api/v1/areas", headers=headers, params=params)
    assert response.status_code == 200, response.text
    return [a["code"] for a in response.json()["items"]]


async def test_each_person_sees_their_own_part_of_the_tree(client, world):
    assert await codes(client, world["admin"].headers) == ["38", "38-A", "38-B", "38-A-1", "38-A-2", "38-B-1"]
    assert await codes(client, world["supervisor_a"].headers) == ["38-A", "38-A-1", "38-A-2"]
    assert await codes(client, world["member_a1"].headers) == ["38-A-1"]
    assert await codes(client, world["supervisor_a"].headers, parent="38-A") == ["38-A-1", "38-A-2"]
    assert await codes(client, world["admin"].headers, level="village") == ["38-A-1", "38-A-2", "38-B-1"]


async def test_an_area_outside_my_scope_does_not_exist_for_me(client, world):
    mine = await client.get("/api/v1/areas/38-A-1", headers=world["supervisor_a"].headers)
    assert mine.status_code == 200
    assert mine.json() | {"closed_at": None} == {
        "code": "38-A-1",
        "name": "Thôn Một",
        "level": "village",
        "parent_code": "38-A",
        "depth": 2,
        "lat": None,
        "lon": None,
        "closed_at": None,
    }
    other = await client.get("/api/v1/areas/38-B-1", headers=world["supervisor_a"].headers)
    missing = await client.get("/api/v1/areas/nowhere", headers=world["supervisor_a"].headers)
    assert other.status_code == missing.status_code == 404
    assert other.json()["code"] == missing.json()["code"] == "object.not_found"
    filtered = await client.get("/api/v1/areas", params={"parent": "38-B"}, headers=world["supervisor_a"].headers)
    assert filtered.status_code == 404


async def test_listing_pages_with_a_cursor(client, world):
    seen, cursor = [], None
    while True:
        params = {"limit": 4} | ({"cursor": cursor} if cursor else {})
        page = (await client.get("/api/v1/areas", params=params, headers=world["admin"].headers)).json()
        seen += [a["code"] for a in page["items"]]
        cursor = page["next"]
        if cursor is None:
            break
    assert seen == ["38", "38-A", "38-B", "38-A-1", "38-A-2", "38-B-1"]
    bad = await client.get("/api/v1/areas", params={"cursor": "%%%"}, headers=world["admin"].headers)
    assert bad.status_code == 400 and bad.json()["code"] == "request.invalid_cursor"
    huge = await client.get("/api/v1/areas", params={"limit": 100000}, headers=world["admin"].headers)
    assert huge.status_code == 400


async def test_admin_creates_and_closes_areas(client, world):
    admin = world["admin"].headers
    created = await client.post(
        "/api/v1/areas",
        headers=admin,
        json={"code": "38-A-3", "name": "Thôn  Bốn ", "parent": "38-A", "lat": 19.9, "lon": 105.5},
    )
    assert created.status_code == 201
    assert created.json()["name"] == "Thôn Bốn" and created.json()["depth"] == 2
    again = await client.post("/api/v1/areas", headers=admin, json={"code": "38-A-3", "name": "x", "parent": "38-A"})
    assert again.status_code == 409 and again.json()["code"] == "area.exists"

    closed = await client.post("/api/v1/areas/38-A/close", headers=admin)
    assert closed.status_code == 200 and closed.json()["closed_at"]
    # The whole subtree is closed: hidden from lists by default, still readable, and it takes no new data.
    assert await codes(client, admin) == ["38", "38-B", "38-B-1"]
    assert "38-A-3" in await codes(client, admin, include_closed="true")
    assert (await client.get("/api/v1/areas/38-A-1", headers=admin)).json()["closed_at"]
    household = await client.post(
        "/api/v1/households",
        headers=world["member_a1"].headers,
        json={"id": str(uuid.uuid4()), "head_name": "Lê Văn Tám"},
    )
    assert household.status_code == 409 and household.json()["code"] == "area.closed"
    child = await client.post("/api/v1/areas", headers=admin, json={"code": "38-A-9", "name": "y", "parent": "38-A"})
    assert child.status_code == 409 and child.json()["code"] == "area.closed"


async def test_bad_area_input_is_refused_with_its_field(client, world):
    admin = world["admin"].headers
    bad = await client.post("/api/v1/areas", headers=admin, json={"code": "có dấu", "name": "", "lat": 91, "lon": 1})
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"code", "name", "lat"}
    unknown_parent = await client.post("/api/v1/areas", headers=admin, json={"code": "X1", "name": "x", "parent": "no"})
    assert unknown_parent.status_code == 422
    extra = await client.post("/api/v1/areas", headers=admin, json={"code": "X2", "name": "x", "colour": "red"})
    assert extra.status_code == 400
    assert (
        await client.post("/api/v1/areas", headers=world["supervisor_a"].headers, json={"code": "X3", "name": "x"})
    ).status_code == 403


async def test_village_csv_import_is_all_or_nothing_and_repeatable(db, world):
    content = (
        "code,name,parent_code,lat,lon\n"
        "38-A-1-X,Xóm Đông,38-A-1,19.91,105.51\n"
        "38-A-NEW,Thôn Mới,38-A,,\n"
        "38-A-NEW-1,Xóm Trong,38-A-NEW,,\n"
    ).encode()
    report = await import_areas_csv(db, content)
    await db.commit()
    assert (report.created, report.updated, report.unchanged) == (3, 0, 0)
    nested = (await db.execute(select(Area).where(Area.code == "38-A-NEW-1"))).scalar_one()
    parent = (await db.execute(select(Area).where(Area.code == "38-A-NEW"))).scalar_one()
    assert nested.path == f"{parent.path}{nested.id}/" and nested.depth == 3 and nested.level == "village"
    again = await import_areas_csv(db, content)
    assert (again.created, again.unchanged) == (0, 3)
    await db.commit()

    before = (await db.execute(select(func.count()).select_from(Area))).scalar_one()
    broken = (
        "code,name,parent_code,lat,lon\n"
        "38-B-2,Thôn Năm,38-B,,\n"
        "38-B-3,Thôn Sáu,nowhere,,\n"
        "38-A-1,Thôn Một,38-B,,\n"
        "38-B-4,,38-B,abc,\n"
    ).encode()
    with pytest.raises(DomainError) as caught:
        await import_areas_csv(db, broken)
    await db.rollback()
    assert caught.value.kind.code == "csv.invalid"
    codes_by_line = {(e["line"], e["code"]) for e in caught.value.errors}
    assert {(3, "area.unknown_parent"), (4, "area.parent_change"), (5, "area.bad_location")} <= codes_by_line
    assert (await db.execute(select(func.count()).select_from(Area))).scalar_one() == before


async def test_csv_with_wrong_header_or_encoding_is_refused(db, world):
    for content in (
        b"code,name\nA,B\n",
        b"code,name,parent_code,colour\nA,B,,red\n",
        "code,name,parent_code\nA,Thôn,\n".encode("cp1258"),
    ):
        with pytest.raises(DomainError) as caught:
            await import_areas_csv(db, content)
        assert caught.value.kind.code == "csv.invalid"
        await db.rollback()


async def test_official_wards_of_thanh_hoa_load_from_vietnam_provinces(db):
    report = await import_vn_province(db, 38)
    await db.commit()
    assert report.created == 167  # the province and its 166 communes and wards (no district level since 2025)
    province = (await db.execute(select(Area).where(Area.code == "38"))).scalar_one()
    assert province.name == "Thanh Hóa" and province.level == "province"
    wards = list((await db.execute(select(Area).where(Area.parent_id == province.id))).scalars())
    assert {w.level for w in wards} == {"commune", "ward"}
    assert any(w.name == "Phường Hạc Thành" for w in wards)
    assert (await import_vn_province(db, 38)).unchanged == 167
    with pytest.raises(DomainError):
        await import_vn_province(db, 999)
