"""A visit's stored state and the receipt phones get for it.

The receipt of a first submission is built in memory; every later answer (a retry, a photo attached) is built
from the rows by the same function, so a phone retrying a visit gets byte-for-byte the body it got first,
plus whatever photos arrived since. All SQL here is Core: these run on the submission path.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Row, bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.auth.actor import FIELD_ROLES, Actor
from service.db.engine import as_utc
from service.registry.services import compiled_version
from forms.spec import DEFAULT_GEOPOINT_ACCURACY_M
from service.households import services as households_service
from service.visits.flags import Fix, Flag, is_good_fix
from service.visits.models import Visit, VisitFlag, VisitPhoto
from service.visits.schemas import FlagOut, MissingPhotos, PhotoSlotOut, VisitReceipt

VISITS = Visit.__table__
FLAGS = VisitFlag.__table__
PHOTOS = VisitPhoto.__table__

COMPLETE = "complete"
AWAITING_PHOTOS = "awaiting_photos"

# The visit columns the submission and photo paths need (not the review or app fields).
_STATE_COLUMNS = (
    VISITS.c.id, VISITS.c.form_id, VISITS.c.form_version, VISITS.c.household_id, VISITS.c.submitted_by,
    VISITS.c.on_behalf_of, VISITS.c.area_path, VISITS.c.started_at, VISITS.c.finished_at, VISITS.c.received_at,
    VISITS.c.lat, VISITS.c.lon, VISITS.c.accuracy_m, VISITS.c.is_mock, VISITS.c.answers, VISITS.c.payload_hash,
    VISITS.c.status, VISITS.c.skill_level,
)


@dataclass(frozen=True, slots=True)
class StoredVisit:
    id: uuid.UUID
    form_id: str
    form_version: str
    household_id: uuid.UUID
    submitted_by: int
    on_behalf_of: int | None
    area_path: str
    started_at: datetime | None
    finished_at: datetime | None
    received_at: datetime
    fix: Fix | None
    answers: dict[str, Any]
    payload_hash: str
    status: str
    skill_level: int | None

    @classmethod
    def from_row(cls, row: Row) -> StoredVisit:
        fix = Fix(row.lat, row.lon, row.accuracy_m, bool(row.is_mock)) if row.lat is not None else None
        return cls(
            id=row.id, form_id=row.form_id, form_version=row.form_version, household_id=row.household_id,
            submitted_by=row.submitted_by, on_behalf_of=row.on_behalf_of, area_path=row.area_path,
            started_at=as_utc(row.started_at), finished_at=as_utc(row.finished_at),
            received_at=as_utc(row.received_at), fix=fix, answers=row.answers, payload_hash=row.payload_hash,
            status=row.status, skill_level=row.skill_level,
        )


async def connection(session: AsyncSession) -> AsyncConnection:
    """The request transaction's connection, for Core statements (no ORM bookkeeping on the hot path)."""
    return await session.connection()


_LOAD_VISIT = select(*_STATE_COLUMNS).where(VISITS.c.id == bindparam("visit_id"))
_LOAD_VISIT_LOCKED = _LOAD_VISIT.with_for_update()
_INSERT_FLAGS = FLAGS.insert()


async def load_visit(session: AsyncSession, visit_id: uuid.UUID, *, lock: bool = False) -> StoredVisit | None:
    query = _LOAD_VISIT_LOCKED if lock else _LOAD_VISIT
    row = (await (await connection(session)).execute(query, {"visit_id": visit_id})).first()
    return StoredVisit.from_row(row) if row is not None else None


def visible_to(actor: Actor, visit: Any) -> bool:
    """Members and leaders see the visits they made or that were made in their name; others by area.
    `visit` is a StoredVisit or any row with submitted_by, on_behalf_of and area_path."""
    if actor.role in FIELD_ROLES:
        return actor.user_id in (visit.submitted_by, visit.on_behalf_of)
    return actor.sees_path(visit.area_path)


def require_visible(actor: Actor, visit: StoredVisit | None, visit_id: object) -> StoredVisit:
    if visit is None or not visible_to(actor, visit):
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy phiếu {visit_id}.", f"No visit {visit_id}.")
    return visit


async def form_of(session: AsyncSession, form_id: str, version: str) -> forms.CompiledForm:
    form = await compiled_version(session, form_id, version)
    if form is None:
        raise errors.DomainError(errors.VISIT_UNKNOWN_FORM, f"Không có biểu mẫu {form_id} phiên bản {version}.",
                                 f"No form {form_id} version {version}.")
    return form


# ---- receipts ------------------------------------------------------------------------------------------------

def flag_out(flag: Flag) -> FlagOut:
    return FlagOut(code=flag.code, value=flag.value, unit=flag.unit, detail=flag.detail)


def missing_photos(rules: Mapping[str, forms.PhotoRule], counts: Mapping[str, int]) -> list[MissingPhotos]:
    return [
        MissingPhotos(question=name, min_count=rule.min_count, max_count=rule.max_count,
                      received=counts.get(name, 0))
        for name, rule in rules.items()
        if counts.get(name, 0) < rule.min_count
    ]


def status_of(missing: list[MissingPhotos]) -> str:
    return AWAITING_PHOTOS if missing else COMPLETE


