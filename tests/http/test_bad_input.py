"""Hostile or clumsy input anywhere answers a 4xx problem with a code — never a 500, never a half-write."""

from __future__ import annotations

import base64
import uuid

import msgspec


def cursor(value: object) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(value)).decode().rstrip("=")


async def test_out_of_range_ids_and_cursors(client, world):
    admin = world["admin"].headers
    for path in (
        "/api/v1/teams/99999999999999",
        "/api/v1/members/99999999999999",
        "/api/v1/members/99999999999999/device-tokens",
        "/api/v1/members/1/device-tokens/99999999999999",
    ):
        response = (
            await client.get(path, headers=admin)
            if "tokens/9" not in path
            else await client.delete(path, headers=admin)
        )
        assert 400 <= response.status_code < 500, (path, response.status_code)
        assert response.headers["content-type"].startswith("application/problem+json")
    for path in (
        "/api/v1/areas",
        "/api/v1/teams",
        "/api/v1/members",
        "/api/v1/households",
        "/api/v1/access-log",
        f"/api/v1/members/{world['member_a1'].user.id}/device-tokens",
    ):
        for value in (cursor(10**30), cursor(-5), cursor("x"), "!!!"):
            name = "updated_since" if path.endswith("households") else "cursor"
            response = await client.get(path, params={name: value}, headers=admin)
            assert response.status_code == 400, (path, value, response.status_code)
            assert response.json()["code"] == "request.invalid_cursor"
    assert (await client.get("/api/v1/members", params={"team_id": 10**12}, headers=admin)).status_code == 400
    assert (await client.get("/api/v1/households/not-a-uuid", headers=admin)).status_code == 404


async def test_nul_and_control_characters(client, world):
    admin = world["admin"].headers
    # A NUL in a URL (path or query) is refused at the door, alike on both databases (tests/http/test_no_5xx.py).
    for url, params in (
        ("/api/v1/areas", {"level": "vil\x00lage"}),
        ("/api/v1/areas/38%00", {}),
        ("/api/v1/members", {"role": "mem\x00ber"}),
        ("/api/v1/access-log", {"object_id": "\x00"}),
    ):
        refused = await client.get(url, params=params, headers=admin)
        assert refused.status_code == 400 and refused.json()["code"] == "request.nul_character", url
    login = await client.post("/api/v1/auth/login", json={"username": "ad\x00min", "password": "x\x00"})
    assert login.status_code == 401
    household = await client.post(
        "/api/v1/households",
        headers=world["member_a1"].headers,
        json={"id": str(uuid.uuid4()), "head_name": "Nguyễn\x00 Văn\tAn\x07", "address": "\x00"},
    )
    assert household.status_code == 201
    assert household.json()["head_name"] == "Nguyễn Văn An" and household.json()["address"] is None
    member = await client.post(
        "/api/v1/members",
        headers=admin,
        json={"username": "tên\x00người", "full_name": "Tên\x00 Người", "area": "38-A-1"},
    )
    assert member.status_code == 201 and member.json()["username"] == "tênngười"
    bad = await client.post(
        "/api/v1/members", headers=admin, json={"username": "tab\tname", "full_name": "X", "area": "38-A-1"}
    )
    assert bad.status_code == 422


async def test_wrong_types_and_shapes(client, world):
    admin = world["admin"].headers
    cases = [
        ("POST", "/api/v1/areas", {"code": ["x"], "name": "y"}),
        ("POST", "/api/v1/teams", {"area": None}),
        ("PATCH", f"/api/v1/teams/{world.teams['a1'].id}", {"name": 5}),
        ("POST", "/api/v1/members", {"username": "x"}),
        ("POST", "/api/v1/households", [1, 2, 3]),
        ("POST", f"/api/v1/households/{uuid.uuid4()}/merge", {"into": "nope"}),
        ("PATCH", f"/api/v1/households/{uuid.uuid4()}", {"lat": "north"}),
        ("POST", f"/api/v1/members/{world['member_a1'].user.id}/device-tokens", {"label": 1}),
    ]
    for method, path, body in cases:
        response = await client.request(method, path, headers=admin, json=body)
        assert response.status_code == 400, (method, path, response.status_code, response.text)
        assert response.json()["code"] == "request.invalid_body"
    not_csv = await client.post("/api/v1/members/import", headers=admin, content=b"\xff\xfe\x00garbage")
    assert not_csv.status_code == 422 and not_csv.json()["code"] == "csv.invalid"
    empty = await client.post("/api/v1/members/import", headers=admin, content=b"")
    assert empty.status_code == 422
