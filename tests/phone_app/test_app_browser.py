"""The members' phone app at /app in headless Chromium against the real service (granian, seeded demo database).

One server and one browser for the module; each test opens its own browser context (its own phone).
"""

from __future__ import annotations

import base64
import io
import json
import unicodedata
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from pathlib import Path

import httpx
import pytest
from PIL import Image
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Geolocation,
    Page,
    Route,
    ViewportSize,
    expect,
)

from forms import vectors
from service.cli.demo import prepare_demo
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import LiveServer, live_server

VIEWPORT = ViewportSize(width=360, height=740)
HOME = Geolocation(latitude=19.9, longitude=105.4, accuracy=12)
DOCS = Path(__file__).resolve().parents[2] / "docs"


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    root = tmp_path_factory.mktemp("phone-app")
    settings = Settings(data_dir=root / "data", database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}",
                        photo_workers=0)
    # In a thread of its own: the test session's event loop is running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(prepare_demo, settings).result()
    credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    with live_server(settings, root) as server:
        yield server, credentials


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


@pytest.fixture
def server(demo: tuple[LiveServer, dict]) -> LiveServer:
    return demo[0]


@pytest.fixture
def credentials(demo: tuple[LiveServer, dict]) -> dict:
    return demo[1]


@pytest.fixture
def member(demo: tuple[LiveServer, dict]) -> dict:
    return next(m for m in demo[1]["members"] if m["role"] == "member" and m["token"])


@pytest.fixture
def phone(browser: Browser, server: LiveServer) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport=VIEWPORT, base_url=server.url, geolocation=HOME,
                                  permissions=["geolocation"], locale="vi-VN", device_scale_factor=1)
    yield context
    context.close()


def fold(text: str) -> str:
    """What a member types without Vietnamese diacritics."""
    stripped = "".join(c for c in unicodedata.normalize("NFD", text) if unicodedata.category(c) != "Mn")
    return stripped.replace("đ", "d").replace("Đ", "D").lower()


def api(server: LiveServer, token: str, path: str) -> httpx.Response:
    return httpx.get(server.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)


def admin_headers(server: LiveServer, credentials: dict) -> dict[str, str]:
    login = httpx.post(server.url + "/api/v1/auth/login", json=credentials["admin"], timeout=30)
    assert login.status_code == 200, login.text
    return {"Authorization": f"Bearer {login.json()['token']}"}


def sign_in(page: Page, token: str) -> None:
    page.goto("/app")
    page.fill("#token", token)
    page.click("#signin")
    expect(page.locator("#search")).to_be_visible()
    # The first sync has brought the village's households.
    expect(page.locator("a.household").first).to_be_visible(timeout=15000)


@lru_cache(maxsize=1)
def twelve_megapixel_jpeg() -> bytes:
    """4000 × 3000 sensor pixels, EXIF says "rotate 90°" and when it was taken, like a phone camera's file."""
    image = Image.linear_gradient("L").resize((4000, 3000)).convert("RGB")
    image.paste((200, 30, 30), (0, 0, 800, 600))  # a red block at the sensor's top-left
    exif = Image.Exif()
    exif[0x0112] = 6
    exif.get_ifd(0x8769)[0x9003] = "2026:11:30 09:15:00"
    buffer = io.BytesIO()
    image.save(buffer, format="JPEG", quality=90, exif=exif.tobytes())
    return buffer.getvalue()


def choose(page: Page, question: str, text: str) -> None:
    page.locator(f'[data-question="{question}"] label.choice', has_text=text).first.click()


