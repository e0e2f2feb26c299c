"""Group commit for JSON visits: the visits in flight at one moment are written in one transaction.

A JSON visit to a known household needs its household, the member's previous visit, an insert and maybe
flags: four round trips, each costing more Python CPU than PostgreSQL spends on it. Here the visits waiting
together share them — one query for all their households, one for the members' previous visits, one
multi-row INSERT … ON CONFLICT DO NOTHING, one for the flags — and one COMMIT before any phone hears back,
so an acknowledged visit is as durable as on the single-visit path.

Anything unusual is handed back (`FALLBACK`) to that single-visit path, which knows every rule and error:
an unknown or out-of-scope household, one merged while the phone was offline, an id already stored or sent
twice in the same batch.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.assessments.services import apply_visits
from service.auth.actor import Actor
from service.people.models import User
from service.db.batching import Coalescer
from service.db.engine import as_utc, json_text, utcnow
from service.db.pg_raw import RecordRow, asyncpg_sql, driver_of
from service.settings import Settings
from service.visits import flags as checks
from service.visits.evidence import previous_visit_on
from service.visits.households import DESTINATIONS, HOUSEHOLDS
from service.visits.receipts import (
    FLAGS, VISITS, flag_out, flag_rows, is_first_fix, locate_household_by_first_fix, missing_photos, receipt,
    status_of, utc, visit_row,
)
from service.visits.schemas import VisitReceipt

FALLBACK = object()
USERS = User.__table__

_HOUSEHOLDS = DESTINATIONS.where(HOUSEHOLDS.c.id.in_(bindparam("ids", expanding=True)))
_EARLIER = VISITS.alias("earlier")
# Per member, the visit with a GPS fix that finished last before the cut. The correlated ORDER BY … LIMIT 1
# walks the (submitted_by, finished_at) index backwards from the cut, so it stays cheap however many
# visits a member has made (an anti-join over them was 20× slower with a million visits stored).


def _latest_fixes(members: ColumnElement[bool]) -> Select:
    return select(VISITS.c.id, VISITS.c.submitted_by, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at).where(
        VISITS.c.id.in_(
            select(
                select(_EARLIER.c.id)
                .where(_EARLIER.c.submitted_by == USERS.c.id, _EARLIER.c.finished_at < bindparam("cut"),
                       _EARLIER.c.lat.is_not(None))
                .order_by(_EARLIER.c.finished_at.desc())
                .limit(literal_column("1", Integer))  # a constant, not a bound parameter
                .scalar_subquery()
            ).where(members)
        )
    )


_LATEST_FIXES = _latest_fixes(USERS.c.id.in_(bindparam("members", expanding=True)))
_PG_LATEST_FIXES = asyncpg_sql(_latest_fixes(USERS.c.id == any_(bindparam("members", type_=ARRAY(Integer)))),
                               ["cut", "members"])
_INSERT = {
    "postgresql": postgresql.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
    "sqlite": sqlite.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
}
_INSERT_FLAGS = FLAGS.insert()


def _unnest_insert(table: Any, columns: list[str], suffix: str = "") -> str:
    """PostgreSQL: one INSERT of many rows bound as one array per column (asyncpg encodes arrays in C, where
    SQLAlchemy's multi-row VALUES processes every value of every row in Python)."""
    dialect = postgresql.dialect()
    # Unbounded element types: an explicit cast to VARCHAR(n) would truncate silently, where the INSERT's own
    # assignment refuses a value that is too long.
    types = [re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect)) for name in columns]
    arrays = ", ".join(f"${n}::{type_}[]" for n, type_ in enumerate(types, start=1))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){suffix}"


_VISIT_COLUMNS = [column.name for column in VISITS.columns]
_PG_INSERT_VISITS = _unnest_insert(VISITS, _VISIT_COLUMNS, " ON CONFLICT (id) DO NOTHING RETURNING id")
_FLAG_COLUMNS = ["visit_id", "code", "value", "unit", "detail"]
_PG_INSERT_FLAGS = _unnest_insert(FLAGS, _FLAG_COLUMNS)


