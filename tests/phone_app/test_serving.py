"""The app's files as the service serves them: types, caching, compression, size budget, nothing external."""

from __future__ import annotations

import gzip
import json
import re

from litestar.testing import AsyncTestClient

from service.phone_app.controllers import SHELL_FILES, STATIC, app_files

BUDGET_BYTES = 150 * 1024


async def test_the_app_opens_at_slash_app_with_its_types_and_revalidation(client: AsyncTestClient) -> None:
    page = await client.get("/app", headers={"Accept-Encoding": "gzip"})
    assert page.status_code == 200
    assert page.headers["content-type"] == "text/html; charset=utf-8"
    assert page.headers["cache-control"] == "no-cache" and page.headers["content-encoding"] == "gzip"
    assert "script-src 'self'" in page.headers["content-security-policy"]
    assert '<script type="module" src="/app/app.js">' in page.text
    assert (await client.get("/app/")).text == page.text  # the same page with a slash
    again = await client.get("/app", headers={"If-None-Match": page.headers["etag"]})
    assert again.status_code == 304 and again.content == b""
    for name, kind in [
        ("app.js", "text/javascript"),
        ("app.css", "text/css"),
        ("manifest.webmanifest", "application/manifest+json"),
        ("icon-192.png", "image/png"),
    ]:
        response = await client.get(f"/app/{name}")
        assert response.status_code == 200 and response.headers["content-type"].startswith(kind), name
    missing = await client.get("/app/nothing.js")
    assert missing.status_code == 404 and missing.headers["content-type"] == "application/problem+json"


async def test_the_service_worker_caches_every_shell_file_of_this_version(client: AsyncTestClient) -> None:
    worker = await client.get("/app/sw.js")
    assert worker.headers["service-worker-allowed"] == "/app"
    shell = json.loads(re.search(r"const SHELL = (\[.*?\]);", worker.text).group(1))  # type: ignore[union-attr]
    assert "/app" in shell and all(f"/app/{name}" in shell for name in SHELL_FILES if name != "index.html")
    assert "__VERSION__" not in worker.text
    manifest = (await client.get("/app/manifest.webmanifest")).json()
    assert manifest["start_url"] == "/app" and manifest["display"] == "standalone"
    for icon in manifest["icons"]:
        image = await client.get(icon["src"])
        assert image.status_code == 200 and image.content.startswith(b"\x89PNG")


def test_the_whole_app_fits_its_budget_and_loads_nothing_from_another_host() -> None:
    files = app_files()
    assert sum(len(f.gzipped) for f in files.values()) < BUDGET_BYTES
    assert all(gzip.decompress(f.gzipped) == f.body for f in files.values())
    on_disk = {p.name for p in STATIC.iterdir()}
    assert set(SHELL_FILES) | {"sw.js"} == on_disk, "every static file is part of the cached shell"
    for name, found in files.items():
        if name.endswith((".js", ".html", ".css", ".webmanifest")):
            text = found.body.decode()
            assert not re.search(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), name
            assert "@import" not in text and "fonts.googleapis" not in text


async def test_the_page_asks_for_every_module_at_once(client: AsyncTestClient) -> None:
    """Over 2G a module found only when its importer has loaded costs a round trip (800 ms) per level."""
    page = (await client.get("/app")).text
    for name in SHELL_FILES:
        if name.endswith(".js") and name != "app.js":
            assert f'<link rel="modulepreload" href="/app/{name}">' in page, name
