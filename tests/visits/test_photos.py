"""Photos: multipart submissions and PUT later, one object per photo, on the local store and real S3."""

from __future__ import annotations

import dataclasses
import io
import socket
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from litestar import Litestar
from litestar.testing import AsyncTestClient
from PIL import Image
from sqlalchemy import select

from service.app import create_app
from service.visits.models import VisitPhoto
from storage import LocalStore, ObjectStore, S3Store, StoreAuthError, StoreUnavailable
from tests.visits.conftest import count_rows, fetch, object_keys, s3_settings
from tests.visits.support import PHOTO_QUESTION, jpeg, multipart, visit


def put_url(visit_id: str, index: int | None = None) -> str:
    suffix = "" if index is None else f"/{index}"
    return f"/api/v1/visits/{visit_id}/photos/{PHOTO_QUESTION}{suffix}"


JPEG = {"content-type": "image/jpeg"}


async def test_visit_with_its_photos_is_complete_and_each_photo_is_three_objects(photo_client, world, form, homes, db):
    body = visit(form, homes.located.id)
    photos = [(PHOTO_QUESTION, jpeg(1)), (f"{PHOTO_QUESTION}[2]", jpeg(2))]
    response = await photo_client.post("/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, photos))
    assert response.status_code == 201, response.text
    receipt = response.json()
    assert receipt["status"] == "complete"
    assert receipt["missing_photos"] == []
    assert [(p["question"], p["index"]) for p in receipt["photos"]] == [(PHOTO_QUESTION, 0), (PHOTO_QUESTION, 2)]
    keys = await object_keys(photo_client)
    assert len(keys) == 6
    assert {key.split("/")[1] for key in keys} == {"original", "large", "thumb"}
    rows = await fetch(db, select(VisitPhoto).order_by(VisitPhoto.idx))
    assert [(r.question, r.idx, r.width, r.height, r.content_type) for r in rows] == [
        (PHOTO_QUESTION, 0, 96, 64, "image/jpeg"),
        (PHOTO_QUESTION, 2, 96, 64, "image/jpeg"),
    ]
    assert {r.original_key for r in rows} <= set(keys)


async def test_photos_sent_again_with_the_visit_make_no_new_objects(photo_client, world, form, homes, db):
    body = visit(form, homes.located.id)
    parts = multipart(body, [(PHOTO_QUESTION, jpeg(3))])
    phone = world["member_a1"].headers
    first = await photo_client.post("/api/v1/visits", headers=phone, **parts)
    keys = await object_keys(photo_client)
    again = await photo_client.post("/api/v1/visits", headers=phone, **parts)
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.content == first.content
    assert await object_keys(photo_client) == keys and len(keys) == 3
    assert (await count_rows(db))["photos"] == 1


async def test_photos_put_later_complete_the_visit(photo_client, world, form, homes, db):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    created = await photo_client.post("/api/v1/visits", json=body, headers=phone)
    assert created.json()["status"] == "awaiting_photos"

    attached = await photo_client.put(put_url(body["id"]), content=jpeg(4), headers={**phone, **JPEG})
    assert attached.status_code == 201, attached.text
    assert attached.json()["status"] == "complete"
    assert attached.json()["missing_photos"] == []
    keys = await object_keys(photo_client)

    same = await photo_client.put(put_url(body["id"], 0), content=jpeg(4), headers={**phone, **JPEG})
    assert same.status_code == 200
    assert same.content == attached.content
    other = await photo_client.put(put_url(body["id"], 0), content=jpeg(5), headers={**phone, **JPEG})
    assert (other.status_code, other.json()["code"]) == (409, "photo.slot_taken")
    assert await object_keys(photo_client) == keys

    # The visit sent again (a retry from the phone's queue) now shows the photo that arrived since.
    retry = await photo_client.post("/api/v1/visits", json=body, headers=phone)
    assert retry.status_code == 200
    assert retry.content == attached.content
    assert (await count_rows(db))["photos"] == 1


async def test_only_the_submitter_adds_photos(client, world, form, homes):
    body = visit(form, homes.located.id)
    assert (await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)).status_code == 201
    for person, status in (("leader_a1", 404), ("member_b1", 404), ("supervisor_a", 403), ("supervisor_b", 404)):
        response = await client.put(put_url(body["id"]), content=jpeg(7), headers={**world[person].headers, **JPEG})
        assert response.status_code == status, person


