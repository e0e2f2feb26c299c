"""One real service behind the clients' web server, with the bundled form published and a village of households,
for the browser-client tests (ODK Web Forms, Enketo) and the same-visit test. Shared per test module.

Fixtures live here, not in a conftest, and are imported by the modules that use them.
"""

from __future__ import annotations

import asyncio
import subprocess
import uuid
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Response

from forms.bundled import bundled_form_paths
from service.db.engine import create_engine, session_factory
from service.settings import Settings
from tests.openrosa.harness_server import CLIENTS, Harness, harness_server
from tests.support.browser import chromium
from tests.support.live_server import LiveServer, live_server
from tests.support.world import add_household, build_world
from tests.visits.support import HOME

# What the pages may print without failing a test: other people's deprecation notices, word for word.
KNOWN_CONSOLE_WARNINGS = (
    # Chromium about enketo-transformer's web build (OPENROSA.md §2.2, risk 4).
    "XSLTProcessor and XSLT Processing Instructions have been deprecated by all browsers.",
)
VISIBLE_JUNK = ("null", "undefined", "NaN", "[object")


@dataclass
class Scene:
    server: LiveServer
    harness: Harness
    member_token: str
    admin_headers: dict[str, str]
    # The member's village: household id → the label households.csv gives it.
    households: dict[str, str]
    form: tuple[str, str]
    # Every row of households.csv (the households and the "new household" choice), as the clients show them.
    choices: dict[str, str]

    @property
    def openrosa(self) -> str:
        """The server URL a member types into an ODK client (through the clients' web server)."""
        return f"{self.harness.url}/openrosa/key/{self.member_token}"

    def visit(self, visit_id: str) -> dict[str, Any]:
        response = httpx.get(f"{self.server.url}/api/v1/visits/{visit_id}", headers=self.admin_headers, timeout=10)
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def household(self, household_id: str) -> dict[str, Any]:
        response = httpx.get(
            f"{self.server.url}/api/v1/households/{household_id}", headers=self.admin_headers, timeout=10
        )
        assert response.status_code == 200, response.text
        result: dict[str, Any] = response.json()
        return result

    def visit_count(self) -> int:
        response = httpx.get(f"{self.server.url}/api/v1/visits?limit=200", headers=self.admin_headers, timeout=10)
        assert response.status_code == 200, response.text
        return len(response.json()["items"])


HEADS = ("Nguyễn Văn An", "Lê Thị Bình", "Trần Văn Cường", "Phạm Thị Dung")
# In the next village: never in this member's households.csv.
ELSEWHERE = "Hoàng Văn Xóm Khác"


def _seed(database_url: str) -> tuple[str, dict[str, str], list[str]]:
    async def seed() -> tuple[str, dict[str, str], list[str]]:
        engine = create_engine(database_url, pool_size=1)
        try:
            async with session_factory(engine)() as session:
                world = await build_world(session)
                ids = []
                for head in HEADS:
                    household = await add_household(
                        session, world.areas["village_a1"], head_name=head, lat=HOME[0], lon=HOME[1]
                    )
                    ids.append(str(household.id))
                await add_household(session, world.areas["village_a2"], head_name=ELSEWHERE, lat=HOME[0], lon=HOME[1])
                return world["member_a1"].token, world["admin"].headers, ids
        finally:
            await engine.dispose()

    # In a thread of its own: a test session's event loop may be running in this one.
    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, seed()).result()


def _csv_labels(base: str, form_id: str) -> dict[str, str]:
    """households.csv as the member's client gets it: formList → manifestUrl → its downloadUrl."""
    import csv
    import io
    import re

    listing = httpx.get(f"{base}/formList?formID={form_id}", timeout=10).text
    manifest_url = re.search(r"<manifestUrl>([^<]+)</manifestUrl>", listing)
    assert manifest_url, listing
    manifest = httpx.get(manifest_url.group(1).replace("&amp;", "&"), timeout=10).text
    url = re.search(r"<downloadUrl>([^<]*households\.csv[^<]*)</downloadUrl>", manifest)
    assert url, manifest
    rows = csv.DictReader(io.StringIO(httpx.get(url.group(1).replace("&amp;", "&"), timeout=10).text))
    return {row["name"]: row["label"] for row in rows}


