"""Photos decoded in worker processes (the default on a multi-core server) behave exactly as in threads."""

from __future__ import annotations

import os
from collections.abc import AsyncIterator

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import select

from service.app import create_app
from service.settings import Settings
from service.visits.models import VisitPhoto
from storage import PhotoPool, PhotoRejected
from storage.photos import process_photo
from tests.visits.conftest import fetch, object_keys
from tests.visits.support import PHOTO_QUESTION, jpeg, multipart, visit


@pytest.fixture
async def pooled_client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    app = create_app(msgspec.structs.replace(settings, photo_workers=2))
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
        yield client
        await app.state.engine.dispose()


async def test_visit_with_photos_through_worker_processes(pooled_client, world, form, homes, db):
    assert pooled_client.app.state.photo_pool is not None
    body = visit(form, homes.located.id)
    photos = [(PHOTO_QUESTION, jpeg(11)), (f"{PHOTO_QUESTION}[1]", b"\xff\xd8\xff\xe0 not a real jpeg")]
    refused = await pooled_client.post("/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, photos))
    # A photo refused in a worker arrives as its own code, and nothing is stored.
    assert refused.status_code == 422, refused.text
    assert refused.json()["code"] == "photo.corrupt"
    assert await object_keys(pooled_client) == []

    photos[1] = (f"{PHOTO_QUESTION}[1]", jpeg(12))
    response = await pooled_client.post("/api/v1/visits", headers=world["member_a1"].headers, **multipart(body, photos))
    assert response.status_code == 201, response.text
    rows = await fetch(db, select(VisitPhoto).order_by(VisitPhoto.idx))
    assert [(r.idx, r.width, r.height, r.size_bytes) for r in rows] == [
        (0, 96, 64, len(jpeg(11))),
        (1, 96, 64, len(jpeg(12))),
    ]
    assert len(await object_keys(pooled_client)) == 6


async def test_pool_gives_what_process_photo_gives():
    data = jpeg(13, gps=(19.8, 105.7))
    pool = PhotoPool(1)
    try:
        assert await pool.process(data) == process_photo(data)
        with pytest.raises(PhotoRejected) as refused:
            await pool.process(b"")
        assert refused.value.code == "photo.empty"
    finally:
        pool.close()


def _crash(data: bytes, options: dict) -> None:
    os._exit(3)  # a decoder crash takes the whole worker process down


async def test_a_crashed_worker_is_replaced(monkeypatch):
    from storage import photo_pool

    pool = PhotoPool(1)
    try:
        monkeypatch.setattr(photo_pool, "_process_in_worker", _crash)
        with pytest.raises(PhotoRejected) as refused:
            await pool.process(jpeg(14))
        assert refused.value.code == "photo.corrupt"
        monkeypatch.undo()
        assert (await pool.process(jpeg(14))).width == 96  # the next photo gets a fresh worker
    finally:
        pool.close()
