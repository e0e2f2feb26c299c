"""Cross-site requests: an admin's browser visiting another site must not be made to change anything.

The attack that worked: a page elsewhere posts `text/plain` JSON to POST /api/v1/members; the browser adds the
admin's session cookie; an admin was created. Now JSON routes take only application/json (a cross-site
application/json needs a CORS preflight we never grant), and a cookie-carried unsafe request must come from our
own origin or carry the session's X-CSRF-Token. Phones with Bearer tokens are not asked for either.
"""

from __future__ import annotations

from sqlalchemy import func, select

from service.people.models import User
from tests.support.world import PASSWORD

NEW_ADMIN = b'{"username": "ke_gian", "full_name": "Ke Gian", "role": "admin", "password": "mat khau dai 123"}'


async def _cookie_login(client) -> str:
    response = await client.post("/api/v1/auth/login", json={"username": "admin", "password": PASSWORD})
    assert response.status_code == 200
    return response.json()["csrf_token"]


async def _members_named(db, username: str) -> int:
    return (await db.execute(select(func.count()).select_from(User).where(User.username == username))).scalar_one()


async def test_text_plain_json_from_another_site_with_the_admins_cookie_creates_no_one(client, world, db):
    await _cookie_login(client)  # the browser now holds the session cookie
    response = await client.post(
        "/api/v1/members", content=NEW_ADMIN, headers={"Content-Type": "text/plain", "Origin": "https://evil.example"}
    )
    assert response.status_code in (403, 415)
    assert response.headers["content-type"].startswith("application/problem+json")
    assert response.json()["code"] in ("auth.cross_site_refused", "request.json_required")
    assert await _members_named(db, "ke_gian") == 0


async def test_json_from_another_site_with_the_cookie_is_refused(client, world, db):
    await _cookie_login(client)
    for headers in (
        {"Origin": "https://evil.example"},
        {"Referer": "https://evil.example/page"},
        {},
        {"Origin": "null"},
    ):
        response = await client.post(
            "/api/v1/members", content=NEW_ADMIN, headers={"Content-Type": "application/json", **headers}
        )
        assert response.status_code == 403 and response.json()["code"] == "auth.cross_site_refused", headers
    assert await _members_named(db, "ke_gian") == 0


async def test_our_own_pages_and_the_csrf_token_pass(client, world, db):
    csrf = await _cookie_login(client)
    own = await client.post(
        "/api/v1/members",
        content=NEW_ADMIN,
        headers={"Content-Type": "application/json", "Origin": "http://testserver.local"},
    )
    assert own.status_code == 201, own.text
    by_token = await client.patch(
        f"/api/v1/members/{own.json()['id']}",
        json={"full_name": "Đã Sửa"},
        headers={"X-CSRF-Token": csrf, "Origin": "https://evil.example"},
    )
    assert by_token.status_code == 200
    wrong_token = await client.patch(
        f"/api/v1/members/{own.json()['id']}", json={"full_name": "Không"}, headers={"X-CSRF-Token": "0" * 64}
    )
    assert wrong_token.status_code == 403
    # Reading needs no proof: GET is safe.
    assert (await client.get("/api/v1/me", headers={"Origin": "https://evil.example"})).status_code == 200


async def test_json_routes_refuse_other_media_types_for_everyone(client, world, db):
    for content_type in ("text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"):
        response = await client.post(
            "/api/v1/members", content=NEW_ADMIN, headers={**world["admin"].headers, "Content-Type": content_type}
        )
        assert response.status_code == 415 and response.json()["code"] == "request.json_required", content_type
    login = await client.post(
        "/api/v1/auth/login", content=b'{"username": "admin", "password": "x"}', headers={"Content-Type": "text/plain"}
    )
    assert login.status_code == 415
    assert await _members_named(db, "ke_gian") == 0


async def test_phones_with_bearer_tokens_need_no_origin(client, world):
    household = {"id": "0b6f1a0e-0000-4000-8000-0000000000aa", "area_code": "38-A-1", "head_name": "Lê Văn Tám"}
    response = await client.post(
        "/api/v1/households",
        json=household,
        headers={**world["member_a1"].headers, "Origin": "https://elsewhere.example"},
    )
    assert response.status_code == 201, response.text


def test_every_route_runs_the_request_checks(settings):
    """The caller, cross-site, media-type and NUL checks are the app's before_request hook; a controller or route
    that set its own before_request would silently replace them (Litestar keeps only the closest one)."""
    from litestar.handlers import HTTPRouteHandler

    from service.app import create_app
    from service.http.guard import check_request

    app = create_app(settings)
    handlers = [
        h
        for route in app.routes
        for h in getattr(route, "route_handlers", [])
        if isinstance(h, HTTPRouteHandler) and "OPTIONS" not in h.http_methods
    ]
    assert len(handlers) > 30
    replaced = [
        str(h)
        for h in handlers
        if getattr(h.resolve_before_request(), "func", None) is not check_request
        and h.resolve_before_request() is not check_request
    ]
    assert replaced == []
