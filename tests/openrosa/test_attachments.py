"""Audio, video and file questions over OpenRosa: the XForm carries them as uploads (valid for ODK Validate), and a
submission's parts named by those answers are stored as the visit's attachments, also when split over POSTs."""

from __future__ import annotations

import json
import uuid
from pathlib import Path

import httpx
import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service.app import create_app
from service.openrosa.xform import build_xform
from service.settings import Settings
from service.visits.models import Visit, VisitAttachment
from tests.openrosa.collect_client import Collect
from tests.openrosa.conftest import base
from tests.openrosa.support import instance_xml
from tests.openrosa.test_collect import fill, filler  # noqa: F401  (fixture)
from tests.openrosa.test_submissions import read
from tests.openrosa.validate import odk_validate
from tests.support.forms_data import xlsx
from tests.support.live_server import live_server
from tests.support.world import World
from tests.visits.test_attachments import M4A, MEDIA_FORM, MP4, PDF

DEFINITION = forms.load_definition(json.dumps(MEDIA_FORM).encode())


def test_the_xform_asks_for_each_file_with_an_upload_control_odk_validate_accepts(tmp_path: Path) -> None:
    xform = build_xform(DEFINITION)
    for name, mediatype in (("voice", "audio/*"), ("clip", "video/*"), ("paper", "application/*")):
        assert f'<upload ref="/data/{name}" mediatype="{mediatype}">'.encode() in xform
        assert f'<bind nodeset="/data/{name}" type="binary"'.encode() in xform
    odk_validate(xform, tmp_path)


@pytest.fixture
async def media_published(client: AsyncTestClient, world: World) -> None:
    response = await client.post(
        "/api/v1/forms",
        content=json.dumps(MEDIA_FORM).encode(),
        headers={**world["admin"].headers, "Content-Type": "application/json"},
    )
    assert response.status_code == 201, response.text


def collect_parts(xml: bytes, files: list[tuple[str, bytes, str]], incomplete: bool = False) -> list:
    """As Collect posts: the XML, then each file with its name as part name and file name, typed by extension."""
    parts: list = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts.extend((name, (name, data, content_type)) for name, data, content_type in files)
    if incomplete:
        parts.append(("*isIncomplete*", (None, b"yes")))
    return parts


async def post(client: AsyncTestClient, world: World, xml: bytes, files, incomplete: bool = False, who="member_a1"):
    return await client.post(
        f"{base(world, who)}/submission",
        params={"deviceID": "collect:TESTDEVICE000001"},
        files=collect_parts(xml, files, incomplete),
    )


ANSWERS = {"voice": "1733400000000.m4a", "clip": "1733400000001.mp4", "paper": "giấy-xác-nhận.pdf"}


