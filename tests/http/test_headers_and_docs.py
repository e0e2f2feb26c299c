"""Security headers on every response, and API docs that work offline: /schema loads nothing from another host."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

import msgspec
from litestar.testing import AsyncTestClient

from service.app import create_app
from tests.support.browser import chromium


def _assert_security_headers(response) -> None:
    assert response.headers["x-content-type-options"] == "nosniff"
    csp = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in csp and "default-src 'self'" in csp and "script-src 'self'" in csp
    assert response.headers["referrer-policy"] == "same-origin"


async def test_every_kind_of_response_carries_the_security_headers(client, world):
    responses = [
        await client.get("/health"),
        await client.get("/api/v1/me", headers=world["member_a1"].headers),
        await client.get("/api/v1/me"),  # 401
        await client.get("/no/such/route"),  # 404 outside any route
        await client.post("/api/v1/auth/login", content=b"{", headers={"Content-Type": "application/json"}),
        await client.get("/schema"),
    ]
    for response in responses:
        _assert_security_headers(response)
        # Plain HTTP to a server without an https public URL: no HSTS (it would be ignored, and wrong).
        assert "strict-transport-security" not in response.headers


async def test_hsts_when_the_service_is_reached_over_https(settings, world):
    app = create_app(msgspec.structs.replace(settings, public_url="https://gocua.thanhhoa.gov.vn"))
    async with AsyncTestClient(app=app) as client:
        response = await client.get("/health")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        await app.state.engine.dispose()


async def test_the_docs_page_references_no_other_host(client):
    page = await client.get("/schema")
    assert page.status_code == 200
    urls = re.findall(r"""(?:src|href)\s*=\s*["']([^"']+)["']""", page.text)
    assert urls, page.text
    assert all(not urlsplit(url).netloc for url in urls), urls
    for url in urls:
        asset = await client.get(url)
        assert asset.status_code == 200 and len(asset.content) > 20, url
        assert "cdn" not in asset.text[:2000].lower() or url.endswith(".js")  # scripts may mention it in text


def test_the_docs_render_in_a_browser_offline_under_the_policy(live, tmp_path: Path):
    hosts: set[str] = set()
    problems: list[str] = []
    with chromium() as browser:
        page = browser.new_page()
        page.on("request", lambda request: hosts.add(urlsplit(request.url).netloc))
        page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
        page.goto(live.url + "/schema")
        page.wait_for_selector(".swagger-ui .info .title", timeout=20_000)
        page.wait_for_selector(".opblock-tag", timeout=20_000)
        title = page.inner_text(".swagger-ui .info .title")
        page.screenshot(path=str(tmp_path / "docs.png"), full_page=False)
    assert "Gõ Cửa API" in title
    assert hosts == {urlsplit(live.url).netloc}, hosts
    assert not [p for p in problems if "Content Security Policy" in p], problems
