"""Audio, video and file answers: the file parts stored as sent, their limits, retries, downloads and scope."""

from __future__ import annotations

import csv
import io
import json
import uuid
from collections.abc import AsyncIterator
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import create_app
from service.registry import services as registry
from service.settings import Settings
from service.visits.models import Visit, VisitAttachment
from tests.visits.support import FINISHED, HOME

# Leading bytes as phones write them: an M4A recording, an MP4 video, a PDF.
M4A = b"\x00\x00\x00\x20ftypM4A \x00\x00\x00\x00M4A mp42isom" + bytes(range(256)) * 8
MP4 = b"\x00\x00\x00\x18ftypmp42\x00\x00\x00\x00mp42isom" + b"\x01\x02video" * 300
PDF = b"%PDF-1.4\n1 0 obj\n<< /Type /Catalog >>\nendobj\ntrailer\n%%EOF\n"

MEDIA_FORM = {
    "id": "media_evidence",
    "version": "1",
    "title": {"vi": "Bằng chứng"},
    "questions": [
        {"type": "audio", "name": "voice", "label": {"vi": "Ghi âm lời hộ", "en": "Voice"}, "required": True},
        {"type": "video", "name": "clip", "label": {"vi": "Video hướng dẫn", "en": "Clip"}},
        {"type": "file", "name": "paper", "label": {"vi": "Giấy tờ", "en": "Paper"}},
    ],
}


@pytest.fixture
async def media_form(db: AsyncSession, world: Any) -> tuple[str, str]:
    published = await registry.publish(db, registry.parse_definition(json.dumps(MEDIA_FORM).encode()), None)
    await db.commit()
    return published.form_id, published.version


@pytest.fixture
async def home(db: AsyncSession, world: Any) -> uuid.UUID:
    from tests.support.world import add_household

    return (await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một", lat=HOME[0], lon=HOME[1])).id


def media_visit(form: tuple[str, str], household_id: uuid.UUID, **answers: Any) -> dict[str, Any]:
    return {
        "id": str(uuid.uuid4()),
        "form_id": form[0],
        "form_version": form[1],
        "household_id": str(household_id),
        "finished_at": FINISHED.isoformat(),
        "location": {"lat": HOME[0], "lon": HOME[1], "accuracy_m": 6.0},
        "answers": answers,
    }


def parts(body: dict[str, Any], files: list[tuple[str, str, bytes, str]]) -> dict[str, Any]:
    """multipart: the visit, and (part name, filename, bytes, content type) per file."""
    out: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("visit", (None, json.dumps(body).encode(), "application/json"))
    ]
    out += [(name, (filename, data, content_type)) for name, filename, data, content_type in files]
    return {"files": out}


async def counts(db: AsyncSession) -> tuple[int, int]:
    visits = (await db.execute(select(func.count()).select_from(Visit))).scalar_one()
    files = (await db.execute(select(func.count()).select_from(VisitAttachment))).scalar_one()
    await db.commit()
    return visits, files


async def stored_keys(client: AsyncTestClient) -> list[str]:
    return await client.app.state.store.list_keys("attachments/")


ALL_THREE = [
    ("voice", "ghi-am 1.m4a", M4A, "audio/mp4"),
    ("clip", "clip.mp4", MP4, "video/mp4"),
    ("paper", "sổ hộ khẩu.pdf", PDF, "application/octet-stream"),  # typed by its extension
]


async def test_each_kind_is_stored_as_sent_and_a_replay_is_answered_from_storage(
    photo_client, world, media_form, home, db
):
    body = media_visit(media_form, home, voice="ghi-am 1.m4a", clip="clip.mp4", paper="sổ hộ khẩu.pdf")
    phone = world["member_a1"].headers
    first = await photo_client.post("/api/v1/visits", headers=phone, **parts(body, ALL_THREE))
    assert first.status_code == 201, first.text
    receipt = first.json()
    assert receipt["status"] == "complete" and receipt["missing_attachments"] == []
    assert [
        (a["question"], a["kind"], a["filename"], a["content_type"], a["size_bytes"]) for a in receipt["attachments"]
    ] == [
        ("clip", "video", "clip.mp4", "video/mp4", len(MP4)),
        ("paper", "file", "sổ hộ khẩu.pdf", "application/pdf", len(PDF)),
        ("voice", "audio", "ghi-am 1.m4a", "audio/mp4", len(M4A)),
    ]
    keys = await stored_keys(photo_client)
    assert len(keys) == 3 and await photo_client.app.state.store.list_keys("photos/") == []  # no derivatives
    store = photo_client.app.state.store
    assert sorted([await store.get(key) for key in keys], key=len) == sorted([M4A, MP4, PDF], key=len)

    again = await photo_client.post("/api/v1/visits", headers=phone, **parts(body, ALL_THREE))
    assert again.status_code == 200 and again.content == first.content
    assert await counts(db) == (1, 3) and await stored_keys(photo_client) == keys


