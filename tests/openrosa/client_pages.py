"""Opening, filling and sending the bundled form in the two browser clients (ODK Web Forms, Enketo), shared by
their tests and the same-visit test."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from playwright.sync_api import Browser, BrowserContext, Geolocation, Page, ViewportSize

from tests.openrosa.browser_scene import PageWatch, Scene, visible_text_is_clean
from tests.openrosa.enketo_steps import fill_enketo
from tests.openrosa.same_answers import ACCURACY_M, client_taps, photo_payload
from tests.openrosa.web_forms_steps import fill_web_form
from tests.openrosa.xform_questions import questions
from tests.visits.support import HOME

SCREENSHOTS = Path(tempfile.gettempdir()) / "gocua-openrosa-screenshots"
SCREENSHOTS.mkdir(parents=True, exist_ok=True)
VIEWPORT = ViewportSize(width=412, height=915)


def member_phone(browser: Browser, scene: Scene, accuracy_m: float = ACCURACY_M) -> BrowserContext:
    """A member's phone browser standing at the household, location allowed, on the clients' site."""
    return browser.new_context(
        base_url=scene.harness.url,
        viewport=VIEWPORT,
        geolocation=Geolocation(latitude=HOME[0], longitude=HOME[1], accuracy=accuracy_m),
        permissions=["geolocation"],
        locale="vi-VN",
        device_scale_factor=1,
    )


@dataclass
class Sent:
    page: Page
    watch: PageWatch
    posts: list[dict[str, Any]]
    screenshot: Path

    @property
    def instance_id(self) -> str:
        xml = self.posts[0]["xml"]
        return xml.split("<instanceID>uuid:", 1)[1].split("<", 1)[0]

    def resend(self) -> list[dict[str, Any]]:
        result: list[dict[str, Any]] = self.page.evaluate("window.resend()")
        return result


def _xform(scene: Scene, page: Page) -> bytes:
    download_url = page.evaluate("window.harness.form.downloadUrl")
    return httpx.get(download_url, timeout=10).content


def send_with_web_forms(
    context: BrowserContext,
    scene: Scene,
    household: str,
    photo_seed: int = 0,
    *,
    photos: list[dict[str, Any]] | None = None,
    chunked: bool = False,
    extra: dict[str, Any] | None = None,
) -> Sent:
    """Fill and Send; `photos` (default one phone photo from `photo_seed`), `chunked`: split under HEAD's size,
    `extra`: more answers by question name (e.g. the new-household questions)."""
    page = context.new_page()
    watch = PageWatch(page)
    page.goto(f"/harness/webforms.html?server={scene.openrosa}&form={scene.form[0]}{'&chunked' if chunked else ''}")
    page.wait_for_function("window.harness && (window.harness.ready || window.harness.error)")
    assert page.evaluate("window.harness.error") is None
    page.locator(".form-questions").wait_for()
    taps = client_taps(household, photos or [photo_payload(photo_seed)]) | (extra or {})
    fill_web_form(page, questions(_xform(scene, page)), taps, scene.choices)
    screenshot = SCREENSHOTS / "web-forms-filled.png"
    page.screenshot(path=str(screenshot), full_page=True)
    visible_text_is_clean(page)
    page.get_by_role("button", name="Send").click()
    page.wait_for_function("window.harness.posts.length > 0", timeout=30000)
    return Sent(page, watch, page.evaluate("window.harness.posts"), screenshot)


def send_with_enketo(
    context: BrowserContext,
    scene: Scene,
    household: str,
    photo_seed: int = 0,
    *,
    photos: list[dict[str, Any]] | None = None,
) -> Sent:
    """Fill, validate, send as enketo-express does (in batches under HEAD /submission's size)."""
    page = context.new_page()
    watch = PageWatch(page)
    page.goto(f"/harness/enketo.html?server={scene.openrosa}&form={scene.form[0]}")
    page.wait_for_function("window.harness && (window.harness.ready || window.harness.error)")
    assert page.evaluate("window.harness.error") is None
    load_errors = page.evaluate("window.harness.loadErrors")
    assert load_errors == [], load_errors
    taps = client_taps(household, photos or [photo_payload(photo_seed)])
    fill_enketo(page, questions(_xform(scene, page)), taps, scene.choices)
    screenshot = SCREENSHOTS / "enketo-filled.png"
    page.screenshot(path=str(screenshot), full_page=True)
    visible_text_is_clean(page)
    result = page.evaluate("window.submitRecord()")
    assert result["valid"], "Enketo found the filled form invalid"
    return Sent(page, watch, result["posts"], screenshot)


def xslt_missing(browser: Browser) -> bool:
    page = browser.new_page()
    try:
        return bool(page.evaluate("typeof XSLTProcessor === 'undefined'"))
    finally:
        page.close()
