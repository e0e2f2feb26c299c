"""The periodic report: JSON, XLSX tables, and the printable page in headless Chromium."""

from __future__ import annotations

import io
import shutil
from pathlib import Path

import anyio
import openpyxl
from litestar.testing import AsyncTestClient

from service.auth.authn import SESSION_COOKIE
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import live_server
from tests.support.scenario import Scenario

SCREENSHOTS = Path("/tmp/gocua-report-screens")


async def test_summary_json_is_the_tally_with_a_timestamp(client: AsyncTestClient, scenario: Scenario) -> None:
    supervisor = scenario.world["supervisor_a"]
    response = await client.get("/api/v1/reports/summary", params={"area": "38-A"}, headers=supervisor.headers)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["tally"]["area"]["households"] == {"total": 5, "visited": 3, "coverage": 0.6}
    assert body["generated_at"].endswith("+07:00")
    outside = await client.get("/api/v1/reports/summary", params={"area": "38"}, headers=supervisor.headers)
    assert outside.status_code == 404
    page = await client.get("/reports/38", headers=supervisor.headers)
    assert page.status_code == 404


async def test_report_xlsx_has_the_same_tables(client: AsyncTestClient, scenario: Scenario) -> None:
    response = await client.get(
        "/api/v1/reports/summary.xlsx", params={"area": "38", "lang": "vi"}, headers=scenario.world["admin"].headers
    )
    assert response.status_code == 200, response.text
    book = openpyxl.load_workbook(io.BytesIO(response.content), read_only=True)
    assert book.sheetnames == [
        *("Bao phủ", "Mức kỹ năng", "Chỉ tiêu", "Khó tiếp cận", "Cảnh báo"),
        *("Hoạt động của tổ", "Đơn vị phối hợp", "Sàn TMĐT", "Hỗ trợ theo dịch vụ"),
    ]
    coverage = list(book["Bao phủ"].iter_rows(values_only=True))
    assert coverage[0][:3] == ("Mã", "Địa bàn", "Số tổ")
    assert [row[:2] for row in coverage[1:]] == [("38-A", "Xã Xuân Lập"), ("38-B", "Xã Thọ Lập"), ("38", "Thanh Hóa")]
    assert coverage[-1][5:] == (7, 4, 4 / 7)
    levels = list(book["Mức kỹ năng"].iter_rows(values_only=True))
    assert levels[1:] == [
        (0, "Chưa tiếp cận", 1, 0.25),
        (1, "Cơ bản", 1, 0.25),
        (2, "Sử dụng được", 2, 0.5),
        (3, "Thành thạo", 0, 0.0),
    ]
    flags = list(book["Cảnh báo"].iter_rows(values_only=True))
    assert flags[1:] == [("Vị trí giả lập", 1)]


def _look(url: str, token: str, shot: Path) -> dict[str, object]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 900, "height": 1200})
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.on("pageerror", lambda error: problems.append(str(error)))
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        response = page.goto(f"{url}/reports/38-A?from=2026-11-01&to=2026-11-30")
        assert response is not None and response.status == 200
        bars = page.locator("#coverage-chart svg rect.bar")
        result = {
            "title": page.locator("h1").inner_text(),
            "bars": bars.count(),
            "bars_visible": all(
                bars.nth(i).is_visible() and bars.nth(i).bounding_box()["width"] > 0  # type: ignore[index]
                for i in range(bars.count())
            ),
            "levels_visible": page.locator("#level-chart svg rect.bar").first.is_visible(),
            "rows": page.locator("#coverage tbody tr").count(),
            "text": page.locator("body").inner_text(),
            "problems": problems,
            "foreign": [r for r in requests if not r.startswith(url)],
        }
        page.screenshot(path=str(shot), full_page=True)
        page.get_by_text("English").click()
        result["english_title"] = page.locator("h1").inner_text()
        page.emulate_media(media="print")
        result["tools_hidden_in_print"] = not page.locator("nav.tools").is_visible()
        page.pdf(path=str(shot.with_suffix(".pdf")), format="A4")
        context.close()
        return result


async def test_report_page_renders_with_charts_in_chromium(
    settings: Settings, tmp_path: Path, scenario: Scenario
) -> None:
    supervisor = scenario.world["supervisor_a"]
    shot = tmp_path / "report.png"
    with live_server(settings, tmp_path) as server:
        seen = await anyio.to_thread.run_sync(_look, server.url, supervisor.token, shot)
    SCREENSHOTS.mkdir(exist_ok=True)
    shutil.copy(shot, SCREENSHOTS / f"report-{settings.resolved_database_url.split(':')[0]}.png")
    assert seen["problems"] == [] and seen["foreign"] == []
    assert seen["title"] == "BÁO CÁO" and seen["english_title"] == "REPORT"
    assert seen["bars"] == 2 and seen["bars_visible"] and seen["levels_visible"]
    assert seen["rows"] == 3  # two villages and the total
    text = str(seen["text"])
    assert "Xã Xuân Lập" in text and "Thôn Một" in text and "01/11/2026" in text
    assert "3/5" in text and "60,0%" in text and "66,7%" in text  # Vietnamese number format
    assert seen["tools_hidden_in_print"]


async def test_periods_reaching_the_first_or_last_day_a_date_can_name_count_everything(
    client: AsyncTestClient, scenario: Scenario
) -> None:
    """0001-01-01 and 9999-12-31 have no UTC instant (or next day): they used to answer 500 (OverflowError)."""
    headers = scenario.world["admin"].headers
    everything = (await client.get("/api/v1/tallies", params={"area": "38"}, headers=headers)).json()
    for params in ({"from": "0001-01-01"}, {"to": "9999-12-31"}, {"from": "0001-01-01", "to": "9999-12-31"}):
        for path in ("/api/v1/tallies", "/api/v1/reports/summary", "/api/v1/reports/summary.xlsx", "/reports/38"):
            response = await client.get(path, params={"area": "38", **params}, headers=headers)
            assert response.status_code == 200, (path, params, response.text[:300])
        tally = (await client.get("/api/v1/tallies", params={"area": "38", **params}, headers=headers)).json()
        assert tally["area"]["households"] == everything["area"]["households"]
        assert tally["area"]["visits"] == everything["area"]["visits"], params
