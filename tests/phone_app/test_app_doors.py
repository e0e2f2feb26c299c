"""Every door in the member's hand (issue 19): which households are done and which still to do, what the
supervisor said, nearest first, return visits, and the village's progress, in a 360 px phone."""

from __future__ import annotations

import io
import math
import re
import uuid
from datetime import UTC, datetime

import httpx
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect

from tests.phone_app.app_steps import DOCS, api, choose, fill_form, wait_for_first_sync
from tests.support.live_server import LiveServer
from tests.visits.support import answers as valid_answers

BAD_WORDS = ("null", "undefined", "NaN", "[object")
SHOTS = DOCS / "screenshots"  # docs/screenshots/ with GOCUA_DOCS_SCREENSHOTS=1
SHOTS.mkdir(exist_ok=True)


def member_of(credentials: dict, village: str, role: str = "member") -> dict:
    """A member of a village the other phone-app tests leave alone (they visit in the first village)."""
    return next(m for m in credentials["members"] if m["area_code"] == village and m["role"] == role and m["token"])


def watch(page: Page) -> list[str]:
    """Console errors, page errors and failed loads, to be empty at the end."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("response", lambda r: problems.append(f"{r.status} {r.url}") if r.status >= 400 else None)
    return problems


def signed_in(phone: BrowserContext, token: str) -> tuple[Page, list[str]]:
    page = phone.new_page()
    problems = watch(page)
    page.goto("/app")
    page.fill("#token", token)
    page.click("#signin")
    expect(page.locator("a.household").first).to_be_visible(timeout=20000)
    wait_for_first_sync(page)
    return page, problems


def resync(page: Page) -> None:
    """The next sync, as when the member opens the app again."""
    page.reload()
    expect(page.locator("a.household").first).to_be_visible(timeout=20000)
    page.wait_for_load_state("networkidle")


def village_households(server: LiveServer, token: str) -> list[dict]:
    return api(server, token, "/api/v1/households?limit=500").json()["items"]


def small_jpeg() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (64, 48), (120, 160, 90)).save(buffer, format="JPEG")
    return buffer.getvalue()


def post_visit(server: LiveServer, token: str, form: dict, household_id: str, **answers: object) -> str:
    """A visit of the bundled form sent by the member's phone (answers valid, photos to follow)."""
    values = valid_answers(members=3, **answers)
    visit_id = str(uuid.uuid4())
    body = {
        "id": visit_id, "form_id": form["id"], "form_version": form["version"], "household_id": household_id,
        "finished_at": datetime.now(UTC).isoformat(), "answers": values,
    }  # fmt: skip
    response = httpx.post(
        server.url + "/api/v1/visits", json=body, headers={"Authorization": f"Bearer {token}"}, timeout=30
    )
    assert response.status_code == 201, response.text
    return visit_id


def the_form(server: LiveServer, token: str) -> dict:
    summary = api(server, token, "/api/v1/forms").json()["items"][0]
    return api(server, token, f"/api/v1/forms/{summary['id']}").json()


def statuses(page: Page) -> list[str]:
    return page.locator("a.household").evaluate_all("els => els.map(e => e.dataset.status)")


def progress_numbers(page: Page) -> tuple[int, int]:
    text = page.locator(".progress-text").inner_text()
    found = re.match(r"(\d+)/(\d+)", text)
    assert found, text
    return int(found[1]), int(found[2])


