"""Bad input gets a clear OpenRosaResponse message (in Vietnamese) and loses nothing already stored."""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.models import DeviceToken
from service.openrosa.models import XFormVersion
from service.visits.models import Visit
from tests.openrosa.conftest import Published, base
from tests.openrosa.support import collect_files, instance_xml
from tests.support.world import World
from tests.visits.support import answers

BOMB = (
    b'<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]><data id="household-digital-skills" version="2">'
    b"<members>&lol3;</members><meta><instanceID>uuid:0b5e8a52-4d8f-4b5e-9a0e-3c1f2d4e5a6b</instanceID></meta></data>"
)


def message(response) -> str:
    assert "text/xml" in response.headers["content-type"]
    assert response.headers["x-openrosa-version"] == "1.0"
    root = ElementTree.fromstring(response.content)
    assert root.tag == "{http://openrosa.org/http/response}OpenRosaResponse"
    return root[0].text or ""


async def visits(db: AsyncSession) -> int:
    count = (await db.execute(select(func.count()).select_from(Visit))).scalar_one()
    await db.rollback()
    return count


@pytest.fixture
async def stored(client: AsyncTestClient, world: World, published: Published, home: uuid.UUID) -> bytes:
    """One visit already stored: whatever comes next must leave it be."""
    xml = instance_xml(published.definition, answers(), household=home)
    response = await client.post(f"{base(world)}/submission", files=collect_files(xml, []))
    assert response.status_code == 201
    return xml


async def test_broken_submissions_are_refused_with_a_message_and_nothing_is_lost(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID, stored: bytes
) -> None:
    url = f"{base(world)}/submission"
    good = instance_xml(published.definition, answers(), household=home)
    cases = {
        "truncated": (collect_files(good[: len(good) // 2], []), 400, "không đọc được"),
        "bomb": (collect_files(BOMB, []), 400, "không đọc được"),
        "no xml part": ([("photo.jpg", ("photo.jpg", b"x", "image/jpeg"))], 400, "xml_submission_file"),
        "wrong form": (
            collect_files(good.replace(b'id="household-digital-skills"', b'id="no-such-form"'), []),
            404,
            "no-such-form",
        ),
        "no instance id": (
            collect_files(good.replace(b"<instanceID>", b"<other>").replace(b"</instanceID>", b"</other>"), []),
            400,
            "instanceID",
        ),
        "1,000 parts": (
            collect_files(good, [(f"{i}.jpg", b"x") for i in range(1_000)]),
            400,
            "quá nhiều tệp",
        ),
        "a part over the limit": (collect_files(good, [("big.jpg", b"\xff" * 16_000_000)]), 413, "big.jpg"),
    }
    for name, (files, status, text) in cases.items():
        response = await client.post(url, files=files)
        assert response.status_code == status, (name, response.text)
        assert text in message(response), name
    assert await visits(db) == 1


async def test_a_body_over_the_route_ceiling_is_413_in_openrosa_xml(
    client: AsyncTestClient, world: World, published: Published
) -> None:
    response = await client.post(
        f"{base(world)}/submission",
        content=b"x" * 65_000_000,
        headers={"Content-Type": "multipart/form-data; boundary=zzz"},
    )
    assert response.status_code == 413
    assert "quá lớn" in message(response)


async def test_a_revoked_token_is_403_and_the_member_is_told_what_to_do(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, stored: bytes
) -> None:
    await db.execute(
        update(DeviceToken).where(DeviceToken.user_id == world["member_a1"].user.id).values(revoked_at=func.now())
    )
    await db.commit()
    client.app.state.token_lookup.forget_all()
    for method, path in (("GET", "formList"), ("POST", "submission")):
        response = await client.request(
            method, f"{base(world)}/{path}", files=collect_files(stored, []) if method == "POST" else None
        )
        assert response.status_code == 403
        assert "thu hồi" in message(response)


async def test_a_form_version_without_an_xform_takes_no_submissions(
    client: AsyncTestClient, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    """A closed form (its version has no XForm: pyxform could not express it) refuses, saying why."""
    await db.execute(update(XFormVersion).values(xform=None, md5=None, error="closed for the test"))
    await db.commit()
    listed = await client.get(f"{base(world)}/formList")
    assert b"<xform>" not in listed.content
    xml = instance_xml(published.definition, answers(), household=home)
    response = await client.post(f"{base(world)}/submission", files=collect_files(xml, []))
    assert response.status_code == 409
    assert "không nhận phiếu" in message(response)
    assert await visits(db) == 0


async def test_an_unknown_openrosa_path_answers_in_openrosa_xml(client: AsyncTestClient, world: World) -> None:
    response = await client.get(f"{base(world)}/no-such-thing")
    assert response.status_code == 404
    message(response)
    wrong_method = await client.put(f"{base(world)}/submission")
    assert wrong_method.status_code == 405
    message(wrong_method)
