"""Writing visits: the one path every new visit takes, alone or in a batch, JSON or multipart.

`VisitWriter.write(connection, visits)` takes visits whose household is already known and writes them in the
caller's transaction, with the result they would have had written one at a time in the order given:

0. the visits' households are locked, in id order (docs/reliability.md: lock order): any may take its first fix
   here, and every one takes a new change number (its visit state changed, service/households/visit_state.py);
1. the members' previous GPS fixes are read (one query for all, before anything is inserted);
2. the `visits` rows are inserted (one INSERT … ON CONFLICT DO NOTHING; an id already stored is left alone);
3. in arrival order, each new visit gets its flags — against the previous fix (stored, or a visit earlier in
   this call), against its household's location (which an earlier visit in this call may just have set) —
   its photo rows, and may give its household a location (its first good fix);
4. the flags rows are inserted (one INSERT);
5. the `after_write` hooks run over the written visits, on the same connection, in the same transaction.

The single-visit path (`services.submit`) calls it with one visit, the group-commit batcher (`batch.py`) with
the visits waiting together; so there is one row builder, one insert, one predecessor rule, one first-fix rule.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import (
    JSON,
    ColumnElement,
    Integer,
    Select,
    Table,
    any_,
    bindparam,
    literal_column,
    select,
    text,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel

import forms
from forms.spec import DEFAULT_GEOPOINT_ACCURACY_M
from service.assessments.services import after_visits_written
from service.auth.actor import Actor
from service.db.engine import as_utc, json_text, utcnow
from service.db.pg_raw import RecordRow, asyncpg_sql, driver_of
from service.households import services as households_service
from service.households import visit_state
from service.households.visit_state import lock_households
from service.people.models import User
from service.settings import Settings
from service.visits.attachments import SlotAttachment, attachment_row
from service.visits.evidence_rules import (
    Fix,
    Flag,
    PreviousVisit,
    future_time_flag,
    gps_flags,
    is_good_fix,
)
from service.visits.households import Destination
from service.visits.models import ATTACHMENTS, FLAGS, PHOTOS, VISITS
from service.visits.photo_evidence import photo_evidence
from service.visits.photo_objects import SlotPhoto
from service.visits.receipts import flag_out, missing_photos, receipt, status_of
from service.visits.schemas import AttachmentSlotOut, PhotoSlotOut, VisitReceipt, VisitSubmission
from service.visits.stored import utc

USERS = SQLModel.metadata.tables[User.__tablename__]


@dataclass(frozen=True, slots=True)
class CheckedVisit:
    """A checked visit: everything decided before anything is written. The one carrier from the checks to the
    writer (JSON or OpenRosa, batched or alone); `destination` is None until its household is resolved (the
    batcher looks households up together), and the writer takes only visits that have one."""

    actor: Actor
    submission: VisitSubmission
    digest: str
    rules: dict[str, forms.PhotoRule]
    skill_level: int | None
    fix: Fix | None
    accuracy_threshold_m: float | None
    destination: Destination | None = None
    on_behalf_of: int | None = None
    photos: list[SlotPhoto] = field(default_factory=list)  # already in the object store
    # audio/video/file questions answered (question → kind), each awaiting its file; the files already in the store.
    attachment_kinds: dict[str, str] = field(default_factory=dict)
    attachments: list[SlotAttachment] = field(default_factory=list)
    # Flags decided before writing (OpenRosa: form.answers_invalid), stored after the GPS and photo flags.
    extra_flags: list[Flag] = field(default_factory=list)
    # Rows another domain keeps with the visit (OpenRosa: the instance XML), inserted only if the visit is.
    companions: list[tuple[Table, dict[str, Any]]] = field(default_factory=list)

    @property
    def placed(self) -> Destination:
        """The visit's household; the writer's callers resolve it first."""
        if self.destination is None:
            raise RuntimeError(f"visit {self.submission.id} has no household yet")
        return self.destination


@dataclass(slots=True)
class WrittenVisit:
    """A visit this call inserted: its `visits` row as written and its flags (GPS, then photos)."""

    item: CheckedVisit
    row: dict[str, Any]
    flags: list[Flag]

    def receipt(self) -> VisitReceipt:
        item = self.item
        return receipt(
            visit_id=item.submission.id,
            household_id=item.placed.household_id,
            status=self.row["status"],
            rules=item.rules,
            flags=[flag_out(f) for f in self.flags],
            skill_level=item.skill_level,
            slots=[PhotoSlotOut(question=p.question, index=p.index, sha256=p.processed.sha256) for p in item.photos],
            received_at=self.row["received_at"],
            attachment_kinds=item.attachment_kinds,
            answers=item.submission.answers,
            attachments=[
                AttachmentSlotOut(
                    question=a.question,
                    kind=a.kind,
                    filename=a.filename,
                    sha256=a.sha256,
                    content_type=a.content_type,
                    size_bytes=a.size_bytes,
                )
                for a in item.attachments
            ],
        )


# Runs after the visits and flags rows are inserted, in the same transaction, over the visits just written.
AfterWrite = Callable[[AsyncConnection, list[WrittenVisit]], Awaitable[None]]


class VisitWriter:
    def __init__(self, settings: Settings, after_write: Sequence[AfterWrite] = ()) -> None:
        self.settings = settings
        self.after_write: list[AfterWrite] = list(after_write)
        self._min_travel_time = timedelta(seconds=settings.min_travel_time_s)
        self._future_slack = timedelta(hours=settings.future_time_slack_h)

    async def write(self, connection: AsyncConnection, items: list[CheckedVisit]) -> list[WrittenVisit | None]:
        """One result per item, in order: None where the visit's id was already stored (or earlier in `items`)."""
        if not items:
            return []
        settings = self.settings
        now = utcnow()
        # Up front and in id order, before the change counter: two batches sharing households then only queue.
        await lock_households(connection, (item.placed.household_id for item in items))
        stored_fixes = await _stored_predecessors(connection, items)
        rows = [visit_row(item, now) for item in items]
        inserted = await insert_visits(connection, rows)
        results: list[WrittenVisit | None] = []
        located: dict[uuid.UUID, tuple[float, float] | None] = {}
        fixes_so_far: dict[int, list[PreviousVisit]] = {}  # per member, the fixes written earlier in this call
        for item, row, stored in zip(items, rows, stored_fixes, strict=True):
            visit_id = item.submission.id
            if visit_id not in inserted:
                results.append(None)
                continue
            inserted.discard(visit_id)  # the same id later in `items` is not new
            household_id = item.placed.household_id
            location = located.get(household_id, item.placed.location)
            finished = utc(item.submission.finished_at)
            member = item.actor.user_id
            previous = _latest(stored, fixes_so_far.get(member, ()), finished)
            flags = gps_flags(
                item.fix,
                accuracy_threshold_m=item.accuracy_threshold_m,
                household_location=location,
                far_from_household_m=settings.far_from_household_m,
                previous=previous,
                finished_at=finished,
                impossible_travel_kmh=settings.impossible_travel_kmh,
                min_travel_time=self._min_travel_time,
            )
            ahead = future_time_flag(item.submission.device_times(), now, self._future_slack)
            if ahead is not None:
                flags.append(ahead)
            if item.fix is not None and finished is not None:
                fixes_so_far.setdefault(member, []).append(
                    PreviousVisit(str(visit_id), item.fix.lat, item.fix.lon, finished)
                )
            if item.photos:  # inserted now: seen by the next visit's reuse check
                flags.extend(
                    await self.write_photos(
                        connection,
                        visit_id,
                        household_id,
                        item.fix,
                        item.submission.started_at,
                        item.submission.finished_at,
                        item.photos,
                        now,
                    )
                )
            if item.attachments:
                await self.write_attachments(connection, visit_id, item.attachments, now)
            flags.extend(item.extra_flags)
            if item.fix is not None and await locate_household_by_first_fix(
                connection, household_id, location, item.fix, item.accuracy_threshold_m
            ):
                location = (item.fix.lat, item.fix.lon)
            located[household_id] = location
            results.append(WrittenVisit(item, row, flags))
        written = [result for result in results if result is not None]
        await insert_flags(connection, [r for w in written for r in flag_rows(w.item.submission.id, w.flags)])
        await _insert_companions(connection, written)
        if written:  # a hook that raises rolls the whole call back: nothing is half-written
            for hook in self.after_write:
                await hook(connection, written)
        return results

    async def write_photos(
        self,
        connection: AsyncConnection,
        visit_id: uuid.UUID,
        household_id: uuid.UUID,
        fix: Fix | None,
        started_at: datetime | None,
        finished_at: datetime | None,
        photos: list[SlotPhoto],
        now: datetime,
    ) -> list[Flag]:
        """Inserts the photo rows of photos entering a visit (already in the object store) and returns their flags
        (reuse, place, time), for the caller to store: with a new visit (`write`) or sent later (photos_service)."""
        rows, flags = await photo_evidence(
            connection, self.settings, visit_id, household_id, fix, started_at, finished_at, photos, now
        )
        await connection.execute(_INSERT_PHOTOS, rows)
        return flags

    async def write_attachments(
        self, connection: AsyncConnection, visit_id: uuid.UUID, attachments: list[SlotAttachment], now: datetime
    ) -> None:
        """Inserts the rows of files entering a visit (already in the object store): with a new visit, or later."""
        await connection.execute(_INSERT_ATTACHMENTS, [attachment_row(visit_id, item, now) for item in attachments])


