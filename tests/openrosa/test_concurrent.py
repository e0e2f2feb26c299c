"""20 identical OpenRosa POSTs in flight together over a real socket: one visit, and every one answered 201 (ODK
Central answered some of them 409; Collect would show that as a failed send)."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.openrosa.models import OpenRosaSubmission
from service.visits.models import Visit, VisitPhoto
from tests.openrosa.conftest import Published, base
from tests.openrosa.support import collect_files, instance_xml
from tests.support.live_server import LiveServer, live_server
from tests.support.world import World
from tests.visits.live import socket_client
from tests.visits.support import answers, jpeg

COPIES = 20


@pytest.fixture
def live(settings, tmp_path, world, published, home) -> Iterator[LiveServer]:  # type: ignore[no-untyped-def]
    with live_server(settings, tmp_path) as server:
        yield server


async def count(db: AsyncSession, table) -> int:  # type: ignore[no-untyped-def]
    value = (await db.execute(select(func.count()).select_from(table))).scalar_one()
    await db.rollback()
    return value


async def test_twenty_identical_posts_at_once_store_one_visit_and_all_get_201(
    live: LiveServer, db: AsyncSession, world: World, published: Published, home: uuid.UUID
) -> None:
    xml = instance_xml(
        published.definition, answers(), household=home, photos={"evidence_photos": ["1733400000000.jpg"]}
    )
    files = collect_files(xml, [("1733400000000.jpg", jpeg(3))])
    async with socket_client(live.url) as (client, in_flight):
        responses = await asyncio.gather(
            *(client.post(f"{base(world)}/submission", files=files) for _ in range(COPIES))
        )
    assert in_flight.most > 1
    assert [r.status_code for r in responses] == [201] * COPIES, [r.text for r in responses if r.status_code != 201]
    assert await count(db, Visit) == 1
    assert await count(db, OpenRosaSubmission) == 1
    assert await count(db, VisitPhoto) == 1
