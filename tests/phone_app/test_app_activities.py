"""A team leader logs the team's activities in /app: offline first, sent through the outbox, counted once even when
the answer to the first send is lost and the phone sends it again."""

from __future__ import annotations

import os
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, Route, expect

from tests.phone_app.app_steps import DOCS, admin_headers, sign_in
from tests.support.live_server import LiveServer

SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1"
    else DOCS
)


def _trainings(server: LiveServer, headers: dict[str, str], area: str) -> int:
    report = httpx.get(server.url + "/api/v1/reports/summary", params={"area": area}, headers=headers, timeout=30)
    assert report.status_code == 200, report.text
    return int(report.json()["activities"]["area"]["trainings"])


def test_a_leader_records_a_training_offline_and_it_counts_once_after_two_sends(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    leader = next(m for m in credentials["members"] if m["role"] == "leader" and m["token"])
    village = leader["area_code"]
    admin = admin_headers(server, credentials)
    before = _trainings(server, admin, village)
    lost: list[int] = []
    answered: list[int] = []

    def drop_first_answer(route: Route) -> None:
        if route.request.method == "POST" and not lost:
            response = route.fetch()  # the service stores the training…
            lost.append(response.status)
            route.abort("connectionreset")  # …and the phone never hears back
        else:
            route.continue_()

    page = phone.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    phone.on("response", lambda r: answered.append(r.status) if r.url.endswith("/api/v1/activities") else None)
    sign_in(page, leader["token"])
    expect(page.locator("#activities-link")).to_be_visible()
    page.wait_for_function("navigator.serviceWorker.ready")
    page.route("**/api/v1/activities", drop_first_answer)
    phone.set_offline(True)
    page.click("#activities-link")
    page.click("#activity-new")
    expect(page.locator("#act-kind")).to_have_value("training")
    page.fill("#act-place", "Nhà văn hóa thôn")
    page.fill("#act-partner", "VNPT Thọ Xuân - Thường Xuân")
    page.click("#act-save")  # the topic and attendees are missing: said in plain words, nothing saved
    expect(page.locator('[data-field="topic"] .error')).to_have_text("Cần điền mục này.")
    page.fill("#act-topic", "Hướng dẫn cài đặt VNeID mức 2")
    page.fill("#act-attendees", "26")
    page.locator('[data-field="partner"]').scroll_into_view_if_needed()
    page.screenshot(path=str(SCREENSHOTS / "app-activity-360.png"))
    page.click("#act-save")
    item = page.locator("li.activity").first
    expect(item).to_have_attribute("data-state", "waiting")
    expect(page.locator("p.notice")).to_have_text("Đã lưu trên máy. Sẽ gửi khi có mạng.")
    assert answered == [] and lost == []
    phone.set_offline(False)
    for _ in range(60):  # the leader taps "Gửi ngay" rather than wait for the back-off
        if item.get_attribute("data-state") == "sent":
            break
        page.click("#activities-send")
        page.wait_for_timeout(250)
    expect(item).to_have_attribute("data-state", "sent")
    page.screenshot(path=str(SCREENSHOTS / "app-activities-360.png"), full_page=False)
    assert lost == [201], "the first send reached the service and was stored"
    assert 200 in answered, "the second send was recognised as the same training"
    assert _trainings(server, admin, village) == before + 1
    activity_id = item.get_attribute("data-activity")
    mine = httpx.get(
        server.url + "/api/v1/activities",
        params={"kind": "training", "limit": 1000},
        headers={"Authorization": f"Bearer {leader['token']}"},
        timeout=30,
    ).json()["items"]
    assert [a["id"] for a in mine].count(activity_id) == 1
    assert [p for p in problems if "ERR_CONNECTION_RESET" not in p] == []  # the one answer this test dropped
