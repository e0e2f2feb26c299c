"""Broken inputs get a 4xx with a stable code, never a 500, and leave nothing behind: no rows, no objects."""

from __future__ import annotations

import json
import uuid

from tests.visits.conftest import count_rows, object_keys
from tests.visits.support import (
    PHOTO_QUESTION,
    jpeg,
    multipart,
    noisy_jpeg,
    png_bomb,
    png_with_huge_exif,
    visit,
)

NOTHING = {"visits": 0, "photos": 0, "flags": 0}


def photo_part(data: bytes, filename: str = "photo.jpg", name: str = PHOTO_QUESTION) -> tuple:
    return (name, (filename, data, "image/jpeg"))


def visit_part(body: dict) -> tuple:
    return ("visit", (None, json.dumps(body).encode(), "application/json"))


async def test_broken_submissions(photo_client, world, form, homes, db):
    phone = world["member_a1"].headers
    good = jpeg(20)

    def body() -> dict:
        return visit(form, homes.located.id)

    cases = {
        "truncated JPEG": ({"files": [visit_part(body()), photo_part(good[: len(good) // 2])]}, 422, "photo.corrupt"),
        "zero bytes": ({"files": [visit_part(body()), photo_part(b"")]}, 400, "photo.empty"),
        "text named .jpg": (
            {"files": [visit_part(body()), photo_part("xin chào".encode(), "anh.jpg")]},
            415,
            "photo.unsupported_type",
        ),
        "20,000 × 20,000 PNG": (
            {"files": [visit_part(body()), photo_part(png_bomb(20_000, 20_000), "bomb.png")]},
            422,
            "photo.too_many_pixels",
        ),
        "huge EXIF": (
            {"files": [visit_part(body()), photo_part(png_with_huge_exif(), "exif.png")]},
            422,
            "photo.exif_too_large",
        ),
        "a good photo with a broken one": (
            {"files": [visit_part(body()), photo_part(good), photo_part(b"\xff\xd8\xff\xe0garbage", "b.jpg")]},
            422,
            "photo.corrupt",
        ),
        "file part without a filename": (
            {"files": [visit_part(body()), (PHOTO_QUESTION, (None, good, "image/jpeg"))]},
            400,
            "photo.missing_filename",
        ),
        "visit part that is not JSON": (
            {"files": [("visit", (None, b"{not json", "application/json")), photo_part(good)]},
            400,
            "visit.malformed",
        ),
        "no visit part": ({"files": [photo_part(good)]}, 400, "visit.missing_part"),
        "visit id that is not a UUID": (
            {"files": [visit_part({**body(), "id": "visit-1"}), photo_part(good)]},
            400,
            "visit.malformed",
        ),
        "time without a zone": ({"json": {**body(), "finished_at": "2026-11-20T10:00:00"}}, 400, "visit.malformed"),
        "latitude out of range": ({"json": {**body(), "location": {"lat": 91, "lon": 105}}}, 400, "visit.malformed"),
        "NUL in a text": ({"json": {**body(), "form_id": "household\u0000skills"}}, 400, "visit.malformed"),
        "NUL in an answer's name": ({"json": {**body(), "answers": {"a\u0000": 1}}}, 400, "visit.malformed"),
        "on_behalf_of beyond any id": ({"json": {**body(), "on_behalf_of": 2**40}}, 400, "visit.malformed"),
        "a time centuries off": ({"json": {**body(), "started_at": "0001-01-01T00:00:00+07:00"}}, 422, "visit.invalid"),
        "photo for a question that is not one": (
            {"files": [visit_part(body()), photo_part(good, name="members")]},
            422,
            "visit.invalid",
        ),
        "four photos for three slots": (
            {"files": [visit_part(body())] + [photo_part(jpeg(30 + i)) for i in range(4)]},
            422,
            "visit.invalid",
        ),
        "a bad part name": (
            {"files": [visit_part(body()), photo_part(good, name="evidence_photos[x")]},
            400,
            "visit.bad_multipart",
        ),
        "truncated multipart body": (
            {
                "content": b'--b\r\nContent-Disposition: form-data; name="visit"\r\n\r\n{',
                "headers": {"content-type": "multipart/form-data; boundary=b"},
            },
            400,
            "visit.bad_multipart",
        ),
        "JSON that is not JSON": (
            {"content": b"\x00\x01", "headers": {"content-type": "application/json"}},
            400,
            "visit.malformed",
        ),
        "plain text": (
            {"content": b"visit", "headers": {"content-type": "text/plain"}},
            415,
            "request.unsupported_media_type",
        ),
    }
    for name, (request, status, code) in cases.items():
        headers = {**phone, **request.pop("headers", {})}
        response = await photo_client.post("/api/v1/visits", headers=headers, **request)
        assert (response.status_code, response.json().get("code")) == (status, code), f"{name}: {response.text}"
        assert response.headers["content-type"].startswith("application/problem+json")
    assert await count_rows(db) == NOTHING
    assert await object_keys(photo_client) == []


async def test_broken_photos_put_later(photo_client, world, form, homes, db):
    phone = world["member_a1"].headers
    body = visit(form, homes.located.id)
    assert (await photo_client.post("/api/v1/visits", json=body, headers=phone)).status_code == 201
    url = f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}/0"
    good = jpeg(21)
    cases = {
        "truncated JPEG": (good[:200], "image/jpeg", 422, "photo.corrupt"),
        "zero bytes": (b"", "image/jpeg", 400, "photo.empty"),
        "text": (b"hello", "image/jpeg", 415, "photo.unsupported_type"),
        "wrong content type": (good, "text/plain", 415, "photo.wrong_content_type"),
        "no content type": (good, "", 415, "photo.wrong_content_type"),
        "20,000 × 20,000 PNG": (png_bomb(20_000, 20_000), "image/png", 422, "photo.too_many_pixels"),
        "huge EXIF": (png_with_huge_exif(), "image/png", 422, "photo.exif_too_large"),
    }
    for name, (data, content_type, status, code) in cases.items():
        headers = {**phone, "content-type": content_type} if content_type else phone
        response = await photo_client.put(url, content=data, headers=headers)
        assert (response.status_code, response.json().get("code")) == (status, code), f"{name}: {response.text}"
    assert await count_rows(db) == {"visits": 1, "photos": 0, "flags": 0}
    assert await object_keys(photo_client) == []


async def test_bad_ids_in_paths(client, world, form):
    admin = world["admin"].headers
    for path in ("/api/v1/visits/not-a-uuid", "/api/v1/visits/not-a-uuid/photos/evidence_photos/0/thumb"):
        response = await client.get(path, headers=admin)
        assert 400 <= response.status_code < 500
        assert response.headers["content-type"].startswith("application/problem+json")
    someone = f"/api/v1/visits/{uuid.uuid4()}"
    for path, params in (
        (f"{someone}/photos/{PHOTO_QUESTION}/{2**40}/thumb", None),
        (f"{someone}/photos/{PHOTO_QUESTION}/-1/thumb", None),
        (f"{someone}/photos/{PHOTO_QUESTION}%00/0/thumb", None),
        (f"{someone}/photos/{PHOTO_QUESTION}/0/raw", None),
        ("/api/v1/visits", {"member": 2**40}),
        ("/api/v1/visits", {"flag": "gps.\x00"}),
        ("/api/v1/visits", {"since": "yesterday"}),
    ):
        response = await client.get(path, params=params, headers=admin)
        assert 400 <= response.status_code < 500, (path, params, response.text)
    missing = await client.get(f"/api/v1/visits/{uuid.uuid4()}", headers=admin)
    assert (missing.status_code, missing.json()["code"]) == (404, "object.not_found")
    response = await client.put(
        f"/api/v1/visits/{uuid.uuid4()}/photos/{PHOTO_QUESTION}/0",
        content=jpeg(1),
        headers={**admin, "content-type": "image/jpeg"},
    )
    assert response.status_code == 404


async def test_too_many_photos_sent_by_name_only(client, world, form, homes, db):
    parts = multipart(visit(form, homes.located.id), [(PHOTO_QUESTION, jpeg(40 + i)) for i in range(4)])
    response = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts)
    assert response.status_code == 422
    assert [e["question"] for e in response.json()["errors"]] == [f"{PHOTO_QUESTION}[3]"]
    assert await count_rows(db) == NOTHING


async def test_a_photo_over_the_forms_byte_limit(client, world, db, homes):
    from service.registry import services as registry
    from tests.support.forms_data import label, small_form

    definition = small_form("anh-nho")
    definition["questions"].append(
        {"type": "photo", "name": "door", "label": label("Ảnh cửa", "Door"), "required": True, "max_bytes": 20_000}
    )
    await registry.publish(db, registry.parse_definition(definition), None)
    await db.commit()
    body = {**visit(("anh-nho", "1"), homes.located.id), "answers": {"members": 3}}
    big = noisy_jpeg((400, 300))
    assert len(big) > 20_000
    response = await client.post(
        "/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, [("door", big)])
    )
    assert (response.status_code, response.json()["code"]) == (413, "photo.too_large")
    assert response.json()["errors"][0]["question"] == "door"
    assert await count_rows(db) == NOTHING


async def test_an_app_name_or_version_longer_than_stored_is_refused_not_cut(client, world, form, homes, db):
    """The visits table holds 100 characters of app name and 50 of version; longer ones were cut silently."""
    phone = world["member_a1"].headers
    for app in ({"name": "n" * 101, "version": "1"}, {"name": "gocua-android", "version": "9" * 51}):
        response = await client.post("/api/v1/visits", json=visit(form, homes.located.id, app=app), headers=phone)
        assert response.status_code == 400, response.text
        assert response.json()["code"] == "visit.malformed" and "$.app." in response.json()["detail"]
    assert await count_rows(db) == NOTHING
    longest = {"name": "n" * 100, "version": "9" * 50}
    stored = await client.post("/api/v1/visits", json=visit(form, homes.located.id, app=longest), headers=phone)
    assert stored.status_code == 201
    detail = await client.get(f"/api/v1/visits/{stored.json()['id']}", headers=world["supervisor_a"].headers)
    assert (detail.json()["app_name"], detail.json()["app_version"]) == (longest["name"], longest["version"])