def _columns(rows: list[dict[str, Any]], names: list[str]) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in names]


async def _insert(connection: AsyncConnection, visits: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Inserts the visit rows; returns the ids that were new (the others were already stored)."""
    if connection.dialect.name != "postgresql":
        return {row.id for row in await connection.execute(_INSERT[connection.dialect.name], visits)}
    driver = await _driver(connection)
    for row in visits:
        row["answers"] = json_text(row["answers"])  # as the engine writes JSONB
    return {record[0] for record in await driver.fetch(_PG_INSERT_VISITS, *_columns(visits, _VISIT_COLUMNS))}


async def _insert_flags(connection: AsyncConnection, flags: list[dict[str, Any]]) -> None:
    if connection.dialect.name != "postgresql":
        await connection.execute(_INSERT_FLAGS, flags)
        return
    await (await _driver(connection)).execute(_PG_INSERT_FLAGS, *_columns(flags, _FLAG_COLUMNS))


async def _driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under the batch's transaction (begun by the batch's first, SQLAlchemy, query)."""
    driver = await driver_of(connection)
    if not driver.is_in_transaction():
        raise RuntimeError("the batch's transaction has not begun: raw statements would autocommit")
    return driver


@dataclass(slots=True)
class PendingVisit:
    """A validated JSON visit to a known household, waiting for its batch."""

    actor: Actor
    submission: Any  # VisitSubmission
    digest: str
    rules: dict[str, Any]
    skill_level: int | None
    fix: checks.Fix | None
    accuracy_threshold_m: float | None


@dataclass(slots=True)
class _Placed:
    item: PendingVisit
    household_id: uuid.UUID
    location: tuple[float, float] | None
    area_id: int
    area_path: str
    previous: checks.PreviousVisit | None = None
    flags: list[checks.Flag] | None = None


class VisitBatcher:
    def __init__(self, engine: AsyncEngine, settings: Settings) -> None:
        self._engine = engine
        self._settings = settings
        self.database_key = str(engine.url)  # the forms registry's cache key for this database
        self._coalescer: Coalescer[PendingVisit, Any] = Coalescer(self._write_batch, max_batch=200, linger_s=0.003)

    async def submit(self, item: PendingVisit) -> VisitReceipt | object:
        """The receipt once committed, or FALLBACK for the single-visit path."""
        return await self._coalescer.submit(item)

    async def _write_batch(self, items: list[PendingVisit]) -> list[Any]:
        async with self._engine.connect() as connection:
            async with connection.begin():
                return await self._write(connection, items)

    async def _write(self, connection: AsyncConnection, items: list[PendingVisit]) -> list[Any]:
        results: list[Any] = [FALLBACK] * len(items)
        placed = await self._place(connection, items)
        await self._previous_fixes(connection, placed)
        settings = self._settings
        for entry in placed.values():
            item = entry.item
            entry.flags = checks.gps_flags(
                item.fix, accuracy_threshold_m=item.accuracy_threshold_m, household_location=entry.location,
                far_from_household_m=settings.far_from_household_m, previous=entry.previous,
                finished_at=item.submission.finished_at, impossible_travel_kmh=settings.impossible_travel_kmh,
            )
        if not placed:
            return results
        now = utcnow()
        rows = [self._row(entry, now) for entry in placed.values()]
        inserted = await _insert(connection, rows)
        new_flags = [row for entry in placed.values() if entry.item.submission.id in inserted
                     for row in flag_rows(entry.item.submission.id, entry.flags or ())]
        if new_flags:
            await _insert_flags(connection, new_flags)
        await apply_visits(connection, [row for row in rows if row["id"] in inserted])
        await self._first_fixes(connection, [e for e in placed.values() if e.item.submission.id in inserted])
        for index, entry in placed.items():
            if entry.item.submission.id in inserted:
                results[index] = self._receipt(entry, now)
        return results

    async def _place(self, connection: AsyncConnection, items: list[PendingVisit]) -> dict[int, _Placed]:
        """Index in the batch → its household, for the visits this path can take."""
        ids = list({item.submission.household_id for item in items})
        households = {row.id: row for row in await connection.execute(_HOUSEHOLDS, {"ids": ids})}
        placed: dict[int, _Placed] = {}
        seen_visits: set[uuid.UUID] = set()
        for index, item in enumerate(items):
            row = households.get(item.submission.household_id)
            if row is None or row.merged_into_id is not None or not item.actor.sees_path(row.path):
                continue
            if item.submission.id in seen_visits:  # the same visit twice in one batch: the retry waits its turn
                continue
            seen_visits.add(item.submission.id)
            location = (row.lat, row.lon) if row.lat is not None and row.lon is not None else None
            placed[index] = _Placed(item, row.id, location, row.area_id, row.path)
        return placed

    async def _previous_fixes(self, connection: AsyncConnection, placed: dict[int, _Placed]) -> None:
        """Each visit's predecessor for the travel-speed check: stored visits, or an earlier one in this batch."""
        timed = [e for e in placed.values() if e.item.fix is not None and e.item.submission.finished_at is not None]
        if not timed:
            return
        cut = max(utc(e.item.submission.finished_at) for e in timed)
        members = list({e.item.actor.user_id for e in timed})
        if connection.dialect.name == "postgresql":
            rows: Any = map(RecordRow, await (await _driver(connection)).fetch(_PG_LATEST_FIXES, cut, members))
        else:
            rows = await connection.execute(_LATEST_FIXES, {"members": members, "cut": cut})
        latest = {row.submitted_by: checks.PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at))
                  for row in rows}
        timed.sort(key=lambda e: (e.item.actor.user_id, utc(e.item.submission.finished_at)))
        earlier_in_batch: dict[int, list[checks.PreviousVisit]] = {}
        for entry in timed:
            member, finished = entry.item.actor.user_id, utc(entry.item.submission.finished_at)
            stored = latest.get(member)
            if stored is not None and stored.finished_at >= finished:
                # Sent out of order (offline for days): look up its own predecessor.
                stored = await previous_visit_on(connection, member, finished)
            # The batch is in time order per member: the last earlier one here beats anything stored before.
            before = [p for p in earlier_in_batch.get(member, ()) if p.finished_at < finished]
            entry.previous = before[-1] if before else stored
            fix = entry.item.fix
            assert fix is not None
            earlier_in_batch.setdefault(member, []).append(
                checks.PreviousVisit(str(entry.item.submission.id), fix.lat, fix.lon, finished))

    async def _first_fixes(self, connection: AsyncConnection, entries: list[_Placed]) -> None:
        for entry in entries:
            if not is_first_fix(entry.location, entry.item.fix, entry.item.accuracy_threshold_m):
                continue  # the common case: nothing to write, so no session to open
            # Joins the batch's transaction.
            async with AsyncSession(bind=connection) as session:
                if await locate_household_by_first_fix(session, entry.household_id, entry.location,
                                                       entry.item.fix, entry.item.accuracy_threshold_m):
                    entry.location = (entry.item.fix.lat, entry.item.fix.lon)  # type: ignore[union-attr]

    @staticmethod
    def _row(entry: _Placed, now: datetime) -> dict[str, Any]:
        item = entry.item
        return visit_row(
            item.submission, digest=item.digest, submitted_by=item.actor.user_id, team_id=item.actor.team_id,
            on_behalf_of=None, household_id=entry.household_id, area_id=entry.area_id, area_path=entry.area_path,
            fix=item.fix, status=status_of(missing_photos(item.rules, {})), skill_level=item.skill_level,
            received_at=now,
        )

    @staticmethod
    def _receipt(entry: _Placed, now: datetime) -> VisitReceipt:
        item = entry.item
        return receipt(
            visit_id=item.submission.id, household_id=entry.household_id,
            status=status_of(missing_photos(item.rules, {})), rules=item.rules, slots=[],
            flags=[flag_out(f) for f in entry.flags or ()], skill_level=item.skill_level, received_at=now,
        )