def service_writer(settings: Settings) -> VisitWriter:
    """The writer the service uses: every written visit updates its household's assessment in the same
    transaction (service/assessments), so tallies always agree with the visits, and gives the household a new
    change number first (the lock order), so phones re-sync its visit state."""
    return VisitWriter(settings, after_write=[visit_state.after_visits_written, after_visits_written])


# ---- the row builder and the inserts ---------------------------------------------------------------------------


def visit_row(item: CheckedVisit, received_at: datetime) -> dict[str, Any]:
    """The `visits` row for a submission; every column named, so rows of a batch share one shape."""
    submission, fix, destination = item.submission, item.fix, item.placed
    location, app = submission.location, submission.app
    counts: dict[str, int] = {}
    for photo in item.photos:
        counts[photo.question] = counts.get(photo.question, 0) + 1
    return {
        "id": submission.id,
        "form_id": submission.form_id,
        "form_version": submission.form_version,
        "household_id": destination.household_id,
        "submitted_by": item.actor.user_id,
        "on_behalf_of": item.on_behalf_of,
        "team_id": item.actor.team_id,
        "area_id": destination.area_id,
        "area_path": destination.area_path,
        "started_at": utc(submission.started_at),
        "finished_at": utc(submission.finished_at),
        "received_at": received_at,
        "lat": fix.lat if fix else None,
        "lon": fix.lon if fix else None,
        "accuracy_m": fix.accuracy_m if fix else None,
        "location_captured_at": utc(location.captured_at) if location else None,
        "is_mock": bool(fix and fix.is_mock),
        "answers": submission.answers,
        "app_name": (app.name or None) if app else None,  # lengths checked when decoded (AppInfo)
        "app_version": (app.version or None) if app else None,
        "payload_hash": item.digest,
        "status": status_of(
            missing_photos(item.rules, counts),
            item.attachment_kinds.keys() - {attachment.question for attachment in item.attachments},
        ),
        "skill_level": item.skill_level,
        "review_status": "pending",
        "reviewed_by": None,
        "reviewed_at": None,
        "review_note": None,
        "corrects": submission.corrects or None,
        "revisit_of": getattr(submission, "revisit_of", None) or None,
    }