def fill_form(page: Page, photo: bytes, screenshot: bool = False) -> None:
    page.fill('[data-question="members"] input', "3")
    # A constraint with the form's own message: more schoolchildren than members.
    page.fill('[data-question="school_children"] input', "5")
    expect(page.locator('[data-question="school_children"] .error')).to_have_text(
        "Số người đi học không thể nhiều hơn số người trong hộ.")
    if screenshot:
        page.locator('[data-question="school_children"]').evaluate("e => e.scrollIntoView({block: 'end'})")
        page.screenshot(path=str(DOCS / "app-form-360.png"))
    page.fill('[data-question="school_children"] input', "1")
    expect(page.locator('[data-question="school_children"] .error')).to_have_text("")
    choose(page, "elderly_only", "Không")
    choose(page, "temporary_resident", "Không")
    # relevant: the mobile-data question appears only with a smartphone, and goes away again.
    mobile = page.locator('[data-question="has_mobile_data"]')
    expect(mobile).to_be_hidden()
    choose(page, "has_smartphone", "Có")
    expect(mobile).to_be_visible()
    choose(page, "has_smartphone", "Không")
    expect(mobile).to_be_hidden()
    choose(page, "has_smartphone", "Có")
    choose(page, "has_mobile_data", "Có")
    choose(page, "has_email", "Không")
    choose(page, "vneid_level", "Mức 2")
    choose(page, "public_services", "nhờ người giúp")
    choose(page, "cashless", "Có")
    choose(page, "health_book", "Không")
    page.locator('[data-question="ecommerce"] label.choice').first.click()
    page.locator('[data-question="school_app"] label.choice').first.click()
    choose(page, "data_worries", "Không lo")
    page.locator('[data-question="guided"] label.choice').first.click()
    # An answer whose question is hidden again is dropped, not sent and not in the way.
    choose(page, "follow_up", "Có")
    page.fill('[data-question="follow_up_reason"] textarea', "Cần quay lại giúp cài VNeID")
    choose(page, "follow_up", "Không")
    expect(page.locator('[data-question="follow_up_reason"]')).to_be_hidden()
    page.click('[data-question="location"] button.big')
    expect(page.locator('[data-question="location"] .gps-status')).to_contain_text("± 12 m")
    page.set_input_files('[data-question="evidence_photos"] input[type=file]',
                         files=[FilePayload(name="IMG_0001.jpg", mimeType="image/jpeg", buffer=photo)])
    expect(page.locator('[data-question="evidence_photos"] img')).to_have_count(1, timeout=20000)


def open_household(page: Page, server: LiveServer, member: dict) -> dict:
    households = api(server, member["token"], "/api/v1/households?limit=50").json()["items"]
    target = next(h for h in households if fold(h["head_name"]) != h["head_name"].lower())
    page.fill("#search", fold(target["head_name"]))
    found = page.locator(f'a.household[data-id="{target["id"]}"]')
    expect(found).to_be_visible()
    found.click()
    expect(page.locator('[data-question="members"]')).to_be_visible()
    return target


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
    phone: BrowserContext, server: LiveServer, credentials: dict,
) -> None:
    admin = admin_headers(server, credentials)
    someone = [m for m in credentials["members"] if m["token"]][-1]
    user_id = api(server, someone["token"], "/api/v1/me").json()["id"]
    issued = httpx.post(f"{server.url}/api/v1/members/{user_id}/device-tokens", headers=admin,
                        json={"label": "điện thoại thử"}, timeout=10).json()
    page = phone.new_page()
    page.goto("/app")
    page.fill("#token", issued["qr_payload"])  # exactly what the QR code carries
    page.click("#signin")
    expect(page.locator("#search")).to_be_visible()
    revoked = httpx.delete(f"{server.url}/api/v1/members/{user_id}/device-tokens/{issued['id']}", headers=admin,
                           timeout=10)
    assert revoked.status_code == 204
    page.reload()
    expect(page.locator("[role=alert]").first).to_contain_text("đã bị thu hồi", timeout=15000)
    expect(page.locator("#signin")).to_be_visible()


def test_a_household_added_in_the_field_reaches_the_service_with_the_phones_uuid(
    phone: BrowserContext, server: LiveServer, member: dict,
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
    # English for a member who prefers it, and back.
    page.click("#lang")
    expect(page.locator('[data-question="members"] .label')).to_have_text("How many people live in the household? *")
    expect(page.locator("#submit")).to_have_text("Save visit")
    page.click("#lang")
    expect(page.locator("#submit")).to_have_text("Lưu phiếu")
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
    phone: BrowserContext, server: LiveServer, member: dict, credentials: dict,
) -> None:
    households = api(server, member["token"], "/api/v1/households?limit=500").json()["items"]
    elderly = next(h for h in households if h["elderly_only"] and h["official_code"])
    page = phone.new_page()
    sign_in(page, member["token"])
    page.fill("#search", elderly["official_code"])
    row = page.locator(f'a.household[data-id="{elderly["id"]}"]')
    expect(row.locator(".tag.elderly")).to_have_text("Chỉ người già")
    # A supervisor records that the household moved away; the next incremental sync brings just that change.
    changed = httpx.patch(f"{server.url}/api/v1/households/{elderly['id']}", json={"status": "moved"},
                          headers=admin_headers(server, credentials), timeout=10)
    assert changed.status_code == 200, changed.text
    synced: list[str] = []
    page.on("request", lambda r: synced.append(r.url) if "/api/v1/households?" in r.url else None)
    page.reload()
    page.fill("#search", elderly["official_code"])
    expect(row.locator(".tag.moved")).to_have_text("Đã chuyển đi", timeout=15000)
    assert synced and all("updated_since=" in url for url in synced)


