"""One real service (granian, seeded demo database) and one headless Chromium for every phone-app browser test.

Each test opens its own browser context: its own phone, with its own IndexedDB and service worker.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor

import pytest
from playwright.sync_api import Browser, BrowserContext

from service.cli.demo import prepare_demo
from service.settings import Settings
from tests.phone_app.app_steps import HOME, VIEWPORT
from tests.support.browser import chromium
from tests.support.live_server import LiveServer, live_server


@pytest.fixture(scope="package")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, dict]]:
    root = tmp_path_factory.mktemp("phone-app")
    settings = Settings(
        data_dir=root / "data", database_url=f"sqlite+aiosqlite:///{root / 'gocua.sqlite3'}", photo_workers=0
    )
    # In a thread of its own: the test session's event loop is running in this one.
    with ThreadPoolExecutor(1) as pool:
        # The villages on their first day (no history): the doors tests count visits from zero.
        pool.submit(lambda: prepare_demo(settings, history=False)).result()
    credentials = json.loads((settings.data_dir / "demo-credentials.json").read_text())
    with live_server(settings, root) as server:
        yield server, credentials


# One browser per module: sync Playwright keeps an event loop current while it lives, which the async tests of
# other modules (test_serving.py) must not meet.
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
    context = browser.new_context(
        viewport=VIEWPORT,
        base_url=server.url,
        geolocation=HOME,
        permissions=["geolocation"],
        locale="vi-VN",
        device_scale_factor=1,
    )
    yield context
    context.close()