async def test_photo_slots_follow_the_form(client, world, form, homes):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    await client.post("/api/v1/visits", json=body, headers=phone)
    beyond = await client.put(put_url(body["id"], 3), content=jpeg(8), headers={**phone, **JPEG})
    assert beyond.status_code == 422
    assert beyond.json()["errors"][0]["code"] == "photo.too_many"
    unknown = await client.put(
        f"/api/v1/visits/{body['id']}/photos/members", content=jpeg(8), headers={**phone, **JPEG}
    )
    assert unknown.json()["errors"][0]["code"] == "photo.unknown_question"


def derivative_has_no_metadata(data: bytes) -> bool:
    with Image.open(io.BytesIO(data)) as image:
        return image.format == "JPEG" and not image.getexif() and "exif" not in image.info


async def test_supervisors_see_thumbnails_and_large_views_only_admins_the_original(photo_client, world, form, homes):
    from datetime import UTC, datetime

    body = visit(form, homes.located.id)
    original = jpeg(9, size=(1600, 1200), taken_at=datetime(2026, 11, 20, 9, 55), gps=(19.93, 105.45))
    await photo_client.post(
        "/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, [(PHOTO_QUESTION, original)])
    )
    base = f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}/0"
    supervisor = world["supervisor_a"].headers
    thumb = await photo_client.get(f"{base}/thumb", headers=supervisor)
    large = await photo_client.get(f"{base}/large", headers=supervisor)
    assert (thumb.status_code, large.status_code) == (200, 200)
    assert thumb.headers["content-type"] == "image/jpeg"
    assert max(Image.open(io.BytesIO(thumb.content)).size) == 320
    assert 960 <= max(Image.open(io.BytesIO(large.content)).size) <= 1280
    assert derivative_has_no_metadata(thumb.content) and derivative_has_no_metadata(large.content)
    assert (await photo_client.get(f"{base}/original", headers=supervisor)).status_code == 403
    assert (await photo_client.get(f"{base}/original", headers=world["member_a1"].headers)).status_code == 403
    assert (await photo_client.get(f"{base}/thumb", headers=world["supervisor_b"].headers)).status_code == 404
    admin = await photo_client.get(f"{base}/original", headers=world["admin"].headers)
    assert admin.status_code == 200 and admin.content == original
    detail = (await photo_client.get(f"/api/v1/visits/{body['id']}", headers=supervisor)).json()
    assert detail["photos"][0]["thumb_url"] == f"{base}/thumb"
    assert detail["photos"][0]["original_url"] is None
    assert detail["photos"][0]["taken_at"] == datetime(2026, 11, 20, 2, 55, tzinfo=UTC).isoformat().replace(
        "+00:00", "Z"
    )


# ---- the object store failing ------------------------------------------------------------------------------------


class UnreachableStore(LocalStore):
    """The local store with its disk gone: every call fails the way an unreachable S3 does."""

    async def stat(self, key: str) -> None:
        raise StoreUnavailable("store unreachable")

    put = exists = get = stat  # type: ignore[assignment]


def unreachable(tmp_path: Path) -> UnreachableStore:
    return UnreachableStore(data_dir=tmp_path / "gone", bucket="gone")


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


