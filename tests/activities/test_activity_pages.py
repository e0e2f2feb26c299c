"""The supervisors' pages of the activity log: record from a form (once, however often it is sent), see the
problems by field, correct, list in pages; another commune's records are not there."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import anyio
import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.auth.authn import SESSION_COOKIE
from service.pages.guard import csrf_for
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import live_server
from tests.support.world import Person, World

SCREENSHOTS = Path(__file__).resolve().parents[2] / "docs" / "screenshots"
TRAINING = {
    "kind": "training",
    "held_on": "2026-11-05",
    "area": "38-A-1",
    "place": "Nhà văn hóa thôn Một",
    "partner": "Bưu điện huyện Thọ Xuân",
    "topic": "Hướng dẫn thanh toán không dùng tiền mặt",
    "attendees": "27",
}


@pytest.fixture
async def browser_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The app as a browser meets it: redirects are answers to check, not to follow."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as test_client:
        test_client.follow_redirects = False
        yield test_client
        await app.state.engine.dispose()


def _as(client: AsyncTestClient, person: Person) -> str:
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, person.token)
    return csrf_for(person.token)


def _action(html: str) -> str:
    match = re.search(r'<form method="post" action="([^"]+)"[^>]*id="activity-form"', html)
    assert match
    return match.group(1)


async def test_a_supervisor_records_corrects_and_lists_from_the_pages(
    browser_client: AsyncTestClient, world: World
) -> None:
    client = browser_client
    csrf = _as(client, world["supervisor_a"])
    page = await client.get("/activities/new")
    assert page.status_code == 200 and "Ghi hoạt động mới" in page.text
    action = _action(page.text)
    missing = await client.post(action, data={**TRAINING, "topic": "", "attendees": "hai", "csrf": csrf})
    assert missing.status_code == 422
    assert 'data-problem="topic"' in missing.text and 'data-problem="attendees"' in missing.text
    assert "Nhà văn hóa thôn Một" in missing.text  # what was typed comes back
    for _ in range(2):  # the form sent twice (a double tap, a reload): one record
        saved = await client.post(action, data={**TRAINING, "csrf": csrf})
        assert saved.status_code == 303 and saved.headers["location"] == "/activities?saved=1"
    listed = await client.get("/activities")
    assert listed.text.count("data-activity=") == 1 and "Hướng dẫn thanh toán không dùng tiền mặt" in listed.text
    activity_id = re.search(r'data-activity="([^"]+)"', listed.text).group(1)  # type: ignore[union-attr]
    assert "/api/v1/exports/activities.csv?area=38-A" in listed.text
    form = await client.get(f"/activities/{activity_id}")
    assert 'value="Bưu điện huyện Thọ Xuân"' in form.text
    fixed = await client.post(f"/activities/{activity_id}", data={**TRAINING, "attendees": "31", "csrf": csrf})
    assert fixed.status_code == 303
    stored = (await client.get(f"/api/v1/activities/{activity_id}")).json()
    assert stored["attendees"] == 31 and stored["updated_by"] == world["supervisor_a"].user.id
    no_token = await client.post(f"/activities/{activity_id}", data={**TRAINING})
    assert no_token.status_code == 403
    _as(client, world["supervisor_b"])
    assert (await client.get(f"/activities/{activity_id}")).status_code == 404
    assert "data-activity=" not in (await client.get("/activities")).text


async def test_the_list_pages_through_every_record(browser_client: AsyncTestClient, world: World) -> None:
    client = browser_client
    csrf = _as(client, world["supervisor_a"])
    for day in range(1, 56):
        action = _action((await client.get("/activities/new")).text)
        held_on = f"2026-{(day - 1) // 28 + 10}-{(day - 1) % 28 + 1:02d}"
        saved = await client.post(action, data={**TRAINING, "held_on": held_on, "csrf": csrf})
        assert saved.status_code == 303
    first = await client.get("/activities")
    assert first.text.count("data-activity=") == 50
    more = re.search(r'id="next-page" href="([^"]+)"', first.text).group(1)  # type: ignore[union-attr]
    second = await client.get(more.replace("&amp;", "&"))
    assert second.text.count("data-activity=") == 5 and 'id="next-page"' not in second.text


def _look(url: str, token: str, shot: Path) -> dict[str, Any]:
    with chromium() as browser:
        context = browser.new_context(viewport={"width": 1280, "height": 900})
        context.add_cookies([{"name": SESSION_COOKIE, "value": token, "url": url}])
        page = context.new_page()
        problems: list[str] = []
        page.on("console", lambda m: problems.append(f"{m.text} {m.location}") if m.type == "error" else None)
        page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
        page.goto(f"{url}/activities/new")
        page.select_option("#kind", "wifi_point")
        page.fill("#place", "Chợ Xuân Lập")
        page.click("#save-activity")
        page.wait_for_url("**/activities?saved=1")
        page.screenshot(path=str(shot), full_page=True)
        seen = {"text": page.locator("main").inner_text(), "problems": problems}
        context.close()
        return seen


async def test_the_pages_in_chromium(settings: Settings, tmp_path: Path, world: World) -> None:
    shot = tmp_path / "activities-1280.png"
    with live_server(settings, tmp_path) as server:
        seen = await anyio.to_thread.run_sync(_look, server.url, world["supervisor_a"].token, shot)
    assert seen["problems"] == []
    text = str(seen["text"])
    assert "Đã lưu hoạt động." in text and "Điểm wifi công cộng" in text and "Chợ Xuân Lập" in text
    for bad in ("None", "undefined", "NaN", "[object"):
        assert bad not in text
    if "sqlite" in settings.resolved_database_url and os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1":
        shutil.copy(shot, SCREENSHOTS / shot.name)
