"""The phone app end to end: sign-in, households, a visit with GPS and a photo, the outbox offline and on 2G."""

from __future__ import annotations

import httpx
from playwright.sync_api import BrowserContext, FilePayload, Route, expect

from tests.phone_app.app_steps import (
    DOCS,
    admin_headers,
    api,
    choose,
    fill_form,
    open_household,
    sign_in,
    twelve_megapixel_jpeg,
)
from tests.support.live_server import LiveServer


def test_a_wrong_or_revoked_code_says_so_plainly(phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto("/app")
    # Desktop Chromium has no BarcodeDetector: the member is told to paste instead.
    page.click("#scan")
    expect(page.locator("[role=alert]").first).to_contain_text("dán mã vào ô bên dưới")
    page.fill("#token", "gcd_khong-dung-ma-nay")
    page.click("#signin")
    expect(page.locator("[role=alert]").first).to_contain_text("đã bị thu hồi")


def test_the_qr_payload_of_an_issued_token_signs_in_and_a_revocation_is_told_plainly(
    phone: BrowserContext,
    server: LiveServer,
    credentials: dict,
) -> None:
    admin = admin_headers(server, credentials)
    someone = [m for m in credentials["members"] if m["token"]][-1]
    user_id = api(server, someone["token"], "/api/v1/me").json()["id"]
    issued = httpx.post(
        f"{server.url}/api/v1/members/{user_id}/device-tokens",
        headers=admin,
        json={"label": "điện thoại thử"},
        timeout=10,
    ).json()
    page = phone.new_page()
    page.goto("/app")
    page.fill("#token", issued["qr_payload"])  # exactly what the QR code carries
    page.click("#signin")
    expect(page.locator("#search")).to_be_visible()
    revoked = httpx.delete(
        f"{server.url}/api/v1/members/{user_id}/device-tokens/{issued['id']}", headers=admin, timeout=10
    )
    assert revoked.status_code == 204
    page.reload()
    expect(page.locator("[role=alert]").first).to_contain_text("đã bị thu hồi", timeout=15000)
    expect(page.locator("#signin")).to_be_visible()


def test_a_household_added_in_the_field_reaches_the_service_with_the_phones_uuid(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
) -> None:
    page = phone.new_page()
    sign_in(page, member["token"])
    page.click("#new-household")
    page.fill("#head_name", "Lò Văn Đạt")
    page.fill("#address", "Lán trại công nhân, cuối thôn")
    page.fill("#member_count", "2")
    page.check("#temporary_resident")
    page.click("#save-household")
    expect(page.locator(".household-line .tag.temporary")).to_have_text("Tạm trú")
    household_id = page.url.rsplit("/", 1)[1]
    # English for a member who prefers it, and back, without losing what was already answered.
    page.fill('[data-question="members"] input', "2")
    choose(page, "has_smartphone", "Có")
    page.click("#lang")
    expect(page.locator('[data-question="members"] .label')).to_have_text("How many people live in the household? *")
    expect(page.locator("#submit")).to_have_text("Save visit")
    expect(page.locator('[data-question="members"] input')).to_have_value("2")
    expect(page.locator('[data-question="has_smartphone"] input[value="true"]')).to_be_checked()
    expect(page.locator('[data-question="has_mobile_data"]')).to_be_visible()
    page.click("#lang")
    expect(page.locator("#submit")).to_have_text("Lưu phiếu")
    expect(page.locator('[data-question="members"] input')).to_have_value("2")
    page.click("a.back")
    page.fill("#search", "lo van dat")
    expect(page.locator(f'a.household[data-id="{household_id}"] .tag.new')).to_be_visible()
    for _ in range(50):
        found = api(server, member["token"], f"/api/v1/households/{household_id}")
        if found.status_code == 200:
            break
        page.wait_for_timeout(200)
    assert found.status_code == 200, found.text
    body = found.json()
    assert body["head_name"] == "Lò Văn Đạt" and body["temporary_resident"] is True and body["member_count"] == 2


def test_households_show_their_kind_find_by_code_and_follow_changes_made_elsewhere(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
    credentials: dict,
) -> None:
    households = api(server, member["token"], "/api/v1/households?limit=500").json()["items"]
    elderly = next(h for h in households if h["elderly_only"] and h["official_code"])
    page = phone.new_page()
    sign_in(page, member["token"])
    page.fill("#search", elderly["official_code"])
    row = page.locator(f'a.household[data-id="{elderly["id"]}"]')
    expect(row.locator(".tag.elderly")).to_have_text("Chỉ người già")
    # A supervisor records that the household moved away; the next incremental sync brings just that change.
    changed = httpx.patch(
        f"{server.url}/api/v1/households/{elderly['id']}",
        json={"status": "moved"},
        headers=admin_headers(server, credentials),
        timeout=10,
    )
    assert changed.status_code == 200, changed.text
    synced: list[str] = []
    page.on("request", lambda r: synced.append(r.url) if "/api/v1/households?" in r.url else None)
    page.reload()
    page.fill("#search", elderly["official_code"])
    expect(row.locator(".tag.moved")).to_have_text("Đã chuyển đi", timeout=15000)
    assert synced and all("updated_since=" in url for url in synced)


def test_a_poor_gps_fix_waits_and_the_member_may_honestly_use_it(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
) -> None:
    phone.set_geolocation({"latitude": 19.9, "longitude": 105.4, "accuracy": 180})
    page = phone.new_page()
    sign_in(page, member["token"])
    open_household(page, server, member)
    page.click('[data-question="location"] button.big')
    status = page.locator('[data-question="location"] .gps-status')
    expect(status).to_contain_text("Vị trí chưa chính xác, đang chờ tốt hơn… ± 180 m")
    page.click('[data-question="location"] button.secondary')
    expect(status).to_have_text("Đã có vị trí: ± 180 m")
    expect(page.locator('[data-question="location"] .error')).to_have_text("")


def test_a_visit_with_gps_and_a_12_mp_photo_arrives_downscaled_and_upright(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
    credentials: dict,
) -> None:
    page = phone.new_page()
    sign_in(page, member["token"])
    household = open_household(page, server, member)
    fill_form(page, twelve_megapixel_jpeg(), screenshot=True)
    page.click("#submit")
    sent = page.locator("li.visit").first
    expect(sent).to_have_attribute("data-state", "sent", timeout=20000)
    visit_id = sent.get_attribute("data-visit")
    detail = api(server, member["token"], f"/api/v1/visits/{visit_id}").json()
    assert detail["household_id"] == household["id"]
    assert detail["answers"]["school_children"] == 1 and "follow_up_reason" not in detail["answers"]
    assert detail["location"]["accuracy_m"] == 12
    [photo] = detail["photos"]
    assert photo["width"] * photo["height"] <= 1_600_000
    assert photo["width"] * photo["height"] > 1_400_000
    assert photo["height"] > photo["width"], "the sideways sensor image was turned upright on the phone"
    assert photo["taken_at"].startswith("2026-11-30")
    # The supervisor sends it back with a comment; the member reads both on the phone.
    review = httpx.post(
        f"{server.url}/api/v1/visits/{visit_id}/review",
        headers=admin_headers(server, credentials),
        json={"decision": "reject", "note": "Ảnh mờ, xin chụp lại."},
        timeout=10,
    )
    assert review.status_code == 200, review.text
    page.reload()
    expect(page.locator(f'li.visit[data-visit="{visit_id}"] .review')).to_have_text(
        "Bị trả lại — Ảnh mờ, xin chụp lại.", timeout=15000
    )


def test_offline_visits_wait_survive_a_reload_and_arrive_once_each(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
) -> None:
    page = phone.new_page()
    # What reached the server and was answered (attempts that failed offline never get a response).
    answered: list[tuple[str, str, int]] = []
    phone.on(
        "response",
        lambda r: (
            answered.append((r.request.method, r.url, r.status))
            if r.request.method in ("POST", "PUT") and "/api/v1/visits" in r.url
            else None
        ),
    )
    sign_in(page, member["token"])
    page.wait_for_function("navigator.serviceWorker.controller !== null || navigator.serviceWorker.ready")
    page.evaluate("navigator.serviceWorker.ready")
    photo = twelve_megapixel_jpeg()
    phone.set_offline(True)
    for _ in range(2):
        page.goto(server.url + "/app#")
        expect(page.locator("#net")).to_have_text("Mất mạng")
        open_household(page, server, member)
        fill_form(page, photo)
        page.click("#submit")
        expect(page.locator("li.visit").first).to_have_attribute("data-state", "waiting")
    page.reload()  # still offline: the service worker serves the app, IndexedDB still holds the outbox
    expect(page).to_have_url(server.url + "/app#outbox")
    waiting = page.locator('li.visit[data-state="waiting"]')
    expect(waiting).to_have_count(2)
    page.screenshot(path=str(DOCS / "app-outbox-360.png"), full_page=False)
    ids = [str(waiting.nth(i).get_attribute("data-visit")) for i in range(2)]
    assert answered == []
    phone.set_offline(False)
    for visit_id in ids:
        expect(page.locator(f'li.visit[data-visit="{visit_id}"]')).to_have_attribute(
            "data-state", "sent", timeout=30000
        )
    submits = [entry for entry in answered if entry[0] == "POST"]
    assert [status for _, _, status in submits] == [201, 201], "each visit was posted once, as a new visit"
    for visit_id in ids:
        puts = [entry for entry in answered if f"/visits/{visit_id}/photos/evidence_photos/0" in entry[1]]
        assert [status for _, _, status in puts] == [201]
        detail = api(server, member["token"], f"/api/v1/visits/{visit_id}").json()
        assert detail["status"] == "complete" and len(detail["photos"]) == 1
    mine = api(server, member["token"], "/api/v1/visits?limit=100").json()["items"]
    assert sorted(v["id"] for v in mine if v["id"] in ids) == sorted(ids)


def test_a_team_leader_records_the_visit_of_a_member_without_a_smartphone(
    phone: BrowserContext,
    server: LiveServer,
    credentials: dict,
) -> None:
    leader = next(m for m in credentials["members"] if m["role"] == "leader" and m["token"])
    page = phone.new_page()
    sign_in(page, leader["token"])
    open_household(page, server, leader)
    options = page.locator("#on_behalf_of option")
    expect(options.first).to_contain_text("Tôi")
    assert options.count() >= 2
    chosen = options.nth(1)
    member_id, member_name = int(str(chosen.get_attribute("value"))), chosen.inner_text()
    page.select_option("#on_behalf_of", str(member_id))
    fill_form(page, twelve_megapixel_jpeg())
    page.click("#submit")
    sent = page.locator("li.visit").first
    expect(sent).to_contain_text("Thăm thay cho " + member_name.split(" — ")[0])
    expect(sent).to_have_attribute("data-state", "sent", timeout=20000)
    detail = api(server, leader["token"], f"/api/v1/visits/{sent.get_attribute('data-visit')}").json()
    assert detail["on_behalf_of"] == member_id


def test_answers_lost_on_the_way_back_are_retried_and_the_visit_still_arrives_once(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
) -> None:
    """2G: the service stored the visit (and then a photo) but the phone never heard back."""
    lost: list[str] = []

    def drop_first_answer(route: Route) -> None:
        kind = route.request.method
        if kind not in lost:
            response = route.fetch()  # the request reaches the service and is processed…
            lost.append(kind)
            assert response.status == 201
            route.abort("connectionreset")  # …and the answer is lost on the way back
        else:
            route.continue_()

    page = phone.new_page()
    sign_in(page, member["token"])
    answered: list[tuple[str, int]] = []
    phone.on(
        "response",
        lambda r: (
            answered.append((r.request.method, r.status))
            if "/api/v1/visits" in r.url and r.request.method in ("POST", "PUT")
            else None
        ),
    )
    page.route("**/api/v1/visits", drop_first_answer)
    page.route("**/api/v1/visits/*/photos/**", drop_first_answer)
    open_household(page, server, member)
    fill_form(page, twelve_megapixel_jpeg())
    page.click("#submit")
    sent = page.locator("li.visit").first
    for _ in range(40):  # the member taps "Gửi ngay" instead of waiting for the back-off
        if sent.get_attribute("data-state") == "sent":
            break
        page.click("#send-now")
        page.wait_for_timeout(250)
    expect(sent).to_have_attribute("data-state", "sent")
    assert lost == ["POST", "PUT"]
    # The retries are recognised by the visit's UUID and the photo's slot: 200, the same receipt, nothing new.
    assert ("POST", 200) in answered and ("PUT", 200) in answered
    visit_id = sent.get_attribute("data-visit")
    detail = api(server, member["token"], f"/api/v1/visits/{visit_id}").json()
    assert detail["status"] == "complete" and len(detail["photos"]) == 1
    mine = api(server, member["token"], "/api/v1/visits?limit=100").json()["items"]
    assert [v["id"] for v in mine].count(visit_id) == 1


# Resolves true once the phone's stored draft holds the photo (the draft is written a moment after a change).
DRAFT_WITH_PHOTO = """() => new Promise((resolve) => {
  const opening = indexedDB.open("gocua");
  opening.onsuccess = () => {
    const read = opening.result.transaction("kv").objectStore("kv").get("draft");
    read.onsuccess = () => resolve(Boolean(read.result && (read.result.photos.evidence_photos || []).length));
  };
})"""


def test_a_half_filled_visit_survives_the_app_closing_and_is_finished_later(
    phone: BrowserContext,
    server: LiveServer,
    member: dict,
) -> None:
    page = phone.new_page()
    sign_in(page, member["token"])
    target = open_household(page, server, member)
    opened_at = page.evaluate("new Date().toISOString()")
    page.fill('[data-question="members"] input', "4")
    choose(page, "elderly_only", "Có")
    page.click('[data-question="location"] button.big')
    expect(page.locator('[data-question="location"] .gps-status')).to_contain_text("± 12 m")
    page.set_input_files(
        '[data-question="evidence_photos"] input[type=file]',
        files=[FilePayload(name="IMG_0002.jpg", mimeType="image/jpeg", buffer=twelve_megapixel_jpeg())],
    )
    expect(page.locator('[data-question="evidence_photos"] img')).to_have_count(1, timeout=20000)
    page.wait_for_function(DRAFT_WITH_PHOTO)  # written to IndexedDB a moment after the last change
    # The app is closed (the battery died) and opened again, offline.
    phone.set_offline(True)
    page.close()
    page = phone.new_page()
    page.goto(server.url + "/app")
    resume = page.locator("#draft")
    expect(resume).to_contain_text(target["head_name"])
    page.screenshot(path=str(DOCS / "app-draft-360.png"))
    resume.click()
    expect(page.locator('[data-question="members"] input')).to_have_value("4")
    elderly = page.locator('[data-question="elderly_only"] label.choice', has_text="Có").locator("input")
    expect(elderly).to_be_checked()
    expect(page.locator('[data-question="location"] .gps-status')).to_contain_text("± 12 m")
    expect(page.locator('[data-question="evidence_photos"] img')).to_have_count(1)
    fill_form(page, None)  # the rest of the answers; the photo is the one taken before
    page.click("#submit")
    expect(page.locator("li.visit").first).to_have_attribute("data-state", "waiting")
    page.goto(server.url + "/app#")
    expect(page.locator("#search")).to_be_visible()
    expect(page.locator("#draft")).to_have_count(0)  # saved to the outbox: no draft left
    phone.set_offline(False)
    page.goto(server.url + "/app#outbox")
    sent = page.locator("li.visit").first
    expect(sent).to_have_attribute("data-state", "sent", timeout=30000)
    detail = api(server, member["token"], f"/api/v1/visits/{sent.get_attribute('data-visit')}").json()
    assert detail["household_id"] == target["id"] and detail["answers"]["members"] == 3
    assert detail["started_at"] <= opened_at.replace("Z", "+00:00")  # started before the app was closed
    assert detail["status"] == "complete" and len(detail["photos"]) == 1


def test_a_household_tapped_before_the_form_arrives_says_it_is_coming_then_shows_it(
    phone: BrowserContext, server: LiveServer, member: dict
) -> None:
    """Over 2G the households come first and the form after: a member who taps a door in between is told the
    form is on its way (not "open the app with a network" while online), and the form appears when it lands."""
    held: list[Route] = []
    released: list[bool] = []

    def hold_forms(route: Route) -> None:
        if released:
            route.continue_()
        else:
            held.append(route)  # answered below, once the visit screen has been opened

    page = phone.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.route("**/api/v1/forms", hold_forms)
    sign_in(page, member["token"], whole_sync=False)
    page.locator("a.household").first.click()
    expect(page.locator("main p.hint")).to_have_text("Đang tải phiếu…")
    expect(page.locator("p.error")).to_have_count(0)
    for _ in range(100):  # the app asks for the forms a moment after the households are drawn
        if held:
            break
        page.wait_for_timeout(100)
    assert len(held) == 1
    released.append(True)
    held[0].continue_()
    expect(page.locator("[data-question]").first).to_be_visible(timeout=15000)
    assert problems == []


def test_a_sync_cut_short_after_the_form_arrived_still_opens_the_form(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    """The first sync stores the form, then the network drops before the rest (a leader's team list here): the
    form that did arrive opens, instead of "the form is not loaded yet" until the app is reopened."""
    leader = next(m for m in credentials["members"] if m["role"] == "leader" and m["token"])
    page = phone.new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.route("**/api/v1/members*", lambda route: route.abort("internetdisconnected"))
    sign_in(page, leader["token"], whole_sync=False)
    page.locator("a.household").first.click()
    expect(page.locator("[data-question]").first).to_be_visible(timeout=15000)
    expect(page.locator("main")).not_to_contain_text("Chưa tải được phiếu")
    assert problems == []
