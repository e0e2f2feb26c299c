"""The officer's text: a paragraph rewritten on the report page (Chromium) is kept per area and period with who and
when, a figure that changed since is pointed out, and the DOCX and PDF carry the rewrite."""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path
from typing import Any

import anyio
from litestar.testing import AsyncTestClient

from service.auth.authn import SESSION_COOKIE
from service.settings import Settings
from tests.reports.activity_scene import District, district, form  # noqa: F401
from tests.reports.test_report_documents import docx_text, pdf_text
from tests.support.browser import chromium
from tests.support.live_server import live_server

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
PERIOD = {"from": "2026-11-01", "to": "2026-11-30"}
REWRITE = "Trong tháng, các tổ ở xã đã phối hợp với VNPT Thọ Xuân và Viettel mở 2 lớp tập huấn cho người dân."


def _edit_on_the_page(url: str, token: str, shots: Path) -> dict[str, Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{url}/reports/38-A?from=2026-11-01&to=2026-11-30")
        box = page.locator('.para[data-section="I.2.a"]')
        drafted = box.locator("p.text").inner_text()
        box.get_by_role("button", name="Sửa đoạn này").click()
        box.locator("textarea").fill(REWRITE)
        page.screenshot(path=str(shots / "report-edit-1280.png"), full_page=False, clip=_clip(box))
        with page.expect_navigation():
            box.get_by_role("button", name="Lưu").click()
        box = page.locator('.para[data-section="I.2.a"]')
        result = {
            "drafted": drafted,
            "after": box.locator("p.text").inner_text(),
            "note": box.locator("p.note").inner_text(),
            "body": page.locator("body").inner_text(),
        }
        context.close()
        result["problems"] = problems
        return result


def _clip(box: Any) -> dict[str, float]:
    area = box.bounding_box()
    return {"x": 0, "y": max(area["y"] - 40, 0), "width": 1280, "height": area["height"] + 260}


def _see_the_change(url: str, token: str, shots: Path) -> dict[str, Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 1000})
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        page.goto(f"{url}/reports/38-A?from=2026-11-01&to=2026-11-30")
        box = page.locator('.para[data-section="I.2.a"]')
        seen = {"changed": box.locator(".changed li").all_inner_texts(), "text": box.locator("p.text").inner_text()}
        page.screenshot(path=str(shots / "report-changed-1280.png"), clip=_clip(box))
        page.set_viewport_size({"width": 900, "height": 1200})
        page.screenshot(path=str(shots / "report-page-900.png"), full_page=False)
        context.close()
        return seen


async def test_an_officer_rewrites_a_paragraph_and_the_documents_carry_it(
    client: AsyncTestClient, district: District, settings: Settings, tmp_path: Path
) -> None:
    supervisor = district.world["supervisor_a"]
    shots = tmp_path / "shots"
    shots.mkdir()
    with live_server(settings, tmp_path) as server:
        seen = await anyio.to_thread.run_sync(_edit_on_the_page, server.url, supervisor.token, shots)
        assert seen["problems"] == []
        assert "2 lớp tập huấn" in seen["drafted"] and seen["after"] == REWRITE
        assert seen["note"].startswith("Đã sửa bởi Giam Sat A lúc ")
        # A training recorded after the edit: the paragraph keeps the officer's words and says what moved.
        late = {
            "id": str(uuid.uuid4()),
            "kind": "training",
            "held_on": "2026-11-20",
            "area": "38-A-1",
            "topic": "Sổ sức khỏe điện tử",
            "attendees": 15,
        }
        assert (await client.post("/api/v1/activities", json=late, headers=supervisor.headers)).status_code == 201
        later = await anyio.to_thread.run_sync(_see_the_change, server.url, supervisor.token, shots)
    assert later["text"] == REWRITE
    assert "Lớp tập huấn: 2 → 3" in later["changed"] and "Lượt người dự tập huấn: 54 → 69" in later["changed"]
    if os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1":  # refresh docs/screenshots; a plain run leaves the tree clean
        for name in ("report-edit-1280.png", "report-changed-1280.png", "report-page-900.png"):
            shutil.copy(shots / name, SCREENSHOTS / name)
    params = {"area": "38-A", **PERIOD}
    docx = await client.get("/api/v1/reports/summary.docx", params=params, headers=supervisor.headers)
    pdf = await client.get("/api/v1/reports/summary.pdf", params=params, headers=supervisor.headers)
    assert REWRITE in docx_text(docx.content) and REWRITE in pdf_text(pdf.content, tmp_path)
    # Another period of the same commune is untouched: the text is kept per area and period.
    other = await client.get("/api/v1/reports/summary", params={"area": "38-A"}, headers=supervisor.headers)
    assert {s["key"]: s for s in other.json()["sections"]}["I.2.a"]["edited"] is False


async def test_narrative_edits_are_scoped_checked_and_can_go_back_to_the_draft(
    client: AsyncTestClient, district: District
) -> None:
    world = district.world
    url = "/api/v1/reports/narrative"
    params = {"area": "38-A", **PERIOD}
    body = {"section": "III", "text": "Đề nghị hỗ trợ kinh phí hoạt động cho các tổ."}
    assert (await client.put(url, params=params, json=body, headers=world["supervisor_b"].headers)).status_code == 404
    own = {**params, "area": "38-A-1"}  # the leader's own village: a field role, refused
    assert (await client.put(url, params=own, json=body, headers=world["leader_a1"].headers)).status_code == 403
    unknown = await client.put(url, params=params, json={**body, "section": "IV"}, headers=world["admin"].headers)
    assert unknown.status_code == 422 and unknown.json()["code"] == "report.unknown_section"
    saved = await client.put(url, params=params, json=body, headers=world["supervisor_a"].headers)
    assert saved.status_code == 200 and saved.json()["text"] == body["text"] and saved.json()["edited"]
    back = await client.put(url, params=params, json={**body, "text": "  "}, headers=world["supervisor_a"].headers)
    assert back.json()["edited"] is False and back.json()["text"] == ""