async def test_a_visit_without_its_file_waits_and_the_file_put_later_completes_it(client, world, media_form, home, db):
    body = media_visit(media_form, home, voice="rec.ogg")
    phone = world["member_a1"].headers
    created = await client.post("/api/v1/visits", json=body, headers=phone)
    assert created.status_code == 201, created.text
    assert created.json()["status"] == "awaiting_photos"
    assert created.json()["missing_attachments"] == [{"question": "voice", "kind": "audio", "filename": "rec.ogg"}]
    detail = await client.get(f"/api/v1/visits/{body['id']}", headers=world["supervisor_a"].headers)
    assert detail.json()["missing_attachments"] == [{"question": "voice", "kind": "audio", "filename": "rec.ogg"}]

    url = f"/api/v1/visits/{body['id']}/attachments/voice"
    ogg = b"OggS\x00\x02" + b"\x00" * 200
    put = await client.put(url, content=ogg, headers={**phone, "content-type": "audio/ogg"})
    assert put.status_code == 201, put.text
    assert put.json()["status"] == "complete" and put.json()["missing_attachments"] == []
    same = await client.put(url, content=ogg, headers={**phone, "content-type": "audio/ogg"})
    assert same.status_code == 200 and same.content == put.content
    other = await client.put(url, content=ogg + b"x", headers={**phone, "content-type": "audio/ogg"})
    assert (other.status_code, other.json()["code"]) == (409, "attachment.taken")
    stranger = await client.put(url, content=ogg, headers={**world["member_a2"].headers, "content-type": "audio/ogg"})
    assert stranger.status_code == 404
    retry = await client.post("/api/v1/visits", json=body, headers=phone)
    assert retry.status_code == 200 and retry.json()["status"] == "complete"
    assert await counts(db) == (1, 1)


@pytest.mark.parametrize(
    ("file", "reason"),
    [
        (("voice", "a.mp3", PDF, "audio/mpeg"), "bytes that are not the declared type"),
        (("voice", "a.pdf", PDF, "application/pdf"), "a type the kind does not take"),
        (("clip", "a.exe", b"MZ\x90\x00" + b"\x00" * 64, "application/octet-stream"), "an unknown extension"),
        (("paper", "page.html", b"<script>alert(1)</script>", "text/html"), "HTML"),
    ],
)
async def test_a_file_of_the_wrong_type_is_refused_and_nothing_is_written(
    client, world, media_form, home, db, file, reason
):
    body = media_visit(media_form, home, voice=file[1], clip="c.mp4", paper="p.pdf")
    if file[0] != "voice":
        body["answers"][file[0]] = file[1]
    response = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, [file]))
    assert response.status_code == 415, (reason, response.text)
    problem = response.json()
    assert problem["code"] == "attachment.wrong_type" and problem["errors"][0]["question"] == file[0]
    assert problem["errors"][0]["message_vi"] and problem["errors"][0]["message_en"]
    assert await counts(db) == (0, 0) and await stored_keys(client) == []


@pytest.fixture
async def small_limits(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(msgspec.structs.replace(settings, max_audio_bytes=1_000))
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
        yield client


async def test_a_file_over_its_kinds_limit_is_refused_with_413_and_nothing_is_written(
    small_limits, world, media_form, home, db
):
    body = media_visit(media_form, home, voice="long.m4a", paper="p.pdf")
    files = [("paper", "p.pdf", PDF, "application/pdf"), ("voice", "long.m4a", M4A, "audio/mp4")]
    response = await small_limits.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, files))
    assert response.status_code == 413, response.text
    assert response.json()["code"] == "attachment.too_large"
    assert "over the limit of 1 KB" in response.json()["errors"][0]["message_en"]
    assert await counts(db) == (0, 0) and await stored_keys(small_limits) == []
    # The same visit with a recording within the limit goes through.
    body["answers"]["voice"] = "short.m4a"
    short = [("voice", "short.m4a", M4A[:900], "audio/mp4")]
    accepted = await small_limits.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, short))
    assert accepted.status_code == 201, accepted.text
    assert accepted.json()["missing_attachments"] == [{"question": "paper", "kind": "file", "filename": "p.pdf"}]