async def _insert_companions(connection: AsyncConnection, written: list[WrittenVisit]) -> None:
    by_table: dict[Any, list[dict[str, Any]]] = {}
    for visit in written:
        for table, row in visit.item.companions:
            by_table.setdefault(table, []).append(row)
    for table, rows in by_table.items():
        if connection.dialect.name != "postgresql":
            await connection.execute(table.insert(), rows)
            continue
        columns = list(rows[0])  # every companion row of a table is built with the same keys
        arrays = _columns(rows, columns)
        for index, name in enumerate(columns):
            if isinstance(table.c[name].type, JSON):  # as the engine writes JSONB
                arrays[index] = [None if value is None else json_text(value) for value in arrays[index]]
        statement = _COMPANION_INSERTS.get((table.name, tuple(columns)))
        if statement is None:
            statement = _COMPANION_INSERTS[(table.name, tuple(columns))] = _unnest_insert(table, columns)
        await (await _driver(connection)).execute(statement, *arrays)


_COMPANION_INSERTS: dict[tuple[str, tuple[str, ...]], str] = {}


def flag_rows(visit_id: uuid.UUID, flags: Iterable[Flag]) -> list[dict[str, Any]]:
    return [{"visit_id": visit_id, "code": f.code, "value": f.value, "unit": f.unit, "detail": f.detail} for f in flags]


