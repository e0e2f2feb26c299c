"""Logging in and out, sessions, device tokens, rate limits: what a user at the door or the office notices."""

from __future__ import annotations

import unicodedata
from datetime import timedelta

from sqlalchemy import update

from service.auth.models import DeviceToken, LoginSession
from service.auth.tokens import token_hash
from service.db.engine import utcnow
from tests.support.world import PASSWORD


async def login(client, username: str, password: str = PASSWORD):
    return await client.post("/api/v1/auth/login", json={"username": username, "password": password})


async def test_login_gives_a_bearer_token_and_a_page_cookie(client, world):
    response = await login(client, "giam_sat_a")
    assert response.status_code == 200
    body = response.json()
    assert body["user"]["role"] == "supervisor" and body["user"]["area"]["code"] == "38-A"
    assert body["token"].startswith("gcs_") and body["expires_at"]
    cookie = response.headers["set-cookie"].lower()
    assert "gocua_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie

    by_bearer = await client.get("/api/v1/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert by_bearer.status_code == 200 and by_bearer.json()["via"] == "session"
    # The cookie alone (as a browser page sends it) also works.
    client.cookies.set("gocua_session", body["token"])
    assert (await client.get("/api/v1/me")).json()["username"] == "giam_sat_a"
    client.cookies.clear()


async def test_me_tells_role_team_and_area(client, world):
    response = await client.get("/api/v1/me", headers=world["member_a1"].headers)
    me = response.json()
    assert me["role"] == "member" and me["via"] == "device"
    assert me["team"]["id"] == world.teams["a1"].id
    assert me["area"] == {"code": "38-A-1", "name": "Thôn Một", "level": "village"}
    admin = (await client.get("/api/v1/me", headers=world["admin"].headers)).json()
    assert admin["role"] == "admin" and admin["area"] is None and admin["team"] is None


async def test_wrong_password_is_refused_without_saying_which_part_was_wrong(client, world):
    wrong = await login(client, "giam_sat_a", "not the password")
    unknown = await login(client, "nobody_here", "not the password")
    assert wrong.status_code == unknown.status_code == 401
    assert wrong.json()["code"] == unknown.json()["code"] == "auth.login_failed"
    assert wrong.headers["content-type"].startswith("application/problem+json")


async def test_repeated_wrong_passwords_are_rate_limited_per_username(client, world, settings):
    for _ in range(settings.login_max_failures):
        assert (await login(client, "giam_sat_a", "guess")).status_code == 401
    limited = await login(client, "giam_sat_a")  # even the right password waits now
    assert limited.status_code == 429
    assert limited.json()["code"] == "auth.rate_limited"
    assert 0 < int(limited.headers["retry-after"]) <= settings.login_window_s
    # Someone else from the same office is not locked out by it.
    assert (await login(client, "giam_sat_b")).status_code == 200


async def test_many_failures_from_one_address_are_rate_limited(client, world, settings):
    from service.auth.throttle import IP_FACTOR

    for i in range(settings.login_max_failures * IP_FACTOR):
        assert (await login(client, f"guess_{i}", "guess")).status_code == 401
    assert (await login(client, "giam_sat_b")).status_code == 429


async def test_the_lock_ends_after_its_backoff(client, world, settings, db):
    from service.auth.models import LoginThrottle

    for _ in range(settings.login_max_failures):
        await login(client, "giam_sat_a", "guess")
    limited = await login(client, "giam_sat_a")
    assert limited.status_code == 429
    assert int(limited.headers["retry-after"]) <= settings.login_backoff_s + 1
    past = utcnow() - timedelta(seconds=1)
    await db.execute(update(LoginThrottle).values(locked_until=past))
    await db.commit()
    assert (await login(client, "giam_sat_a")).status_code == 200


async def test_each_further_failure_doubles_the_wait(client, world, settings, db):
    from service.auth.models import LoginThrottle

    waits = []
    for _ in range(3):
        for _ in range(settings.login_max_failures):
            await login(client, "giam_sat_a", "guess")
        waits.append(int((await login(client, "giam_sat_a")).headers["retry-after"]))
        # The lock runs out; the guesser tries again.
        await db.execute(update(LoginThrottle).values(locked_until=utcnow() - timedelta(seconds=1)))
        await db.commit()
    assert waits[0] <= settings.login_backoff_s + 1
    assert waits[1] > waits[0] * 1.5 and waits[2] > waits[1] * 1.5


async def test_logout_revokes_the_session_at_once(client, world):
    token = (await login(client, "admin")).json()["token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert (await client.post("/api/v1/auth/logout", headers=headers)).status_code == 204
    after = await client.get("/api/v1/me", headers=headers)
    assert after.status_code == 401 and after.json()["code"] == "auth.invalid_token"


async def test_expired_session_is_refused(client, world, db):
    admin = world["admin"]
    await db.execute(
        update(LoginSession)
        .where(LoginSession.token_hash == token_hash(admin.token))
        .values(expires_at=utcnow() - timedelta(seconds=1))
    )
    await db.commit()
    response = await client.get("/api/v1/me", headers=admin.headers)
    assert response.status_code == 401 and response.json()["code"] == "auth.invalid_token"


async def test_revoked_device_token_is_refused_on_the_next_request(client, world, db):
    member = world["member_a1"]
    assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 200
    token_id = (
        (await db.execute(DeviceToken.__table__.select().where(DeviceToken.token_hash == token_hash(member.token))))
        .one()
        .id
    )
    await db.commit()  # end the read: SQLite lets one transaction at a time hold the database
    revoked = await client.delete(
        f"/api/v1/members/{member.user.id}/device-tokens/{token_id}", headers=world["leader_a1"].headers
    )
    assert revoked.status_code == 204
    response = await client.get("/api/v1/me", headers=member.headers)
    assert response.status_code == 401 and response.json()["code"] == "auth.invalid_token"


async def test_missing_or_malformed_credentials(client, world):
    none = await client.get("/api/v1/me")
    assert none.status_code == 401 and none.json()["code"] == "auth.required"
    garbage = await client.get("/api/v1/me", headers={"Authorization": "Bearer gcd_not-a-token"})
    assert garbage.status_code == 401
    basic = await client.get("/api/v1/me", headers={"Authorization": "Basic YWRtaW46YWRtaW4="})
    assert basic.status_code == 401


async def test_deactivated_person_loses_access_at_once(client, world):
    member = world["member_a1"]
    gone = await client.delete(f"/api/v1/members/{member.user.id}", headers=world["supervisor_a"].headers)
    assert gone.status_code == 204
    assert (await client.get("/api/v1/me", headers=member.headers)).status_code == 401


async def test_vietnamese_usernames_log_in_however_the_keyboard_composed_them(client, world):
    created = await client.post(
        "/api/v1/members",
        headers=world["admin"].headers,
        json={
            "username": "Nguyễn.Thị.Hoa",
            "full_name": "Nguyễn Thị Hoa",
            "role": "supervisor",
            "area": "38-B",
            "password": "mật khẩu dài đủ",
        },
    )
    assert created.status_code == 201
    assert created.json()["username"] == "nguyễn.thị.hoa"
    decomposed = unicodedata.normalize("NFD", "NGUYỄN.THỊ.HOA")
    response = await login(client, decomposed, "mật khẩu dài đủ")
    assert response.status_code == 200 and response.json()["user"]["full_name"] == "Nguyễn Thị Hoa"


async def test_changing_my_password_ends_my_other_sessions(client, world):
    first = (await login(client, "admin")).json()["token"]
    second = (await login(client, "admin")).json()["token"]
    changed = await client.post(
        "/api/v1/me/password",
        headers={"Authorization": f"Bearer {second}"},
        json={"current_password": PASSWORD, "new_password": "một mật khẩu mới"},
    )
    assert changed.status_code == 204
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {first}"})).status_code == 401
    assert (await client.get("/api/v1/me", headers={"Authorization": f"Bearer {second}"})).status_code == 200
    assert (await login(client, "admin", "một mật khẩu mới")).status_code == 200
    wrong = await client.post(
        "/api/v1/me/password",
        headers={"Authorization": f"Bearer {second}"},
        json={"current_password": "nope", "new_password": "another long one"},
    )
    assert wrong.status_code == 422 and wrong.json()["code"] == "auth.wrong_current_password"


async def test_bad_login_bodies_are_problems_not_crashes(client, world):
    for body in ({}, {"username": "admin"}, {"username": 1, "password": 2}, {"username": "a", "password": "b", "x": 1}):
        response = await client.post("/api/v1/auth/login", json=body)
        assert response.status_code == 400, body
        assert response.json()["code"] == "request.invalid_body"
    raw = await client.post("/api/v1/auth/login", content=b"{not json", headers={"content-type": "application/json"})
    assert raw.status_code == 400


def test_passwords_are_stored_as_memory_hard_argon2id():
    from service.auth.passwords import production_hasher

    hasher = production_hasher()
    assert (hasher.type.name, hasher.memory_cost, hasher.time_cost) == ("ID", 65536, 3)
    stored = hasher.hash("một mật khẩu")
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$") and "mật khẩu" not in stored
