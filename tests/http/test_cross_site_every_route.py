"""The cross-site rule is per route, not per handler signature: every unsafe route of the router refuses a
request carried by the session cookie that names a foreign origin and carries no X-CSRF-Token.

POST /api/v1/visits resolves its caller itself (no `actor` parameter) and used to skip the check: a leader's
cookie and a page on another site stored a visit. The walk below reads the routes from the app, so a route added
later is covered without touching this file.
"""

from __future__ import annotations

import re
import uuid

from litestar.handlers import HTTPRouteHandler
from sqlalchemy import func, select

from service.auth.csrf import ACTS_WITHOUT_SESSION, UNSAFE_METHODS
from service.visits.models import Visit
from tests.support.world import PASSWORD

FOREIGN = {"Origin": "https://evil.example", "Content-Type": "application/json"}
_PARAM = re.compile(r"\{(\w+):(\w+)\}")
_SAMPLE = {"uuid": str(uuid.uuid4()), "int": "1", "str": "q1", "path": "x"}


def unsafe_routes(app) -> list[tuple[str, str, bool]]:
    """(method, path with sample parameters, declared to act on no session) of every unsafe route."""
    found = set()
    for route in app.routes:
        for handler in getattr(route, "route_handlers", []):
            if not isinstance(handler, HTTPRouteHandler):
                continue
            exempt = bool(handler.opt.get(ACTS_WITHOUT_SESSION))
            for method in handler.http_methods & UNSAFE_METHODS:
                found.add((method, _PARAM.sub(lambda m: _SAMPLE[m.group(2)], route.path), exempt))
    return sorted(found)


async def _login(client, username: str = "admin") -> None:
    response = await client.post("/api/v1/auth/login", json={"username": username, "password": PASSWORD})
    assert response.status_code == 200, response.text


async def test_every_unsafe_route_refuses_a_cookie_request_from_another_site(client, world):
    await _login(client)
    routes = unsafe_routes(client.app)
    assert ("POST", "/api/v1/visits", False) in routes and len(routes) > 25
    # Only sign-in and ODK's routes (the device token in the path is the caller) may declare that they act on
    # no session; for ODK's the cookie must indeed get nothing: a bad path token is refused whatever it carries.
    exempt_routes = [(m, p) for m, p, exempt in routes if exempt]
    assert ("POST", "/api/v1/auth/login") in exempt_routes
    assert all(p == "/api/v1/auth/login" or p.startswith("/openrosa/key/") for _, p in exempt_routes), exempt_routes
    let_through = []
    for method, path, exempt in routes:
        if exempt and path.startswith("/openrosa/key/"):
            response = await client.request(method, path, content=b"{}", headers=FOREIGN)
            if not (response.status_code == 403 and "openrosa" in response.text.lower()):
                let_through.append((method, path, response.status_code, response.text[:120]))
        if exempt:
            continue
        response = await client.request(method, path, content=b"{}", headers=FOREIGN)
        page = not path.startswith("/api/")
        refused = response.status_code == 403 and "auth.cross_site_refused" in response.text
        if not page:  # pages answer with their HTML error page, the API with a problem
            refused = refused and response.headers["content-type"].startswith("application/problem+json")
        if not refused:
            let_through.append((method, path, response.status_code, response.text[:120]))
    assert let_through == []
    # The session still works from our own origin.
    assert (await client.get("/api/v1/me")).status_code == 200


async def test_a_leaders_cookie_cannot_store_a_visit_from_another_site(client, world, db):
    await _login(client, world["leader_a1"].user.username)
    visit = {
        "id": str(uuid.uuid4()),
        "household_id": "0b6f1a0e-0000-4000-8000-000000000001",
        "form_id": "f",
        "form_version": "1",
        "answers": {},
    }
    other_port = {"Origin": "http://testserver.local:8081", "Content-Type": "application/json"}  # same host
    for headers in (FOREIGN, other_port, {"Content-Type": "application/json"}):  # foreign, another port, none
        response = await client.post("/api/v1/visits", json=visit, headers=headers)
        assert response.status_code == 403, response.text
        assert response.json()["code"] == "auth.cross_site_refused"
    files = {"visit": (None, b"{}", "application/json")}
    multipart = await client.post("/api/v1/visits", files=files, headers={"Origin": "https://evil.example"})
    assert multipart.status_code == 403
    assert (await db.execute(select(func.count()).select_from(Visit))).scalar_one() == 0
