"""Group commit for JSON visits: the visits in flight at one moment are written in one transaction.

A JSON visit to a known household needs its household, the member's previous visit, an insert and maybe
flags: four round trips, each costing more Python CPU than PostgreSQL spends on it. Here the visits waiting
together share them — one query for all their households, then `VisitWriter.write` (the same write path as a
single visit: one query for the members' previous fixes, one multi-row INSERT … ON CONFLICT DO NOTHING, one for
the flags) — and one COMMIT before any phone hears back, so an acknowledged visit is as durable as alone.

Anything unusual is handed back (`FALLBACK`) to the single-visit path, which knows every rule and error:
an unknown or out-of-scope household, one merged while the phone was offline, an id already stored or sent
twice in the same batch.
"""

from __future__ import annotations

import dataclasses
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import bindparam
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.db.batching import Coalescer
from service.visits.households import DESTINATIONS, HOUSEHOLDS, Destination
from service.visits.schemas import VisitReceipt
from service.visits.write_path import CheckedVisit, VisitWriter

FALLBACK = object()

_HOUSEHOLDS = DESTINATIONS.where(HOUSEHOLDS.c.id.in_(bindparam("ids", expanding=True)))


@dataclass(slots=True)
class BatchStats:
    """What the batcher has done since it started: cheap, and how tests see that visits were written together."""

    batches: int = 0
    visits: int = 0
    largest: int = 0

    def record(self, written: int) -> None:
        self.batches += 1
        self.visits += written
        self.largest = max(self.largest, written)


class VisitBatcher:
    def __init__(self, engine: AsyncEngine, writer: VisitWriter) -> None:
        self._engine = engine
        self.writer = writer
        self.database_key = str(engine.url)  # the forms registry's cache key for this database
        self.stats = BatchStats()
        settings = writer.settings
        self._coalescer: Coalescer[CheckedVisit, Any] = Coalescer(
            self._write_batch, max_batch=settings.visit_batch_max, linger_s=settings.visit_batch_linger_ms / 1000
        )

    async def submit(self, item: CheckedVisit) -> VisitReceipt | object:
        """The receipt once committed, or FALLBACK for the single-visit path."""
        return await self._coalescer.submit(item)

    async def _write_batch(self, items: list[CheckedVisit]) -> list[Any]:
        results: list[Any] = [FALLBACK] * len(items)
        async with self._engine.connect() as connection, connection.begin():
            placed = await self._place(connection, items)
            written = await self.writer.write(connection, list(placed.values()))
        count = 0
        for index, visit in zip(placed, written, strict=True):
            if visit is not None:
                results[index] = visit.receipt()
                count += 1
        self.stats.record(count)
        return results

    async def _place(self, connection: AsyncConnection, items: list[CheckedVisit]) -> dict[int, CheckedVisit]:
        """Index in the batch → the visit with its household, for the visits this path can take."""
        ids = list({item.submission.household_id for item in items})
        households = {row.id: row for row in await connection.execute(_HOUSEHOLDS, {"ids": ids})}
        placed: dict[int, CheckedVisit] = {}
        seen_visits: set[uuid.UUID] = set()
        for index, item in enumerate(items):
            row = households.get(item.submission.household_id)
            if row is None or row.merged_into_id is not None or not item.actor.sees_path(row.path):
                continue
            if item.submission.id in seen_visits:  # the same visit twice in one batch: the retry waits its turn
                continue
            seen_visits.add(item.submission.id)
            placed[index] = dataclasses.replace(
                item, destination=Destination(row.id, row.lat, row.lon, row.area_id, row.path)
            )
        return placed