def _unnest_insert(table: Any, columns: list[str], suffix: str = "") -> str:
    """PostgreSQL: one INSERT of many rows bound as one array per column (asyncpg encodes arrays in C, where
    SQLAlchemy's multi-row VALUES processes every value of every row in Python)."""
    dialect = postgresql.dialect()
    # Unbounded element types: an explicit cast to VARCHAR(n) would truncate silently, where the INSERT's own
    # assignment refuses a value that is too long.
    types = [re.sub(r"\(\d+\)", "", table.c[name].type.compile(dialect=dialect)) for name in columns]
    arrays = ", ".join(f"${n}::{type_}[]" for n, type_ in enumerate(types, start=1))
    return f"INSERT INTO {table.name} ({', '.join(columns)}) SELECT * FROM unnest({arrays}){suffix}"


# Built once: constructing an INSERT of 27 columns costs more CPU than executing it.
_INSERT_VISITS = {
    "postgresql": postgresql.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
    "sqlite": sqlite.insert(VISITS).on_conflict_do_nothing(index_elements=["id"]).returning(VISITS.c.id),
}
_VISIT_COLUMNS = [column.name for column in VISITS.columns]
_PG_INSERT_VISITS = _unnest_insert(VISITS, _VISIT_COLUMNS, " ON CONFLICT (id) DO NOTHING RETURNING id")
_INSERT_FLAGS = FLAGS.insert()
_FLAG_COLUMNS = ["visit_id", "code", "value", "unit", "detail"]
_PG_INSERT_FLAGS = _unnest_insert(FLAGS, _FLAG_COLUMNS)
_INSERT_PHOTOS = PHOTOS.insert()
_INSERT_ATTACHMENTS = ATTACHMENTS.insert()


def _columns(rows: list[dict[str, Any]], names: list[str]) -> list[list[Any]]:
    return [[row[name] for row in rows] for name in names]


async def insert_visits(connection: AsyncConnection, rows: list[dict[str, Any]]) -> set[uuid.UUID]:
    """Inserts the visit rows; returns the ids that were new (the others were already stored)."""
    if connection.dialect.name != "postgresql":
        return {row.id for row in await connection.execute(_INSERT_VISITS[connection.dialect.name], rows)}
    driver = await _driver(connection)
    arrays = _columns(rows, _VISIT_COLUMNS)
    arrays[_VISIT_COLUMNS.index("answers")] = [json_text(row["answers"]) for row in rows]  # as the engine writes JSONB
    return {record[0] for record in await driver.fetch(_PG_INSERT_VISITS, *arrays)}


async def insert_flags(connection: AsyncConnection, rows: list[dict[str, Any]]) -> None:
    if not rows:
        return
    if connection.dialect.name != "postgresql":
        await connection.execute(_INSERT_FLAGS, rows)
        return
    await (await _driver(connection)).execute(_PG_INSERT_FLAGS, *_columns(rows, _FLAG_COLUMNS))


async def _driver(connection: AsyncConnection) -> Any:
    """The asyncpg connection under the caller's transaction. SQLAlchemy begins it on its first statement, so a
    transaction that has run none yet (a visit with photos, after the commit that preceded their upload) runs a
    trivial one: a raw statement outside it would commit on its own."""
    driver = await driver_of(connection)
    if not driver.is_in_transaction():
        await connection.execute(text("SELECT 1"))
        driver = await driver_of(connection)
    if not driver.is_in_transaction():
        raise RuntimeError("no transaction has begun: raw statements would autocommit")
    return driver


# ---- the predecessor rule -------------------------------------------------------------------------------------

_EARLIER = VISITS.alias("earlier")


