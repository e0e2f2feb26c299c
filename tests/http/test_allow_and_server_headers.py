"""OPTIONS names every method a path has, and no response names the server software."""

from __future__ import annotations

import re

import httpx
from litestar.routes import HTTPRoute

from tests.support.live_server import LiveServer

_PARAM = re.compile(r"\{(\w+):(\w+)\}")
_SAMPLE = {"uuid": "0b6f1a0e-0000-4000-8000-000000000001", "int": "1", "str": "q1", "path": "x"}


async def test_options_names_every_method_of_the_path(client):
    """Litestar answered OPTIONS /api/v1/households with `Allow: OPTIONS, POST` though GET exists."""
    methods: dict[str, set[str]] = {}
    for route in client.app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                methods.setdefault(route.path, set()).update(handler.http_methods)
    assert {"GET", "POST", "OPTIONS"} <= methods["/api/v1/households"]
    wrong = []
    for path, expected in methods.items():
        url = _PARAM.sub(lambda m: _SAMPLE[m.group(2)], path)
        response = await client.options(url)
        allowed = {method.strip() for method in response.headers.get("allow", "").split(",")}
        if response.status_code != 204 or allowed != expected:
            wrong.append((path, response.status_code, sorted(allowed), sorted(expected)))
    assert wrong == []


def test_no_response_names_the_server_software(live: LiveServer, world):
    with httpx.Client(base_url=live.url, timeout=10) as client:
        responses = [
            client.get("/health"),
            client.get("/nowhere"),
            client.get("/api/v1/me"),  # a problem
            client.get("/api/v1/me", headers=world["admin"].headers),
            client.options("/api/v1/households"),
        ]
    for response in responses:
        assert "granian" not in response.headers.get("server", "").lower(), response.url
