"""What a member does in the app, as steps the browser tests share."""

from __future__ import annotations

import io
import os
import tempfile
import unicodedata
from functools import lru_cache
from pathlib import Path

import httpx
from PIL import Image
from playwright.sync_api import FilePayload, Geolocation, Page, ViewportSize, expect

from tests.support.live_server import LiveServer

VIEWPORT = ViewportSize(width=360, height=740)
HOME = Geolocation(latitude=19.9, longitude=105.4, accuracy=12)
# The screenshots in docs/ are refreshed with GOCUA_DOCS_SCREENSHOTS=1; otherwise they go to a temporary folder,
# so a test run leaves the working tree clean (the outbox shows the time of day).
DOCS = (
    Path(__file__).resolve().parents[2] / "docs"
    if os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "gocua-app-screenshots"
)
DOCS.mkdir(parents=True, exist_ok=True)


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


def sign_in(page: Page, token: str, *, whole_sync: bool = True) -> None:
    """Signs in and waits for the households; with `whole_sync`, for the rest of the first sync as well (a test
    that holds part of the sync back passes False)."""
    page.goto("/app")
    page.fill("#token", token)
    page.click("#signin")
    expect(page.locator("#search")).to_be_visible()
    # The first sync has brought the village's households…
    expect(page.locator("a.household").first).to_be_visible(timeout=15000)
    if whole_sync:
        wait_for_first_sync(page)


def wait_for_first_sync(page: Page) -> None:
    """The whole first sync (forms, team, catalog, reviews) is in: a test that goes offline now cuts nothing short
    (the households show first, and going offline in between left a console error or the app without its form)."""
    page.wait_for_function("() => performance.getEntriesByName('gocua:synced').length > 0", timeout=30000)


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


def fill_form(page: Page, photo: bytes | None, screenshot: bool = False) -> None:
    """Every answer of the bundled form, the GPS fix, and (unless `photo` is None) one photo."""
    page.fill('[data-question="members"] input', "3")
    # A constraint with the form's own message: more schoolchildren than members.
    page.fill('[data-question="school_children"] input', "5")
    expect(page.locator('[data-question="school_children"] .error')).to_have_text(
        "Số người đi học không thể nhiều hơn số người trong hộ."
    )
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
    if photo is None:
        return
    page.set_input_files(
        '[data-question="evidence_photos"] input[type=file]',
        files=[FilePayload(name="IMG_0001.jpg", mimeType="image/jpeg", buffer=photo)],
    )
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