def test_a_poor_gps_fix_waits_and_the_member_may_honestly_use_it(
    phone: BrowserContext, server: LiveServer, member: dict,
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
    phone: BrowserContext, server: LiveServer, member: dict, credentials: dict,
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
    review = httpx.post(f"{server.url}/api/v1/visits/{visit_id}/review", headers=admin_headers(server, credentials),
                        json={"decision": "reject", "note": "Ảnh mờ, xin chụp lại."}, timeout=10)
    assert review.status_code == 200, review.text
    page.reload()
    expect(page.locator(f'li.visit[data-visit="{visit_id}"] .review')).to_have_text(
        "Bị trả lại — Ảnh mờ, xin chụp lại.", timeout=15000)


def test_offline_visits_wait_survive_a_reload_and_arrive_once_each(
    phone: BrowserContext, server: LiveServer, member: dict,
) -> None:
    page = phone.new_page()
    # What reached the server and was answered (attempts that failed offline never get a response).
    answered: list[tuple[str, str, int]] = []
    phone.on("response", lambda r: answered.append((r.request.method, r.url, r.status))
             if r.request.method in ("POST", "PUT") and "/api/v1/visits" in r.url else None)
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
        expect(page.locator(f'li.visit[data-visit="{visit_id}"]')).to_have_attribute("data-state", "sent",
                                                                                     timeout=30000)
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
    phone: BrowserContext, server: LiveServer, credentials: dict,
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
    phone: BrowserContext, server: LiveServer, member: dict,
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
    phone.on("response", lambda r: answered.append((r.request.method, r.status))
             if "/api/v1/visits" in r.url and r.request.method in ("POST", "PUT") else None)
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


# EXIF orientation → the transpose that stores an upright picture sideways as a camera would (the inverse of
# what makes it upright again).
STORED_AS = {
    1: None, 2: Image.Transpose.FLIP_LEFT_RIGHT, 3: Image.Transpose.ROTATE_180, 4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE, 6: Image.Transpose.ROTATE_90, 7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_270,
}


def sideways_jpegs() -> dict[int, str]:
    """The same upright 400×300 picture (red top-left, blue top-right) stored under each EXIF orientation."""
    upright = Image.new("RGB", (400, 300), (240, 240, 240))
    upright.paste((220, 20, 20), (0, 0, 100, 75))
    upright.paste((20, 20, 220), (300, 0, 400, 75))
    stored: dict[int, str] = {}
    for orientation, transpose in STORED_AS.items():
        image = upright if transpose is None else upright.transpose(transpose)
        exif = Image.Exif()
        exif[0x0112] = orientation
        buffer = io.BytesIO()
        image.save(buffer, format="JPEG", quality=95, exif=exif.tobytes())
        stored[orientation] = base64.b64encode(buffer.getvalue()).decode()
    return stored


def test_photos_come_out_upright_for_every_exif_orientation_with_or_without_the_browsers_help(
    phone: BrowserContext,
) -> None:
    page = phone.new_page()
    page.goto("/app")
    results = page.evaluate("""async (stored) => {
        const photo = await import("/app/photo.js");
        const out = [];
        for (const mode of [null, { native: false, option: false }]) {
            photo.setOrientationSupport(mode);  // null: this browser's own handling; else the app rotates
            for (const [orientation, b64] of Object.entries(stored)) {
                const bytes = Uint8Array.from(atob(b64), (c) => c.charCodeAt(0));
                const file = new Blob([bytes], { type: "image/jpeg" });
                const prepared = await photo.preparePhoto(file, 30000);
                const bitmap = await createImageBitmap(prepared.blob, { imageOrientation: "none" });
                const canvas = document.createElement("canvas");
                canvas.width = bitmap.width; canvas.height = bitmap.height;
                const ctx = canvas.getContext("2d");
                ctx.drawImage(bitmap, 0, 0);
                const at = (x, y) => Array.from(ctx.getImageData(Math.floor(x * bitmap.width), Math.floor(y * bitmap.height), 1, 1).data.slice(0, 3));
                out.push({ mode: mode ? "app" : "browser", orientation: Number(orientation), width: bitmap.width,
                           height: bitmap.height, left: at(0.1, 0.1), right: at(0.9, 0.1), facts: photo.readJpegFacts(await new Response(prepared.blob).arrayBuffer()) });
            }
        }
        return out;
    }""", sideways_jpegs())
    assert len(results) == 16
    for result in results:
        case = f"{result['mode']} rotation, EXIF orientation {result['orientation']}"
        assert (result["width"], result["height"]) == (200, 150), case  # upright and within max_pixels
        assert result["left"][0] > 150 and result["left"][2] < 100, f"{case}: top-left is not red: {result}"
        assert result["right"][2] > 150 and result["right"][0] < 100, f"{case}: top-right is not blue: {result}"
        assert result["facts"]["orientation"] == 1 and result["facts"]["dateTime"]


def test_the_renderer_takes_plain_or_mapped_labels_and_skips_question_types_it_does_not_know(
    phone: BrowserContext,
) -> None:
    form = {"id": "f", "version": "2", "title": "Thử", "questions": [
        {"type": "text", "name": "plain", "label": "Câu hỏi chữ thường", "required": True},
        {"type": "integer", "name": "mapped", "label": {"vi": "Số người", "en": "People", "fr": "Personnes"},
         "constraint": ". < 10", "constraint_message": {"vi": "Ít hơn 10.", "en": "Fewer than 10."}},
        {"type": "calculate", "name": "total", "calculation": "${mapped} * 2"},
        {"type": "repeat", "name": "people", "label": {"vi": "Từng người"}, "questions": [
            {"type": "text", "name": "person_name", "label": "Tên"}]},
        {"type": "note", "name": "end", "label": {"en": "Only English here"}},
    ]}
    page = phone.new_page()
    page.goto("/app")
    rendered = page.evaluate("""async (form) => {
        const { renderForm } = await import("/app/form.js");
        const root = document.createElement("div");
        document.body.append(root);
        const f = renderForm(root, form);
        const input = root.querySelector('[data-question="mapped"] input');
        input.value = "12";
        input.dispatchEvent(new Event("input"));
        return {
            questions: Array.from(root.querySelectorAll("[data-question]")).map((e) => e.dataset.question),
            labels: Array.from(root.querySelectorAll(".label")).map((e) => e.textContent),
            error: root.querySelector('[data-question="mapped"] .error').textContent,
            collected: f.collect(),
        };
    }""", form)
    assert rendered["questions"] == ["plain", "mapped", "end"]
    assert rendered["labels"] == ["Câu hỏi chữ thường *", "Số người", "Only English here"]
    assert rendered["error"] == "Ít hơn 10."
    assert {e["question"] for e in rendered["collected"]["errors"]} == {"plain", "mapped"}


def test_expression_vectors_hold_in_the_browser(phone: BrowserContext) -> None:
    page = phone.new_page()
    page.goto("/app")
    data = json.loads(vectors.VECTORS_PATH.read_text(encoding="utf-8"))
    form = json.loads(vectors.bundled_form_path().read_text(encoding="utf-8"))
    failures = page.evaluate("""async ([data, form]) => {
        const { evaluate } = await import("/app/expr.js");
        const { runVisit } = await import("/app/visit.js");
        const same = (a, b) => JSON.stringify(a) === JSON.stringify(b);
        const failures = [];
        for (const c of data.expressions) {
            let got, error = false;
            try { got = evaluate(c.expr, c.answers, c.current, data.today); }
            catch (e) { error = e.name === "ExpressionError" ? true : String(e); }
            if (c.error ? error !== true : (error || !same(got, c.result))) failures.push([c.expr, got, c.result]);
        }
        for (const c of data.forms) {
            const state = runVisit(form, c.answers, data.today);
            const errors = state.errors.map((e) => [e.question, e.code]).sort();
            const visible = Object.keys(c.visible).every((k) => state.visible[k] === c.visible[k]);
            if (!visible || !same(errors, c.errors)) failures.push(["form", c.answers, errors, c.errors]);
        }
        return [failures.slice(0, 5), data.expressions.length + data.forms.length];
    }""", [data, form])
    assert failures[1] > 1800
    assert failures[0] == []