def receipt(
    *, visit_id: uuid.UUID, household_id: uuid.UUID, status: str, rules: Mapping[str, forms.PhotoRule],
    slots: Iterable[PhotoSlotOut], flags: Iterable[FlagOut], skill_level: int | None, received_at: datetime,
) -> VisitReceipt:
    photos = sorted(slots, key=lambda slot: (slot.question, slot.index))
    counts: dict[str, int] = {}
    for slot in photos:
        counts[slot.question] = counts.get(slot.question, 0) + 1
    return VisitReceipt(
        id=visit_id, household_id=household_id, status=status,  # type: ignore[arg-type]
        missing_photos=missing_photos(rules, counts), photos=photos, flags=list(flags),
        skill_level=skill_level, received_at=received_at,
    )


async def stored_slots(session: AsyncSession, visit_id: uuid.UUID) -> list[PhotoSlotOut]:
    query = (select(PHOTOS.c.question, PHOTOS.c.idx, PHOTOS.c.sha256).where(PHOTOS.c.visit_id == visit_id)
             .order_by(PHOTOS.c.question, PHOTOS.c.idx))
    rows = (await (await connection(session)).execute(query)).all()
    return [PhotoSlotOut(question=r.question, index=r.idx, sha256=r.sha256) for r in rows]


async def stored_flags(session: AsyncSession, visit_id: uuid.UUID) -> list[FlagOut]:
    query = (select(FLAGS.c.code, FLAGS.c.value, FLAGS.c.unit, FLAGS.c.detail).where(FLAGS.c.visit_id == visit_id)
             .order_by(FLAGS.c.id))
    rows = (await (await connection(session)).execute(query)).all()
    return [FlagOut(code=r.code, value=r.value, unit=r.unit, detail=r.detail) for r in rows]


async def stored_receipt(session: AsyncSession, visit: StoredVisit, form: forms.CompiledForm) -> VisitReceipt:
    return receipt(
        visit_id=visit.id, household_id=visit.household_id, status=visit.status,
        rules=forms.required_photos(form, visit.answers), slots=await stored_slots(session, visit.id),
        flags=await stored_flags(session, visit.id), skill_level=visit.skill_level, received_at=visit.received_at,
    )


# ---- writes shared by submission and photo attachment ----------------------------------------------------------

def flag_rows(visit_id: uuid.UUID, flags: Iterable[Flag]) -> list[dict[str, Any]]:
    return [{"visit_id": visit_id, "code": f.code, "value": f.value, "unit": f.unit, "detail": f.detail}
            for f in flags]


async def insert_flags(session: AsyncSession, visit_id: uuid.UUID, flags: list[Flag]) -> None:
    if flags:
        await (await connection(session)).execute(_INSERT_FLAGS, flag_rows(visit_id, flags))


async def photo_counts(session: AsyncSession, visit_id: uuid.UUID) -> dict[str, int]:
    query = (select(PHOTOS.c.question, func.count()).where(PHOTOS.c.visit_id == visit_id)
             .group_by(PHOTOS.c.question))
    return {question: count for question, count in (await (await connection(session)).execute(query)).all()}


def visit_row(
    submission: Any, *, digest: str, submitted_by: int, team_id: int | None, on_behalf_of: int | None,
    household_id: uuid.UUID, area_id: int, area_path: str, fix: Fix | None, status: str,
    skill_level: int | None, received_at: datetime,
) -> dict[str, Any]:
    """The `visits` row for a submission; every column named, so rows of a batch share one shape."""
    location, app = submission.location, submission.app
    return {
        "id": submission.id, "form_id": submission.form_id, "form_version": submission.form_version,
        "household_id": household_id, "submitted_by": submitted_by, "on_behalf_of": on_behalf_of,
        "team_id": team_id, "area_id": area_id, "area_path": area_path,
        "started_at": utc(submission.started_at), "finished_at": utc(submission.finished_at),
        "received_at": received_at,
        "lat": fix.lat if fix else None, "lon": fix.lon if fix else None,
        "accuracy_m": fix.accuracy_m if fix else None,
        "location_captured_at": utc(location.captured_at) if location else None,
        "is_mock": bool(fix and fix.is_mock), "answers": submission.answers,
        "app_name": (app.name or "")[:100] or None if app else None,
        "app_version": (app.version or "")[:50] or None if app else None, "payload_hash": digest,
        "status": status, "skill_level": skill_level,
        "review_status": "pending", "reviewed_by": None, "reviewed_at": None, "review_note": None,
        "corrects": submission.corrects or None,
    }


def utc(moment: datetime | None) -> datetime | None:
    """Stored times are UTC (SQLite keeps no offset, so a +07:00 time must be converted before it is written)."""
    return moment.astimezone(UTC) if moment is not None else None


async def locate_household_by_first_fix(
    session: AsyncSession, household_id: uuid.UUID, known_location: tuple[float, float] | None,
    fix: Fix | None, accuracy_threshold_m: float | None,
) -> bool:
    """A household without a location takes the first good fix of a visit to it (the access domain's write)."""
    if fix is None or not is_first_fix(known_location, fix, accuracy_threshold_m):
        return False
    return await households_service.set_household_location_if_missing(session, household_id, fix.lat, fix.lon)


def is_first_fix(known_location: tuple[float, float] | None, fix: Fix | None,
                 accuracy_threshold_m: float | None) -> bool:
    """Whether this fix would become the household's location (cheap: callers skip the write otherwise)."""
    return known_location is None and is_good_fix(fix, accuracy_threshold_m or DEFAULT_GEOPOINT_ACCURACY_M)
