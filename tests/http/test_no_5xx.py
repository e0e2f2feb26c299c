"""Inputs that answered 500 when tried as an attacker would; each must be a 4xx problem with a code on SQLite and
PostgreSQL alike (both run: the `database_url` fixture is parametrized)."""

from __future__ import annotations

import uuid

import msgspec
import pytest

from forms.bundled import bundled_form_paths
from service.registry import services as registry
from tests.support.forms_data import small_form
from tests.support.world import add_household
from tests.visits.support import visit


def _problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["content-type"].startswith("application/problem+json")
    body = response.json()
    assert body["code"] == code, body
    return body


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/teams/-99999999999999999999",
        "/api/v1/teams/-2147483649",
        "/api/v1/teams/2147483648",
        "/api/v1/members/-2147483649",
        "/api/v1/members/99999999999999999999",
        "/api/v1/members/1/device-tokens/-2147483649",
    ],
)
async def test_ids_past_the_columns_range_are_a_400(client, world, path):
    for method in ("GET", "DELETE") if "device-tokens" not in path else ("DELETE",):
        response = await client.request(method, path, headers=world["admin"].headers)
        assert 400 <= response.status_code < 500, (method, path, response.text)
        assert response.headers["content-type"].startswith("application/problem+json")


async def test_the_smallest_id_in_range_still_just_finds_nothing(client, world):
    response = await client.get("/api/v1/teams/-2147483648", headers=world["admin"].headers)
    _problem(response, 404, "object.not_found")


def _nested(depth: int) -> bytes:
    return b'{"username": ' + b"[" * depth + b"]" * depth + b', "password": "x"}'


async def test_deeply_nested_json_is_a_400_even_anonymously(client, world):
    for depth in (1_000, 1_300):
        response = await client.post(
            "/api/v1/auth/login", content=_nested(depth), headers={"Content-Type": "application/json"}
        )
        _problem(response, 400, "request.too_deeply_nested")
    deep_household = b'{"id": "%s", "area_code": "38-A-1", "head_name": ' % str(uuid.uuid4()).encode()
    deep_household += b"[" * 1_000 + b"]" * 1_000 + b"}"
    response = await client.post(
        "/api/v1/households",
        content=deep_household,
        headers={**world["member_a1"].headers, "Content-Type": "application/json"},
    )
    _problem(response, 400, "request.too_deeply_nested")


async def test_a_nul_byte_in_a_url_is_a_400(client, world):
    admin, supervisor = world["admin"].headers, world["supervisor_a"].headers
    _problem(await client.get("/api/v1/forms/abc%00def", headers=admin), 400, "request.nul_character")
    _problem(
        await client.get("/api/v1/visits", params={"area": "38\x00A"}, headers=supervisor), 400, "request.nul_character"
    )
    # Where no route matches (an int path segment), it is simply not found.
    _problem(await client.delete("/api/v1/teams/1%00", headers=admin), 404, "request.not_found")


async def test_a_nul_byte_in_a_review_note_is_dropped_and_the_review_stored(client, world, db):
    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    household = await add_household(db, world.areas["village_a1"], head_name="Hộ thử")
    body = visit((published.form_id, published.version), household.id)
    submitted = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert submitted.status_code == 201, submitted.text
    visit_id = body["id"]
    note = await client.post(
        f"/api/v1/visits/{visit_id}/review",
        json={"decision": "reject", "note": "sai\x00 ảnh"},
        headers=world["supervisor_a"].headers,
    )
    assert note.status_code == 200, note.text
    assert note.json()["note"] == "sai ảnh"


async def test_a_nul_byte_in_a_form_is_refused(client, world):
    admin = world["admin"].headers
    form = small_form()
    form["title"] = {"vi": "Phiếu\x00thử", "en": "Test"}
    body = _problem(
        await client.post(
            "/api/v1/forms", content=msgspec.json.encode(form), headers={**admin, "Content-Type": "application/json"}
        ),
        422,
        "form.invalid",
    )
    assert body["errors"][0]["code"] == "form.nul_character"
    # An escaped backslash followed by "u0000" is ordinary text, and is stored.
    form["title"] = {"vi": "Phiếu \\u0000 thử", "en": "Test"}
    stored = await client.post(
        "/api/v1/forms", content=msgspec.json.encode(form), headers={**admin, "Content-Type": "application/json"}
    )
    assert stored.status_code == 201, stored.text


async def test_an_overlong_form_title_is_a_422_with_its_path(client, world):
    admin = {**world["admin"].headers, "Content-Type": "application/json"}
    form = small_form()
    form["title"] = {"vi": "T" * 500_000, "en": "Test"}
    body = _problem(
        await client.post("/api/v1/forms", content=msgspec.json.encode(form), headers=admin), 422, "form.invalid"
    )
    assert [(e["path"], e["code"]) for e in body["errors"]] == [("title.vi", "form.too_long")]
    form["title"] = {"vi": "T" * 1_000_000, "en": "Test"}
    _problem(
        await client.post("/api/v1/forms", content=msgspec.json.encode(form), headers=admin), 413, "request.too_large"
    )
    assert (await client.get("/api/v1/forms/thu-nghiem", headers=admin)).status_code == 404