async def test_collect_files_split_over_two_posts_are_stored_and_the_visit_completes(
    client: AsyncTestClient, db: AsyncSession, world: World, media_published: None, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    xml = instance_xml(DEFINITION, ANSWERS, household=home, instance_id=f"uuid:{visit_id}")
    first = await post(client, world, xml, [(ANSWERS["voice"], M4A, "audio/mp4")], incomplete=True)
    assert first.status_code == 201, first.text
    assert "còn chờ 2 tệp" in first.text
    (status,) = await read(db, select(Visit.status).where(Visit.id == visit_id))
    assert status == ("awaiting_photos",)
    detail = await client.get(f"/api/v1/visits/{visit_id}", headers=world["supervisor_a"].headers)
    assert [m["question"] for m in detail.json()["missing_attachments"]] == ["clip", "paper"]

    files = [(ANSWERS["clip"], MP4, "video/mp4"), (ANSWERS["paper"], PDF, "application/pdf")]
    second = await post(client, world, xml, files)
    assert second.status_code == 201, second.text
    assert "còn chờ" not in second.text
    rows = await read(
        db,
        select(VisitAttachment.question, VisitAttachment.filename, VisitAttachment.content_type).where(
            VisitAttachment.visit_id == visit_id
        ),
    )
    assert sorted(rows) == [
        ("clip", ANSWERS["clip"], "video/mp4"),
        ("paper", ANSWERS["paper"], "application/pdf"),
        ("voice", ANSWERS["voice"], "audio/mp4"),
    ]
    replay = await post(client, world, xml, [(ANSWERS["voice"], M4A, "audio/mp4"), *files])
    assert replay.status_code == 201
    assert len(await read(db, select(VisitAttachment.id))) == 3
    assert await read(db, select(Visit.status).where(Visit.id == visit_id)) == [("complete",)]
    got = await client.get(f"/api/v1/visits/{visit_id}/attachments/paper", headers=world["supervisor_a"].headers)
    assert got.status_code == 200 and got.content == PDF
    assert got.headers["content-disposition"].startswith("attachment;")


async def test_a_collect_file_of_the_wrong_type_is_refused_and_nothing_is_stored(
    client: AsyncTestClient, db: AsyncSession, world: World, media_published: None, home: uuid.UUID
) -> None:
    visit_id = uuid.uuid4()
    xml = instance_xml(DEFINITION, {"voice": "a.m4a"}, household=home, instance_id=f"uuid:{visit_id}")
    refused = await post(client, world, xml, [("a.m4a", PDF, "audio/mp4")])
    assert refused.status_code == 415, refused.text
    assert await read(db, select(Visit.id)) == [] and await read(db, select(VisitAttachment.id)) == []
    # Sent without a type (as octet-stream), the file is typed by its name and its bytes checked.
    accepted = await post(client, world, xml, [("a.m4a", M4A, "application/octet-stream")])
    assert accepted.status_code == 201, accepted.text
    assert await read(db, select(VisitAttachment.content_type)) == [("audio/mp4",)]


async def test_a_scan_larger_than_a_photo_may_be_answers_a_file_question_when_the_file_limit_allows_it(
    client: AsyncTestClient, settings: Settings, db: AsyncSession, world: World, media_published: None, home: uuid.UUID
) -> None:
    """A deployment that takes 20 MB files: a 16 MB scan (an image, over the 15 MiB a photo may be) answering the
    `file` question is stored; the same bytes as a photo would be refused by the photo's own limit."""
    scan = b"\xff\xd8\xff\xe0" + bytes(16_000_000)
    visit_id = uuid.uuid4()
    xml = instance_xml(DEFINITION, {"paper": "scan.jpg"}, household=home, instance_id=f"uuid:{visit_id}")
    app = create_app(msgspec.structs.replace(settings, max_file_bytes=20_000_000))
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as big_files:
        accepted = await post(big_files, world, xml, [("scan.jpg", scan, "image/jpeg")])
    assert accepted.status_code == 201, accepted.text
    assert await read(db, select(VisitAttachment.size_bytes)) == [(len(scan),)]
    # Where files are held to the default 10 MB, the same scan is refused before it is read to its end.
    other_id = uuid.uuid4()
    xml = instance_xml(DEFINITION, {"paper": "scan.jpg"}, household=home, instance_id=f"uuid:{other_id}")
    refused = await post(client, world, xml, [("scan.jpg", scan, "image/jpeg")])
    assert refused.status_code == 413, refused.text
    assert await read(db, select(Visit.id).where(Visit.id == other_id)) == []


async def test_an_xlsform_with_audio_video_and_file_rows_publishes_and_collect_gets_upload_controls(
    client: AsyncTestClient, world: World, tmp_path: Path
) -> None:
    workbook = xlsx(
        {
            "survey": [
                ["type", "name", "label::Tiếng Việt (vi)", "required"],
                ["audio", "voice", "Ghi âm", "yes"],
                ["video", "clip", "Quay video", ""],
                ["file", "paper", "Tệp giấy tờ", ""],
            ],
            "settings": [["form_id", "version"], ["kobo_media", "3"]],
        }
    )
    published = await client.post(
        "/api/v1/forms/xlsform", files={"file": ("kobo_media.xlsx", workbook)}, headers=world["admin"].headers
    )
    assert published.status_code == 201, published.text
    definition = (await client.get("/api/v1/forms/kobo_media", headers=world["member_a1"].headers)).json()
    assert [(q["type"], q["name"], q.get("required", False)) for q in definition["questions"]] == [
        ("audio", "voice", True),
        ("video", "clip", False),
        ("file", "paper", False),
    ]
    xform = await client.get(f"{base(world)}/forms/kobo_media/v/3/form.xml")
    assert xform.status_code == 200, xform.text
    for name, mediatype in (("voice", "audio/*"), ("clip", "video/*"), ("paper", "application/*")):
        assert f'mediatype="{mediatype}"'.encode() in xform.content and f"/{name}".encode() in xform.content
    odk_validate(xform.content, tmp_path)


async def test_collect_fills_audio_video_and_file_with_javarosa_and_sends_them_typed_by_extension(
    settings: Settings,
    tmp_path: Path,
    db: AsyncSession,
    world: World,
    home: uuid.UUID,
    filler: Path,
    media_published: None,
) -> None:
    recording = b"\x00\x00\x00\x1cftyp3gp4\x00\x00\x00\x003gp4isom3gp4" + b"\x07" * 4_000  # an Android recorder's
    names = {"voice": "1733400000000.3gp", "clip": "1733400000001.mp4", "paper": "giấy xác nhận.pdf"}
    with live_server(settings, tmp_path) as server, httpx.Client(timeout=60) as http:
        collect = Collect(server.url + base(world), http)
        entry = next(e for e in collect.form_list() if e.form_id == MEDIA_FORM["id"])
        form = collect.download(entry, tmp_path)
        values = {"gocua_household": str(home), "start_geopoint": "19.93 105.45 10.0 5.0", **names}
        instance = fill(filler, form, tmp_path / f"{entry.form_id}-media", values, tmp_path / "instance.xml")
        sent = collect.send(instance, [(names["voice"], recording), (names["clip"], MP4), (names["paper"], PDF)])
    assert sent.statuses == [201] and "còn chờ" not in sent.messages[0]
    visit = (await db.execute(select(Visit))).scalar_one()
    assert visit.status == "complete" and {k: visit.answers[k] for k in names} == names
    rows = (await db.execute(select(VisitAttachment.question, VisitAttachment.content_type))).all()
    assert sorted(rows) == [("clip", "video/mp4"), ("paper", "application/pdf"), ("voice", "audio/3gpp")]
    await db.rollback()
