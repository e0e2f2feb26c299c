"""Exports read back by real readers: Python's csv (with the BOM), openpyxl, a JSON parser."""

from __future__ import annotations

import csv
import io
import json
from datetime import date

import openpyxl
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import AccessLog
from tests.support.scenario import Scenario

HYPERLINK = '=HYPERLINK("http://evil.example","bấm")'


async def _get(client: AsyncTestClient, path: str, who: object, **params: str):
    response = await client.get(path, params=params, headers=who.headers)  # type: ignore[attr-defined]
    assert response.status_code == 200, response.text
    return response


async def test_coverage_csv_opens_with_vietnamese_text_and_inert_formulas(
    client: AsyncTestClient,
    db: AsyncSession,
    scenario: Scenario,
) -> None:
    supervisor = scenario.world["supervisor_a"]
    response = await _get(client, "/api/v1/exports/households.csv", supervisor, area="38-A")
    assert response.content.startswith(b"\xef\xbb\xbf")
    assert b"\r\n" in response.content and response.content.count(b"\n") == response.content.count(b"\r\n")
    assert response.headers["content-type"].startswith("text/csv")
    assert f"ho-gia-dinh_38-A_{date.today().isoformat()[:4]}" in response.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"), newline="")))
    by_head = {row["Chủ hộ"]: row for row in rows}
    assert set(by_head) == {"Lê Thị Một", "Trần Văn Hai", "Phạm Ba", "Đỗ Thị Năm", "'" + HYPERLINK}
    assert by_head["Lê Thị Một"]["Đã thăm"] == "Có" and by_head["Lê Thị Một"]["Chỉ có người cao tuổi"] == "Có"
    assert by_head["Lê Thị Một"]["Tên mức"] == "Sử dụng được" and by_head["Lê Thị Một"]["Mức"] == "2"
    assert by_head["Lê Thị Một"]["Trạng thái duyệt"] == "Đã duyệt"
    assert by_head["Lê Thị Một"]["Có điện thoại thông minh"] == "Có"
    assert by_head["Trần Văn Hai"]["Mức"] == "1" and by_head["Trần Văn Hai"]["Người thăm"] == "Thanh Vien A1"
    assert by_head["Phạm Ba"]["Đã thăm"] == "Không" and by_head["Phạm Ba"]["Mức"] == ""
    assert by_head["Lê Thị Một"]["Xã/Phường"] == "Xã Xuân Lập"
    unvisited = await _get(client, "/api/v1/exports/households.csv", supervisor, area="38-A", visited="no")
    heads = {r["Chủ hộ"] for r in csv.DictReader(io.StringIO(unvisited.content.decode("utf-8-sig"), newline=""))}
    assert heads == {"Phạm Ba", "'" + HYPERLINK}
    logged = (await db.execute(select(AccessLog).where(AccessLog.action == "export_households_csv"))).scalars().all()
    await db.commit()
    assert [(row.user_id, row.object_id) for row in logged] == [(supervisor.user.id, "38-A")] * 2


async def test_coverage_xlsx_and_geojson(client: AsyncTestClient, scenario: Scenario) -> None:
    admin = scenario.world["admin"]
    response = await _get(client, "/api/v1/exports/households.xlsx", admin, area="38")
    sheet = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:5] == ("Mã hộ", "Thôn/Khu phố", "Xã/Phường", "Chủ hộ", "Địa chỉ")
    heads = [row[3] for row in rows[1:]]
    assert HYPERLINK in heads and "Trần Văn Hai" in heads and len(heads) == 7  # H4 merged, H9 closed
    raw = openpyxl.load_workbook(io.BytesIO(response.content))
    cell = next(c for row in raw.active.iter_rows() for c in row if c.value == HYPERLINK)
    assert cell.data_type == "s"  # text, not a formula
    geo = json.loads((await _get(client, "/api/v1/exports/households.geojson", admin, area="38-A-1")).content)
    assert geo["type"] == "FeatureCollection" and len(geo["features"]) == 3
    located = [f for f in geo["features"] if f["geometry"] is not None]
    assert located and all(f["geometry"]["type"] == "Point" for f in located)
    lon, lat = located[0]["geometry"]["coordinates"]
    assert 19 < lat < 21 and 105 < lon < 106  # [lon, lat], as GeoJSON orders them


async def test_exports_are_for_supervisors_in_scope(client: AsyncTestClient, scenario: Scenario) -> None:
    world = scenario.world
    outside = await client.get(
        "/api/v1/exports/households.csv", params={"area": "38"}, headers=world["supervisor_a"].headers
    )
    assert outside.status_code == 404
    member = await client.get(
        "/api/v1/exports/households.csv", params={"area": "38-A-1"}, headers=world["member_a1"].headers
    )
    assert member.status_code == 403
    bad = await client.get(
        "/api/v1/exports/households.csv", params={"area": "38", "visited": "maybe"}, headers=world["admin"].headers
    )
    assert bad.status_code == 400 and bad.json()["code"] == "request.invalid_parameter"


async def test_visits_export_has_a_column_per_question_and_choice(client: AsyncTestClient, scenario: Scenario) -> None:
    admin = scenario.world["admin"]
    codes = await _get(client, "/api/v1/exports/visits.csv", admin, area="38-A", labels="codes")
    rows = list(csv.DictReader(io.StringIO(codes.content.decode("utf-8-sig"), newline="")))
    assert len(rows) == 6  # v1-v6 (v5 moved with its household, still in A-1)
    first = next(r for r in rows if r["visit_id"] == scenario.visits["v1"])
    assert first["data_worries/scam_calls"] == "1" and first["data_worries/fake_apps"] == "0"
    assert first["vneid_level"] == "level2" and first["has_smartphone"] == "true"
    assert float(first["gps_lat"]) > 19 and float(first["location/lat"]) > 19 and first["location/accuracy_m"]
    assert first["finished_at"] == "2026-11-09T10:00:00"  # Vietnam time
    vi = await _get(client, "/api/v1/exports/visits.xlsx", admin, area="38-A", labels="vi")
    sheet = openpyxl.load_workbook(io.BytesIO(vi.content), read_only=True).active
    header = next(sheet.iter_rows(values_only=True))
    assert "Mã phiếu" in header and any(
        str(title).endswith("/VNeID mức 2") or "Lừa đảo" in str(title) or "/" in str(title) for title in header
    )