async def test_store_down_answers_503_records_nothing_and_a_retry_succeeds(
    photo_client,
    world,
    form,
    homes,
    db,
    tmp_path,
):
    real = photo_client.app.state.store
    down = make_s3_store_at(real, f"127.0.0.1:{closed_port()}") if isinstance(real, S3Store) else unreachable(tmp_path)
    body = visit(form, homes.located.id)
    parts = multipart(body, [(PHOTO_QUESTION, jpeg(10))])
    phone = world["member_a1"].headers
    with store_swapped(photo_client.app, down):
        failed = await photo_client.post("/api/v1/visits", headers=phone, **parts)
    assert failed.status_code == 503, failed.text
    assert failed.json()["code"] == "storage.unavailable"
    assert int(failed.headers["retry-after"]) > 0
    assert await count_rows(db) == {"visits": 0, "photos": 0, "flags": 0}

    retried = await photo_client.post("/api/v1/visits", headers=phone, **parts)
    assert retried.status_code == 201
    assert retried.json()["status"] == "complete"
    assert len(await object_keys(photo_client)) == 3


@contextmanager
def store_swapped(app: Litestar, store: ObjectStore) -> Iterator[None]:
    """The app's object store replaced for a while: for the routes' own dependency and for the visit intake."""
    real, intake = app.state.store, app.state.intake
    app.state.store, app.state.intake = store, dataclasses.replace(intake, store=store)
    try:
        yield
    finally:
        app.state.store, app.state.intake = real, intake


def make_s3_store_at(real: S3Store, endpoint: str) -> S3Store:
    return S3Store(endpoint=endpoint, access_key="gocua", secret_key="gocua-secret", bucket="unreachable", secure=False)


async def test_put_photo_while_the_store_is_down(client, world, form, homes, db, tmp_path):
    body = visit(form, homes.located.id)
    phone = world["member_a1"].headers
    await client.post("/api/v1/visits", json=body, headers=phone)
    with store_swapped(client.app, unreachable(tmp_path)):
        failed = await client.put(put_url(body["id"]), content=jpeg(11), headers={**phone, **JPEG})
    assert failed.status_code == 503 and "retry-after" in failed.headers
    assert (await count_rows(db))["photos"] == 0
    assert (await client.put(put_url(body["id"]), content=jpeg(11), headers={**phone, **JPEG})).status_code == 201


async def start_error(app: Litestar) -> BaseException:
    """What the app's start-up raised (the test client wraps it in a task group)."""
    with pytest.raises(BaseException) as info:
        async with AsyncTestClient(app=app):
            pass  # pragma: no cover - start-up fails before this runs
    error = info.value
    while isinstance(error, BaseExceptionGroup) and len(error.exceptions) == 1:
        error = error.exceptions[0]
    return error


async def test_wrong_s3_credentials_stop_the_service_at_start(settings, s3_server, s3_bucket_name):
    for wrong in ({"s3_secret_key": "not-the-secret"}, {"s3_access_key": "nobody"}):
        app = create_app(s3_settings(settings, s3_server, s3_bucket_name, **wrong))
        assert isinstance(await start_error(app), StoreAuthError), wrong


async def test_unreachable_s3_stops_the_service_at_start(settings, s3_server, s3_bucket_name):
    app = create_app(s3_settings(settings, s3_server, s3_bucket_name, s3_endpoint=f"127.0.0.1:{closed_port()}"))
    assert isinstance(await start_error(app), StoreUnavailable)


async def test_a_twelve_megapixel_photo_from_an_old_app_is_accepted_and_scaled(client, world, form, homes, db):
    # The form asks phones to downscale to 1.6 MP; a phone that did not still has real evidence, so the server
    # takes it (its own limit only refuses decompression bombs) and makes the usual derivatives.
    original = jpeg(12, size=(4000, 3000))
    body = visit(form, homes.located.id)
    response = await client.post(
        "/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, [(PHOTO_QUESTION, original)])
    )
    assert response.status_code == 201, response.text
    row = (await fetch(db, select(VisitPhoto)))[0]
    assert (row.width, row.height, row.size_bytes) == (4000, 3000, len(original))
    large = await client.get(
        f"/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}/0/large", headers=world["supervisor_a"].headers
    )
    width, height = Image.open(io.BytesIO(large.content)).size
    assert 960 <= width <= 1280 and width * 3 == height * 4  # libjpeg's DCT scaling picks the exact size
