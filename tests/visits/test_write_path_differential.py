"""The same randomized streams of visits, written one at a time and then in concurrent batches, store the same
visits and flags (and give households the same locations).

A stream mixes members, households with and without a location, visits sent out of order (finish times are
shuffled), low-accuracy and mocked fixes, fixes far away (travel-speed and far-from-household flags), fixes
only in the form's geopoint answer, exact retries and new households. One at a time goes through the single-visit path
(`services.submit`), in order; the concurrent run sends chunks of the stream with `asyncio.gather` through the
route's own choice (`services.receive`: batcher first), one chunk after the other. A new household's visit sits
alone in its chunk: with other visits in flight its commit order against the batch is up to the scheduler, so
one-at-a-time would not be the reference. The streams are seeded, so a failure names the seed that reproduces it.
"""

from __future__ import annotations

import asyncio
import copy
import json
import random
import uuid
from datetime import timedelta
from typing import Any

from sqlalchemy import delete, select, update

from service.assessments.models import Assessment
from service.http.deps import request_transaction
from service.visits import services
from service.visits.households import HOUSEHOLDS
from service.visits.models import FLAGS, PHOTOS, VISITS
from tests.support.world import add_household
from tests.visits.direct import Service, actor_of, running_service
from tests.visits.support import FINISHED, HOME, offset_point, visit

STREAMS = int(__import__("os").environ.get("GOCUA_TEST_STREAMS", "150"))
MEMBERS = ("member_a1", "leader_a1", "member_a2")


def _place(rng: random.Random) -> tuple[float, float]:
    kind = rng.random()
    if kind < 0.55:
        return offset_point(HOME, north_m=rng.uniform(-150, 150), east_m=rng.uniform(-150, 150))
    if kind < 0.8:
        return offset_point(HOME, north_m=rng.uniform(200, 2_000))  # near or over the 300 m limit
    return offset_point(HOME, north_m=rng.uniform(10_000, 60_000))  # impossible travel in minutes


def stream(rng: random.Random, form: tuple[str, str], households: dict[str, list[uuid.UUID]]) -> list[list[dict]]:
    """Chunks of (member, body) visits."""
    size = rng.randint(3, 10)
    minutes = rng.sample(range(0, 90, 2), size)  # distinct finish times, in shuffled order
    items: list[dict] = []
    for n in range(size):
        if items and rng.random() < 0.15:  # a retry of something already sent
            items.append(copy.deepcopy(rng.choice(items)))
            continue
        member = rng.choices(MEMBERS, weights=(6, 2, 2))[0]  # mostly one member: predecessors interact
        lat, lon = _place(rng)
        finished = FINISHED + timedelta(minutes=minutes[n])
        accuracy = rng.choice([5.0, 8.0, 8.0, 30.0, 150.0])
        options: dict[str, Any] = {
            "lat": lat,
            "lon": lon,
            "accuracy_m": accuracy,
            "finished_at": finished,
            "is_mock": rng.random() < 0.08,
        }
        if rng.random() < 0.1:
            options["with_location"] = False  # only the form's geopoint answer
        if rng.random() < 0.1:
            body = visit(form, None, **options, new_household={"id": str(uuid.uuid4()), "head_name": f"Hộ {n}"})
        else:
            body = visit(form, rng.choice(households[member]), **options)
        items.append({"member": member, "body": body})
    chunks: list[list[dict]] = []
    current: list[dict] = []
    for item in items:
        alone = "new_household" in item["body"]
        if current and (alone or rng.random() < 0.2):
            chunks.append(current)
            current = []
        current.append(item)
        if alone:
            chunks.append(current)
            current = []
    if current:
        chunks.append(current)
    return chunks


async def _one_at_a_time(service: Service, world, chunks: list[list[dict]]) -> list[tuple]:
    answers: list[tuple] = []
    for item in (item for chunk in chunks for item in chunk):
        async with request_transaction(service.sessions) as session:
            submission, digest = services.decode_submission(json.dumps(item["body"]).encode())
            receipt, created = await services.submit(
                session, actor_of(world, item["member"]), service.intake, submission, digest
            )
        answers.append(_answer(receipt, created))
    return answers


async def _concurrently(service: Service, world, chunks: list[list[dict]]) -> list[tuple]:
    answers: list[tuple] = []
    for chunk in chunks:
        results = await asyncio.gather(
            *(service.submit(actor_of(world, item["member"]), item["body"]) for item in chunk)
        )
        answers.extend(_answer(receipt, created) for receipt, created in results)
    return answers


def _answer(receipt, created: bool):
    return (str(receipt.id), created, receipt.status, sorted((f.code, f.value, f.detail) for f in receipt.flags))


_VISIT_COLUMNS = [c for c in VISITS.c if c.name != "received_at"]


async def _stored(service: Service) -> dict[str, Any]:
    async with service.engine.connect() as connection:
        visits = sorted(tuple(row) for row in await connection.execute(select(*_VISIT_COLUMNS)))
        flags = sorted(
            tuple(row)
            for row in await connection.execute(
                select(FLAGS.c.visit_id, FLAGS.c.code, FLAGS.c.value, FLAGS.c.unit, FLAGS.c.detail)
            )
        )
        homes = sorted(
            tuple(row) for row in await connection.execute(select(HOUSEHOLDS.c.id, HOUSEHOLDS.c.lat, HOUSEHOLDS.c.lon))
        )
    return {"visits": visits, "flags": flags, "households": homes}


async def _reset(service: Service, keep: set[uuid.UUID], unlocated: list[uuid.UUID]) -> None:
    async with service.engine.begin() as connection:
        await connection.execute(delete(Assessment.__table__))  # the households' assessments follow their visits
        for table in (FLAGS, PHOTOS, VISITS):
            await connection.execute(delete(table))
        await connection.execute(delete(HOUSEHOLDS).where(HOUSEHOLDS.c.id.not_in(keep)))
        await connection.execute(update(HOUSEHOLDS).where(HOUSEHOLDS.c.id.in_(unlocated)).values(lat=None, lon=None))


async def test_one_at_a_time_and_in_concurrent_batches_store_the_same(settings, world, form, homes, db):
    far = offset_point(HOME, north_m=9_000)
    unlocated_a2 = await add_household(db, world.areas["village_a2"], head_name="Vũ Năm")
    located_a2 = await add_household(db, world.areas["village_a2"], head_name="Hồ Sáu", lat=far[0], lon=far[1])
    a1 = [homes.located.id, homes.unlocated.id]
    households = {"member_a1": a1, "leader_a1": a1, "member_a2": [unlocated_a2.id, located_a2.id]}
    keep = {
        homes.located.id,
        homes.unlocated.id,
        homes.other_village.id,
        homes.other_commune.id,
        unlocated_a2.id,
        located_a2.id,
    }
    unlocated = [homes.unlocated.id, unlocated_a2.id, homes.other_commune.id]
    batched = 0
    async with running_service(settings) as service:
        await service.load_form(form)
        for seed in range(STREAMS):
            chunks = stream(random.Random(seed), form, households)
            alone = await _one_at_a_time(service, world, chunks)
            expected = await _stored(service)
            await _reset(service, keep, unlocated)
            together = await _concurrently(service, world, chunks)
            assert together == alone, f"seed {seed}: receipts differ"
            assert await _stored(service) == expected, f"seed {seed}: stored rows differ"
            await _reset(service, keep, unlocated)
        batched = service.batcher.stats.largest
    assert batched > 1  # the concurrent runs did write several visits in one batch