async def test_a_file_for_a_question_not_answered_with_its_name_is_refused(client, world, media_form, home, db):
    body = media_visit(media_form, home, voice="a.m4a")
    files = [("voice", "a.m4a", M4A, "audio/mp4"), ("clip", "c.mp4", MP4, "video/mp4")]
    response = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, files))
    assert response.status_code == 422
    assert {(e["question"], e["code"]) for e in response.json()["errors"]} == {("clip", "attachment.not_answered")}
    bad_name = media_visit(media_form, home, voice="../etc/passwd")
    refused = await client.post("/api/v1/visits", json=bad_name, headers=world["member_a1"].headers)
    assert {(e["question"], e["code"]) for e in refused.json()["errors"]} == {("voice", "answer.bad_file_name")}
    assert await counts(db) == (0, 0)


async def test_a_supervisor_downloads_a_file_as_an_attachment_and_another_communes_cannot(
    client, world, media_form, home, db
):
    body = media_visit(media_form, home, voice="ghi âm.m4a", paper="p.pdf")
    files = [("voice", "ghi âm.m4a", M4A, "audio/x-m4a"), ("paper", "p.pdf", PDF, "application/pdf")]
    sent = await client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, files))
    assert sent.status_code == 201, sent.text
    detail = (await client.get(f"/api/v1/visits/{body['id']}", headers=world["supervisor_a"].headers)).json()
    voice = next(a for a in detail["attachments"] if a["question"] == "voice")
    assert voice["content_type"] == "audio/mp4" and voice["size_bytes"] == len(M4A)

    got = await client.get(voice["url"], headers=world["supervisor_a"].headers)
    assert got.status_code == 200 and got.content == M4A
    assert got.headers["content-type"].startswith("audio/mp4")
    assert got.headers["content-disposition"].startswith("attachment;")
    assert "filename*=UTF-8''ghi%20%C3%A2m.m4a" in got.headers["content-disposition"]
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"].startswith("sandbox")

    for who in ("supervisor_b", "member_b1", "member_a2"):
        refused = await client.get(voice["url"], headers=world[who].headers)
        assert refused.status_code == 404, who
    assert (await client.get(voice["url"], headers=world["member_a1"].headers)).status_code == 200
    missing = await client.get(f"/api/v1/visits/{body['id']}/attachments/clip", headers=world["admin"].headers)
    assert (missing.status_code, missing.json()["code"]) == (404, "attachment.not_found")

    # The export names each file in its question's column, as ODK and Kobo exports do.
    export = await client.get(
        "/api/v1/exports/visits.csv",
        params={"area": "38-A", "labels": "codes", "form": media_form[0]},
        headers=world["supervisor_a"].headers,
    )
    assert export.status_code == 200, export.text
    [row] = list(csv.DictReader(io.StringIO(export.content.decode("utf-8-sig"), newline="")))
    assert (row["voice"], row["paper"], row["clip"]) == ("ghi âm.m4a", "p.pdf", "")


async def test_the_storage_sweep_removes_orphan_files_and_keeps_those_a_visit_uses(
    photo_client, world, media_form, home, db, settings
):
    """`gocua storage sweep` also clears files uploaded for a visit whose write never completed."""
    from datetime import timedelta

    from service.db.engine import create_engine, session_factory
    from service.visits.attachments import object_key
    from service.visits.photo_objects import sweep

    body = media_visit(media_form, home, voice="ghi-am 1.m4a", clip="clip.mp4", paper="sổ hộ khẩu.pdf")
    stored = await photo_client.post("/api/v1/visits", headers=world["member_a1"].headers, **parts(body, ALL_THREE))
    assert stored.status_code == 201, stored.text
    kept = set(await stored_keys(photo_client))
    store = photo_client.app.state.store
    orphan = object_key("ab" * 32, "mp4")  # uploaded, then the visit's write failed
    await store.put(orphan, MP4, "video/mp4")
    engine = create_engine(settings.resolved_database_url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            assert await sweep(session, store, timedelta(0), dry_run=True) == [orphan]
            assert set(await stored_keys(photo_client)) == kept | {orphan}
            assert await sweep(session, store, timedelta(0)) == [orphan]
    finally:
        await engine.dispose()
    assert set(await stored_keys(photo_client)) == kept
    download = await photo_client.get(f"/api/v1/visits/{body['id']}/attachments/clip", headers=world["admin"].headers)
    assert download.status_code == 200 and download.content == MP4
