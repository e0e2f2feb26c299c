"""Every screen clean, on the demo as a newcomer opens it: each supervisors' page (sign-in, home, queue, visit,
report, errors) and each phone-app screen (sign-in, households, visit form, new household, outbox), at 360 and
1280 px wide, in Vietnamese and English, in headless Chromium against the real server.

A screen fails on visible "null", "undefined", "NaN" or "[object", on a console error or uncaught exception,
and on any resource answered 4xx/5xx (the error pages' own documents excepted, whose status is the point).
With GOCUA_DOCS_SCREENSHOTS=1 the demo's home page, queue, visit page and report go to docs/screenshots/.
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, expect

from service.cli.demo import prepare_demo
from service.settings import Settings
from tests.support.browser import chromium
from tests.support.live_server import LiveServer, live_server

WIDTHS = (360, 1280)
LANGS = ("vi", "en")
JUNK = re.compile(r"\bnull\b|\bundefined\b|\bNaN\b|\[object")
SCREENSHOTS = (
    Path(__file__).resolve().parents[2] / "docs" / "screenshots"
    if os.environ.get("GOCUA_DOCS_SCREENSHOTS") == "1"
    else Path(tempfile.gettempdir()) / "gocua-every-screen"
)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    root = tmp_path_factory.mktemp("every-screen")
    settings = Settings(
        data_dir=root / "data", database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}", photo_workers=0
    )
    with ThreadPoolExecutor(1) as pool:  # the test session's event loop runs in this thread
        pool.submit(prepare_demo, settings).result()
    credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    with live_server(settings, root) as server:
        yield server, credentials


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class Watch:
    """What went wrong on a page while it was watched: console errors, exceptions, failed resources."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        self.expected_errors: set[str] = set()  # documents whose error status is what the test asks for
        page.on("console", lambda m: self.problems.append(f"console: {m.text}") if m.type == "error" else None)
        page.on("pageerror", lambda e: self.problems.append(f"exception: {e}"))
        page.on("response", self._response)

    def _response(self, response: object) -> None:
        status, url = response.status, response.url  # type: ignore[attr-defined]
        if status >= 400 and url not in self.expected_errors:
            self.problems.append(f"{status} {url}")

    def check(self, page: Page, where: str) -> None:
        page.wait_for_load_state("networkidle")
        text = page.locator("body").inner_text()
        junk = JUNK.findall(text)
        # A 404 document logs "Failed to load resource" in the console: expected with the error pages.
        problems = [p for p in self.problems if not (self.expected_errors and "Failed to load resource" in p)]
        assert not junk and not problems, f"{where}: junk {junk}, problems {problems}"
        assert text.strip(), f"{where}: an empty screen"
        self.problems.clear()
        self.expected_errors.clear()


def _supervisor_pages(browser: Browser, server: LiveServer, supervisor: dict, width: int, lang: str) -> None:
    context = browser.new_context(viewport={"width": width, "height": 900}, base_url=server.url, locale="vi-VN")
    page = context.new_page()
    watch = Watch(page)
    where = f"{width}px {lang}"
    page.goto(f"/lang/{lang}?next=/")
    watch.check(page, f"sign-in {where}")
    page.fill("input[name=username]", supervisor["username"])
    page.fill("input[name=password]", "not the password")
    watch.expected_errors.add(server.url + "/login")
    page.click("button[type=submit]")
    expect(page.locator("input[name=username]")).to_be_visible()
    watch.check(page, f"sign-in refused {where}")
    page.fill("input[name=username]", supervisor["username"])
    page.fill("input[name=password]", supervisor["password"])
    page.click("button[type=submit]")
    expect(page.locator("table.coverage")).to_be_visible()
    watch.check(page, f"home {where}")
    shots = width == 1280 and lang == "vi"
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "demo-home.png"), full_page=True)
    for query in ("", "?status=all", "?status=all&flag=any", "?status=rejected", "?status=has_issues"):
        page.goto(f"/review{query}")
        expect(page.locator("a[href^='/review/visits/']").first).to_be_visible()
        watch.check(page, f"queue {query} {where}")
        if shots and query == "":  # the thumbnails load lazily: all of them first, for the full-page picture
            page.evaluate("document.querySelectorAll('img[loading=lazy]').forEach(i => { i.loading = 'eager'; })")
            page.wait_for_function("() => [...document.images].every(i => i.complete && i.naturalWidth > 0)")
            page.screenshot(path=str(SCREENSHOTS / "demo-queue.png"), full_page=True)
    page.goto("/review?status=all&flag=any")
    page.locator("a.thumb:has(img)").first.click()  # a flagged visit with its photo
    expect(page.locator(".badge[data-flag]").first).to_be_visible()
    page.wait_for_function("() => [...document.images].some(i => i.complete && i.naturalWidth > 0)")
    watch.check(page, f"visit {where}")
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "demo-visit.png"), full_page=True)
    page.goto(f"/reports/{supervisor['area_code']}?lang={lang}")
    watch.check(page, f"report {where}")
    if shots:
        page.screenshot(path=str(SCREENSHOTS / "demo-report.png"), full_page=True)
    missing = f"{server.url}/review/visits/{uuid.uuid4()}"
    watch.expected_errors.add(missing)
    page.goto(missing)
    expect(page.locator("main")).to_contain_text("404")
    watch.check(page, f"error 404 {where}")
    watch.expected_errors.add(server.url + "/no/such/page")
    page.goto("/no/such/page")
    watch.check(page, f"error, no such page {where}")
    page.goto("/")
    page.locator("form[action='/logout'] button").click()
    expect(page.locator("input[name=username]")).to_be_visible()
    watch.check(page, f"signed out {where}")
    context.close()


def _app_screens(browser: Browser, server: LiveServer, member: dict, width: int, lang: str) -> None:
    context = browser.new_context(
        viewport={"width": width, "height": 800},
        base_url=server.url,
        geolocation={"latitude": 19.9, "longitude": 105.4, "accuracy": 12},
        permissions=["geolocation"],
        locale="vi-VN",
    )
    page = context.new_page()
    watch = Watch(page)
    where = f"app {width}px {lang}"
    page.goto("/app")
    expect(page.locator("#token")).to_be_visible()
    if lang == "en":
        page.click("#lang")
        expect(page.locator("#signin")).to_have_text(re.compile("Sign in", re.I))
    watch.check(page, f"sign-in {where}")
    page.fill("#token", member["token"])
    page.click("#signin")
    expect(page.locator("a.household").first).to_be_visible(timeout=15000)
    watch.check(page, f"households {where}")
    page.locator("a.household").first.click()
    expect(page.locator("[data-question]").first).to_be_visible()
    watch.check(page, f"visit form {where}")
    page.goto("/app#new-household")
    expect(page.locator("main.screen input").first).to_be_visible()
    watch.check(page, f"new household {where}")
    page.goto("/app#outbox")
    expect(page.locator("main.screen h1")).to_be_visible()
    watch.check(page, f"outbox {where}")
    context.close()


@pytest.mark.parametrize("width", WIDTHS)
def test_every_page_and_app_screen_is_clean(browser: Browser, demo: tuple[LiveServer, dict], width: int) -> None:
    server, credentials = demo
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    supervisor = credentials["supervisors"][1]
    member = next(m for m in credentials["members"] if m["role"] == "member" and m["token"])
    for lang in LANGS:
        _supervisor_pages(browser, server, supervisor, width, lang)
        _app_screens(browser, server, member, width, lang)
