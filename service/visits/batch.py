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

import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import bindparam, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from forms.spec import DEFAULT_GEOPOINT_ACCURACY_M
from service.access import households_service
from service.access.actor import Actor
from service.access.models import User
from service.coalesce import Coalescer
from service.db import as_utc, utcnow
from service.settings import Settings
from service.visits import flags as checks
from service.visits.evidence import utc
from service.visits.households import AREAS, HOUSEHOLDS
from service.visits.receipts import FLAGS, VISITS, flag_out, missing_photos, receipt, status_of
from service.visits.schemas import VisitReceipt

FALLBACK = object()
USERS = User.__table__

_HOUSEHOLDS = (
    select(HOUSEHOLDS.c.id, HOUSEHOLDS.c.lat, HOUSEHOLDS.c.lon, HOUSEHOLDS.c.merged_into_id,
           AREAS.c.id.label("area_id"), AREAS.c.path)
    .join(AREAS, AREAS.c.id == HOUSEHOLDS.c.area_id)
    .where(HOUSEHOLDS.c.id.in_(bindparam("ids", expanding=True)))
)
_EARLIER = VISITS.alias("earlier")
# Per member, the visit with a GPS fix that finished last before the cut. The correlated ORDER BY … LIMIT 1
# walks the (submitted_by, finished_at) index backwards from the cut, so it stays cheap however many
# visits a member has made (an anti-join over them was 20× slower with a million visits stored).
_LATEST_FIXES = select(VISITS.c.id, VISITS.c.submitted_by, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at).where(
    VISITS.c.id.in_(
        select(
            select(_EARLIER.c.id)
            .where(_EARLIER.c.submitted_by == USERS.c.id, _EARLIER.c.finished_at < bindparam("cut"),
                   _EARLIER.c.lat.is_not(None))
            .order_by(_EARLIER.c.finished_at.desc())
            .limit(1)
            .scalar_subquery()
        ).where(USERS.c.id.in_(bindparam("members", expanding=True)))
    )
)
_PREVIOUS_ONE = (
    select(VISITS.c.id, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at)
    .where(VISITS.c.submitted_by == bindparam("user_id"), VISITS.c.finished_at < bindparam("finished_at"),
           VISITS.c.lat.is_not(None))
    .order_by(VISITS.c.finished_at.desc())
    .limit(1)
)
_INSERT = {
    "postgresql": postgresql.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
    "sqlite": sqlite.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
}
_INSERT_FLAGS = FLAGS.insert()


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
        inserted = {row.id for row in await connection.execute(_INSERT[connection.dialect.name], rows)}
        flag_rows = [
            {"visit_id": entry.item.submission.id, "code": f.code, "value": f.value, "unit": f.unit,
             "detail": f.detail}
            for entry in placed.values() if entry.item.submission.id in inserted for f in entry.flags or ()
        ]
        if flag_rows:
            await connection.execute(_INSERT_FLAGS, flag_rows)
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
        latest = {
            row.submitted_by: checks.PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at))
            for row in await connection.execute(_LATEST_FIXES, {"members": members, "cut": cut})
        }
        timed.sort(key=lambda e: (e.item.actor.user_id, utc(e.item.submission.finished_at)))
        earlier_in_batch: dict[int, list[checks.PreviousVisit]] = {}
        for entry in timed:
            member, finished = entry.item.actor.user_id, utc(entry.item.submission.finished_at)
            stored = latest.get(member)
            if stored is not None and stored.finished_at >= finished:
                # Sent out of order (offline for days): look up its own predecessor.
                row = (await connection.execute(_PREVIOUS_ONE, {"user_id": member, "finished_at": finished})).first()
                stored = (checks.PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at))
                          if row is not None else None)
            # The batch is in time order per member: the last earlier one here beats anything stored before.
            before = [p for p in earlier_in_batch.get(member, ()) if p.finished_at < finished]
            entry.previous = before[-1] if before else stored
            fix = entry.item.fix
            assert fix is not None
            earlier_in_batch.setdefault(member, []).append(
                checks.PreviousVisit(str(entry.item.submission.id), fix.lat, fix.lon, finished))

    async def _first_fixes(self, connection: AsyncConnection, entries: list[_Placed]) -> None:
        """A household without a location takes the first good fix of a visit to it."""
        for entry in entries:
            fix = entry.item.fix
            threshold = entry.item.accuracy_threshold_m or DEFAULT_GEOPOINT_ACCURACY_M
            if entry.location is None and fix is not None and checks.is_good_fix(fix, threshold):
                # Joins the batch's transaction (the access domain's rules for household writes apply).
                async with AsyncSession(bind=connection) as session:
                    await households_service.set_household_location_if_missing(
                        session, entry.household_id, fix.lat, fix.lon)
                entry.location = (fix.lat, fix.lon)

    @staticmethod
    def _row(entry: _Placed, now: datetime) -> dict[str, Any]:
        item = entry.item
        submission, fix, actor = item.submission, item.fix, item.actor
        location, app = submission.location, submission.app
        return {
            "id": submission.id, "form_id": submission.form_id, "form_version": submission.form_version,
            "household_id": entry.household_id, "submitted_by": actor.user_id, "on_behalf_of": None,
            "team_id": actor.team_id, "area_id": entry.area_id, "area_path": entry.area_path,
            "started_at": utc(submission.started_at), "finished_at": utc(submission.finished_at), "received_at": now,
            "lat": fix.lat if fix else None, "lon": fix.lon if fix else None,
            "accuracy_m": fix.accuracy_m if fix else None,
            "location_captured_at": utc(location.captured_at) if location else None,
            "is_mock": bool(fix and fix.is_mock), "answers": submission.answers,
            "app_name": (app.name or "")[:100] or None if app else None,
            "app_version": (app.version or "")[:50] or None if app else None, "payload_hash": item.digest,
            "status": status_of(missing_photos(item.rules, {})), "skill_level": item.skill_level,
            "review_status": "pending", "reviewed_by": None, "reviewed_at": None, "review_note": None,
        }

    @staticmethod
    def _receipt(entry: _Placed, now: datetime) -> VisitReceipt:
        item = entry.item
        return receipt(
            visit_id=item.submission.id, household_id=entry.household_id,
            status=status_of(missing_photos(item.rules, {})), rules=item.rules, slots=[],
            flags=[flag_out(f) for f in entry.flags or ()], skill_level=item.skill_level, received_at=now,
        )