def test_three_visited_households_show_done_and_the_rest_to_do_first(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    member = member_of(credentials, "14863-02")
    page, problems = signed_in(phone, member["token"])
    households = village_households(server, member["token"])
    expect(page.locator(".progress-text")).to_have_text(f"0/{len(households)} hộ đã thăm")
    form = the_form(server, member["token"])
    chosen = sorted(households, key=lambda h: h["head_name"])[-3:]  # the last three by name: sorted first only if to do
    for household in chosen:
        post_visit(server, member["token"], form, household["id"])
    resync(page)
    expect(page.locator(".progress-text")).to_have_text(f"3/{len(households)} hộ đã thăm")
    # The doors still to knock on come first: the three done ones, last by name, are now after all of them.
    shown = statuses(page)
    assert shown == ["todo"] * len(shown) and len(shown) == min(100, len(households) - 3)
    page.click('[data-filter="done"]')
    expect(page.locator("a.household")).to_have_count(3)
    for household in chosen:
        door = page.locator(f'a.household[data-id="{household["id"]}"]')
        expect(door).to_have_attribute("data-status", "done")
        expect(door.locator(".door")).to_contain_text("Đã thăm")
    page.screenshot(path=str(SHOTS / "app-doors-done-360.png"))
    page.click('[data-filter="todo"]')
    expect(page.locator("a.household")).to_have_count(min(100, len(households) - 3))
    page.click('[data-filter="all"]')
    page.screenshot(path=str(SHOTS / "app-doors-list-360.png"), full_page=False)
    assert problems == []


def test_a_supervisors_has_issues_comment_shows_on_the_household_after_the_next_sync(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    member = member_of(credentials, "14950-02")
    page, problems = signed_in(phone, member["token"])
    household = village_households(server, member["token"])[5]
    visit_id = post_visit(server, member["token"], the_form(server, member["token"]), household["id"])
    supervisor = next(s for s in credentials["supervisors"] if s["area_code"] == "38")
    account = {"username": supervisor["username"], "password": supervisor["password"]}
    login = httpx.post(server.url + "/api/v1/auth/login", json=account, timeout=30).json()
    review = httpx.post(
        f"{server.url}/api/v1/visits/{visit_id}/review",
        json={"decision": "has_issues", "comment": "Ảnh chưa thấy cửa nhà, chụp lại giúp"},
        headers={"Authorization": f"Bearer {login['token']}"},
        timeout=30,
    )
    assert review.status_code == 200, review.text
    door = page.locator(f'a.household[data-id="{household["id"]}"]')
    expect(door).to_have_attribute("data-status", "todo")  # the phone has not synced since
    resync(page)
    expect(door).to_have_attribute("data-status", "issues")
    expect(door.locator(".said")).to_have_text("Ảnh chưa thấy cửa nhà, chụp lại giúp")
    assert statuses(page)[0] == "issues"  # what the supervisor sent back comes first
    page.screenshot(path=str(SHOTS / "app-doors-issues-360.png"))
    page.click('[data-filter="rejected"]')
    expect(page.locator("a.household")).to_have_count(1)
    # Tapping it opens the redo, linked to the visit, with the comment above the form.
    page.locator("a.household").first.click()
    expect(page.locator("#revisit")).to_contain_text("Ảnh chưa thấy cửa nhà")
    assert problems == []


def test_near_me_orders_the_households_to_visit_by_distance_offline(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    member = member_of(credentials, "15961-02")
    page, problems = signed_in(phone, member["token"])
    households = [h for h in village_households(server, member["token"]) if h["lat"] is not None]
    here = households[len(households) // 2]
    phone.set_geolocation({"latitude": here["lat"], "longitude": here["lon"], "accuracy": 10})
    phone.set_offline(True)

    def metres(h: dict) -> float:
        lat1, lon1, lat2, lon2 = map(math.radians, (here["lat"], here["lon"], h["lat"], h["lon"]))
        a = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
        return 2 * 6371008.8 * math.asin(math.sqrt(a))

    page.click("#near")
    expect(page.locator("#near")).to_have_attribute("aria-pressed", "true")
    expect(page.locator("a.household .distance").first).to_be_visible()
    shown = page.locator("a.household").evaluate_all("els => els.map(e => e.dataset.id)")
    expected = [h["id"] for h in sorted(households, key=metres)]
    assert shown[:20] == expected[:20]
    assert shown[0] == here["id"]
    expect(page.locator("a.household .distance").first).to_have_text("0 m")
    second = next(h for h in households if h["id"] == shown[1])
    expect(page.locator("a.household .distance").nth(1)).to_have_text(re.compile(r"^\d+ m$|^\d+,\d km$"))
    assert metres(second) > 0
    page.screenshot(path=str(SHOTS / "app-doors-near-360.png"))
    phone.set_offline(False)
    assert problems == []


def test_a_follow_up_shows_a_return_visit_until_it_is_made_with_last_answers_as_hints(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    member = member_of(credentials, "14950-01")
    page, problems = signed_in(phone, member["token"])
    household = sorted(village_households(server, member["token"]), key=lambda h: h["head_name"])[0]
    page.locator(f'a.household[data-id="{household["id"]}"]').click()
    fill_form(page, small_jpeg())
    choose(page, "follow_up", "Có")
    page.fill('[data-question="follow_up_reason"] textarea', "Cần quay lại giúp cài VNeID mức 2")
    page.click("#submit")
    expect(page.locator("li.visit").first).to_have_attribute("data-state", "sent", timeout=30000)
    first_visit = page.locator("li.visit").first.get_attribute("data-visit")
    page.click("a.back")
    door = page.locator(f'a.household[data-id="{household["id"]}"]')
    expect(door).to_have_attribute("data-status", "return")  # at once, from the phone's own copy
    resync(page)
    expect(door).to_have_attribute("data-status", "return")  # and from the service after the sync
    expect(door.locator(".said")).to_have_text("Cần quay lại giúp cài VNeID mức 2")
    page.click('[data-filter="return"]')
    expect(page.locator("a.household")).to_have_count(1)
    page.screenshot(path=str(SHOTS / "app-doors-return-360.png"))
    # One tap: the form opens as a return visit, last answers under the questions, nothing filled in.
    page.locator("a.household").first.click()
    expect(page.locator("#revisit")).to_contain_text("Thăm lại hộ này")
    members = page.locator('[data-question="members"]')
    expect(members.locator(".last-answer")).to_have_text("Lần trước: 3")
    expect(members.locator("input")).to_have_value("")
    expect(page.locator('[data-question="follow_up"] .last-answer')).to_have_text("Lần trước: Có")
    page.screenshot(path=str(SHOTS / "app-doors-revisit-360.png"))
    fill_form(page, small_jpeg())  # follow_up: Không this time
    page.click("#submit")
    expect(page.locator("li.visit").first).to_have_attribute("data-state", "sent", timeout=30000)
    page.click("a.back")
    expect(page.locator("a.household")).to_have_count(0)  # no return visit left to make
    page.click('[data-filter="all"]')
    expect(door).to_have_attribute("data-status", "done")
    resync(page)
    expect(door).to_have_attribute("data-status", "done")
    mine = api(server, member["token"], "/api/v1/me/visits?limit=10").json()["items"]
    again = next(v for v in mine if v["household_id"] == household["id"] and v["id"] != first_visit)
    assert again["revisit_of"] == first_visit
    assert problems == []


def visible_text(page: Page) -> str:
    return page.locator("body").inner_text()


def test_every_screen_at_360_px_in_both_languages_shows_no_stray_words(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    leader = member_of(credentials, "15961-01", role="leader")
    page = phone.new_page()
    problems = watch(page)
    page.goto("/app")
    expect(page.locator("#signin")).to_be_visible()
    seen: dict[str, str] = {"signin vi": visible_text(page)}
    page.screenshot(path=str(SHOTS / "app-signin-360.png"))
    page.click("#lang")
    expect(page.locator("#signin")).to_have_text("Sign in")
    seen["signin en"] = visible_text(page)
    page.click("#lang")
    expect(page.locator("#signin")).to_have_text("Đăng nhập")
    page.fill("#token", leader["token"])
    page.click("#signin")
    expect(page.locator("a.household").first).to_be_visible(timeout=20000)
    household = village_households(server, leader["token"])[0]
    post_visit(
        server,
        leader["token"],
        the_form(server, leader["token"]),
        household["id"],
        follow_up=True,
        follow_up_reason="Hướng dẫn thanh toán",
    )
    resync(page)
    expect(page.locator("#week li").first).to_be_visible()
    for lang in ("vi", "en"):
        expect(page.locator("#week li").first).to_contain_text("1")  # the leader's own visit this week
        seen[f"home {lang}"] = visible_text(page)
        page.screenshot(path=str(SHOTS / f"app-doors-home-{lang}-360.png"))
        for name in ("todo", "return", "rejected", "done", "all"):
            page.click(f'[data-filter="{name}"]')
            seen[f"filter {name} {lang}"] = visible_text(page)
        page.click("#near")
        expect(page.locator("a.household .distance").first).to_be_visible()
        seen[f"near {lang}"] = visible_text(page)
        page.click("#near")
        page.locator(f'a.household[data-id="{household["id"]}"]').click()
        expect(page.locator("#revisit")).to_be_visible()
        seen[f"revisit {lang}"] = visible_text(page)
        page.goto(page.url.split("#")[0] + "#new-household")
        expect(page.locator("#head_name")).to_be_visible()
        seen[f"new household {lang}"] = visible_text(page)
        page.goto(page.url.split("#")[0] + "#outbox")
        expect(page.locator("#send-now")).to_be_visible()
        seen[f"outbox {lang}"] = visible_text(page)
        page.goto(page.url.split("#")[0] + "#")
        expect(page.locator("a.household").first).to_be_visible()
        if lang == "vi":
            page.click("#lang")
            expect(page.locator(".progress-text")).to_contain_text("households visited")
    for screen, text in seen.items():
        for word in BAD_WORDS:
            assert word not in text, f"{screen}: {word!r} in {text[:400]!r}"
        # Nothing wider than the phone: no sideways scrolling at 360 px.
    assert page.evaluate("document.documentElement.scrollWidth") <= 360
    assert problems == []


FORGET_FORMAT = """() => new Promise((resolve, reject) => {
  const opened = indexedDB.open("gocua", 1);
  opened.onsuccess = () => {
    const tx = opened.result.transaction("kv", "readwrite");
    tx.objectStore("kv").delete("households_format");
    tx.oncomplete = () => { opened.result.close(); resolve(true); };
    tx.onerror = () => reject(tx.error);
  };
  opened.onerror = () => reject(opened.error);
})"""


def test_households_synced_by_an_older_app_are_synced_again_in_full_once(
    phone: BrowserContext, server: LiveServer, credentials: dict
) -> None:
    """An app from before the visit state kept a cursor: only changed households would bring their state."""
    member = member_of(credentials, "15961-02")
    page, problems = signed_in(phone, member["token"])
    page.wait_for_load_state("networkidle")
    page.evaluate(FORGET_FORMAT)  # what the older app left: households and a cursor, no format
    synced: list[str] = []
    page.on("request", lambda r: synced.append(r.url) if "/api/v1/households" in r.url else None)
    resync(page)
    assert synced and "updated_since" not in synced[0]  # in full
    synced.clear()
    resync(page)
    assert synced and all("updated_since=" in url for url in synced)  # and incremental again after that
    assert problems == []