def _latest_fixes(members: ColumnElement[bool]) -> Select:
    """Per member, the stored visit with a GPS fix that finished last before the cut. The correlated ORDER BY …
    LIMIT 1 walks the (submitted_by, finished_at) index backwards from the cut, so it stays cheap however many
    visits a member has made (an anti-join over them was 20× slower with a million visits stored)."""
    return select(VISITS.c.id, VISITS.c.submitted_by, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at).where(
        VISITS.c.id.in_(
            select(
                select(_EARLIER.c.id)
                .where(
                    _EARLIER.c.submitted_by == USERS.c.id,
                    _EARLIER.c.finished_at < bindparam("cut"),
                    _EARLIER.c.lat.is_not(None),
                )
                .order_by(_EARLIER.c.finished_at.desc())
                .limit(literal_column("1", Integer))  # a constant, not a bound parameter
                .scalar_subquery()
            ).where(members)
        )
    )


_LATEST_FIXES = _latest_fixes(USERS.c.id.in_(bindparam("members", expanding=True)))
_PG_LATEST_FIXES = asyncpg_sql(
    _latest_fixes(USERS.c.id == any_(bindparam("members", type_=ARRAY(Integer)))), ["cut", "members"]
)


async def _latest_stored(connection: AsyncConnection, members: list[int], cut: datetime) -> dict[int, PreviousVisit]:
    if connection.dialect.name == "postgresql":
        rows: Any = map(RecordRow, await (await _driver(connection)).fetch(_PG_LATEST_FIXES, cut, members))
    else:
        rows = await connection.execute(_LATEST_FIXES, {"members": members, "cut": cut})
    return {row.submitted_by: PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at)) for row in rows}


async def _stored_predecessors(connection: AsyncConnection, items: list[CheckedVisit]) -> list[PreviousVisit | None]:
    """For each visit with a fix and a finish time, the member's stored fix that finished last before it.

    One query at the latest finish time of the call answers every visit that finished after its member's last
    stored fix (the usual case); a visit sent out of order (offline for days) asks again at its own time."""
    timed = [
        (index, item.actor.user_id, utc(item.submission.finished_at))
        for index, item in enumerate(items)
        if item.fix is not None and item.submission.finished_at is not None
    ]
    found: list[PreviousVisit | None] = [None] * len(items)
    if not timed:
        return found
    cut = max(finished for _, _, finished in timed)
    latest = await _latest_stored(connection, list({member for _, member, _ in timed}), cut)
    for index, member, finished in timed:
        stored = latest.get(member)
        if stored is not None and stored.finished_at >= finished:
            stored = (await _latest_stored(connection, [member], finished)).get(member)
        found[index] = stored
    return found


def _latest(
    stored: PreviousVisit | None, earlier: Iterable[PreviousVisit], finished: datetime | None
) -> PreviousVisit | None:
    """The member's fix that finished last before `finished`: stored, or written earlier in the same call."""
    if finished is None:
        return None
    best = stored
    for candidate in earlier:
        if candidate.finished_at < finished and (best is None or candidate.finished_at > best.finished_at):
            best = candidate
    return best


# ---- the first-fix rule ---------------------------------------------------------------------------------------


def is_first_fix(
    known_location: tuple[float, float] | None, fix: Fix | None, accuracy_threshold_m: float | None
) -> bool:
    """Whether this fix would become the household's location (cheap: callers skip the write otherwise)."""
    return known_location is None and is_good_fix(fix, accuracy_threshold_m or DEFAULT_GEOPOINT_ACCURACY_M)


async def locate_household_by_first_fix(
    connection: AsyncConnection,
    household_id: uuid.UUID,
    known_location: tuple[float, float] | None,
    fix: Fix | None,
    accuracy_threshold_m: float | None,
) -> bool:
    """A household without a location takes the first good fix of a visit to it (the households domain's write,
    in the caller's transaction)."""
    if fix is None or not is_first_fix(known_location, fix, accuracy_threshold_m):
        return False  # the common case: nothing to write, so no session to open
    async with AsyncSession(bind=connection) as session:
        return await households_service.set_household_location_if_missing(session, household_id, fix.lat, fix.lon)