@contextmanager
def open_scene(database_url: str, root: Path, build_dir: Path, *, accept_bytes: int | None = None) -> Iterator[Scene]:
    """The scene; `accept_bytes`: the X-OpenRosa-Accept-Content-Length the clients are told (split uploads)."""
    settings = Settings(
        data_dir=root / "data", database_url=database_url, photo_workers=0, openrosa_accept_bytes=accept_bytes
    )
    member_token, admin_headers, household_ids = _seed(database_url)
    # The clients' site is the public address: formList's downloadUrls point there, as behind a proxy. The
    # service starts after it, so it knows that address; the proxy learns the service's just below.
    with (
        harness_server(build_dir) as harness,
        live_server(settings, root, extra_env={"GOCUA_PUBLIC_URL": harness.url}) as server,
    ):
        harness.upstream = server.url
        published = httpx.post(
            f"{server.url}/api/v1/forms",
            content=bundled_form_paths()[0].read_bytes(),
            headers={**admin_headers, "Content-Type": "application/json"},
            timeout=60,
        )
        assert published.status_code == 201, published.text
        form = (published.json()["id"], published.json()["version"])
        labels = _csv_labels(f"{harness.url}/openrosa/key/{member_token}", form[0])
        # households.csv is the member's village: its four households and the "new household" choice.
        households = {h: labels[h] for h in household_ids}
        assert len(labels) == len(HEADS) + 1 and not any(ELSEWHERE in label for label in labels.values())
        yield Scene(server, harness, member_token, admin_headers, households, form, labels)


def build_enketo(out: Path) -> Path:
    """enketo-core + enketo-transformer/web + our host, bundled by esbuild (OPENROSA.md §2.2), into `out`."""
    subprocess.run(
        [
            str(CLIENTS / "node_modules" / ".bin" / "esbuild"),
            "harness/enketo.js",
            "--bundle",
            "--format=esm",
            "--platform=browser",
            "--external:libxslt",
            # enketo-express replaces enketo-core's config the same way (maps from no other host).
            "--alias:enketo/config=./harness/enketo-config.js",
            f"--outfile={out / 'enketo.js'}",
            "--log-level=warning",
        ],
        cwd=CLIENTS,
        check=True,
        timeout=120,
    )
    return out


@pytest.fixture(scope="session")
def client_build(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Each module importing this fixture gets its own copy of it, so the session's one build is kept by path.
    out = tmp_path_factory.getbasetemp() / "clients-build"
    if not (out / "enketo.js").exists():
        out.mkdir(exist_ok=True)
        build_enketo(out)
    return out


@pytest.fixture(scope="module")
def web_browser() -> Iterator[Browser]:
    with chromium() as launched:
        yield launched


class PageWatch:
    """What a page said and fetched: a browser test fails on console errors and on 4xx/5xx resources."""

    def __init__(self, page: Page) -> None:
        self.problems: list[str] = []
        page.on("console", self._console)
        page.on("pageerror", lambda error: self.problems.append(f"page error: {error}"))
        page.on("response", self._response)
        page.on("requestfailed", lambda request: self.problems.append(f"failed: {request.url} {request.failure}"))

    def _console(self, message: ConsoleMessage) -> None:
        if message.type in {"error", "warning"} and not message.text.startswith(KNOWN_CONSOLE_WARNINGS):
            self.problems.append(f"console {message.type}: {message.text}")

    def _response(self, response: Response) -> None:
        if response.status >= 400:
            self.problems.append(f"{response.status} {response.request.method} {response.url}")

    def assert_clean(self) -> None:
        assert self.problems == []


def visible_text_is_clean(page: Page) -> None:
    text = page.locator("body").inner_text()
    for junk in VISIBLE_JUNK:
        assert junk not in text, f"{junk!r} shown on the page"


def new_instance_id() -> str:
    return f"uuid:{uuid.uuid4()}"
