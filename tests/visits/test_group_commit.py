"""Visits that arrive together are written together, with the same answers and checks as one by one.

Over a real socket (granian in a subprocess, httpx): the requests are in flight together, and the receipts show
that they were written in one batch (the visits of one batch share one `received_at`). The checks between
visits of one batch (travel speed, a household's first fix) are in test_write_path.py, in-process, where the
order in which visits reach the batcher is known.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from datetime import timedelta

import msgspec
import pytest
from sqlalchemy import func, select

from service.visits.models import Visit
from tests.support.live_server import live_server
from tests.visits.live import socket_client
from tests.visits.support import FINISHED, visit


@pytest.fixture
def live(settings, tmp_path, world, form, homes):
    # A batch waits up to 50 ms for company (3 ms by default): on a busy 2-core machine requests sent together
    # may reach the batcher a few milliseconds apart, and these tests are about what happens when they meet.
    with live_server(msgspec.structs.replace(settings, visit_batch_linger_ms=50.0), tmp_path) as server:
        yield server


async def test_a_burst_is_stored_whole_in_shared_batches_and_a_bad_visit_fails_alone(live, world, form, homes, db):
    phone = world["member_a1"].headers
    bodies = [visit(form, homes.located.id, finished_at=FINISHED + timedelta(minutes=30 * n)) for n in range(24)]
    outsider = visit(form, homes.other_commune.id, finished_at=FINISHED + timedelta(days=2))
    async with socket_client(live.url) as (client, in_flight):
        warm_up = visit(form, homes.located.id, finished_at=FINISHED - timedelta(days=1))
        await client.post("/api/v1/visits", json=warm_up, headers=phone)  # the server compiles the form once
        answers = await asyncio.gather(
            *(client.post("/api/v1/visits", json=b, headers=phone) for b in [*bodies[:12], outsider, *bodies[12:]])
        )
    assert in_flight.most > 1
    statuses = [a.status_code for a in answers]
    assert statuses == [201] * 12 + [404] + [201] * 12
    good = answers[:12] + answers[13:]
    assert [a.json()["id"] for a in good] == [b["id"] for b in bodies]
    batch_sizes = Counter(a.json()["received_at"] for a in good)
    assert max(batch_sizes.values()) > 1, batch_sizes  # several visits committed in one batch
    stored = (await db.execute(select(func.count()).select_from(Visit))).scalar_one()
    await db.commit()
    assert stored == 25
