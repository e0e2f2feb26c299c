"""A visit as stored: loading it (and its photo slots and flags) for the submission and photo paths.

All SQL here is Core: these run on the submission path.
"""

from __future__ import annotations

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, overload

from sqlalchemy import Row, Select, and_, bindparam, or_, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

import forms
from service import errors
from service.db.engine import as_utc
from service.http.paging import decode_cursor, encode_cursor
from service.registry.services import compiled_version
from service.visits.evidence_rules import Fix
from service.visits.models import ATTACHMENTS, FLAGS, PHOTOS, VISITS
from service.visits.schemas import AttachmentSlotOut, FlagOut, PhotoSlotOut

# The visit columns the submission and photo paths need (not the review or app fields).
_STATE_COLUMNS = (
    VISITS.c.id,
    VISITS.c.form_id,
    VISITS.c.form_version,
    VISITS.c.household_id,
    VISITS.c.submitted_by,
    VISITS.c.on_behalf_of,
    VISITS.c.area_path,
    VISITS.c.started_at,
    VISITS.c.finished_at,
    VISITS.c.received_at,
    VISITS.c.lat,
    VISITS.c.lon,
    VISITS.c.accuracy_m,
    VISITS.c.is_mock,
    VISITS.c.answers,
    VISITS.c.payload_hash,
    VISITS.c.status,
    VISITS.c.skill_level,
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
            id=row.id,
            form_id=row.form_id,
            form_version=row.form_version,
            household_id=row.household_id,
            submitted_by=row.submitted_by,
            on_behalf_of=row.on_behalf_of,
            area_path=row.area_path,
            started_at=as_utc(row.started_at),
            finished_at=as_utc(row.finished_at),
            received_at=as_utc(row.received_at),
            fix=fix,
            answers=row.answers,
            payload_hash=row.payload_hash,
            status=row.status,
            skill_level=row.skill_level,
        )


@overload
def utc(moment: datetime) -> datetime: ...
@overload
def utc(moment: None) -> None: ...
@overload
def utc(moment: datetime | None) -> datetime | None: ...
def utc(moment: datetime | None) -> datetime | None:
    """Stored times are UTC (SQLite keeps no offset, so a +07:00 time must be converted before it is written)."""
    return moment.astimezone(UTC) if moment is not None else None


async def connection(session: AsyncSession) -> AsyncConnection:
    """The request transaction's connection, for Core statements (no ORM bookkeeping on the hot path)."""
    return await session.connection()


_LOAD_VISIT = select(*_STATE_COLUMNS).where(VISITS.c.id == bindparam("visit_id"))
_LOAD_VISIT_LOCKED = _LOAD_VISIT.with_for_update()


async def load_visit(session: AsyncSession, visit_id: uuid.UUID, *, lock: bool = False) -> StoredVisit | None:
    query = _LOAD_VISIT_LOCKED if lock else _LOAD_VISIT
    row = (await (await connection(session)).execute(query, {"visit_id": visit_id})).first()
    return StoredVisit.from_row(row) if row is not None else None


async def form_of(session: AsyncSession, form_id: str, version: str) -> forms.CompiledForm:
    form = await compiled_version(session, form_id, version)
    if form is None:
        raise errors.DomainError(
            errors.VISIT_UNKNOWN_FORM,
            f"Không có biểu mẫu {form_id} phiên bản {version}.",
            f"No form {form_id} version {version}.",
        )
    return form


async def stored_slots(session: AsyncSession, visit_id: uuid.UUID) -> list[PhotoSlotOut]:
    query = (
        select(PHOTOS.c.question, PHOTOS.c.idx, PHOTOS.c.sha256)
        .where(PHOTOS.c.visit_id == visit_id)
        .order_by(PHOTOS.c.question, PHOTOS.c.idx)
    )
    rows = (await (await connection(session)).execute(query)).all()
    return [PhotoSlotOut(question=r.question, index=r.idx, sha256=r.sha256) for r in rows]


async def stored_attachments(session: AsyncSession, visit_id: uuid.UUID) -> list[AttachmentSlotOut]:
    query = (
        select(
            ATTACHMENTS.c.question,
            ATTACHMENTS.c.kind,
            ATTACHMENTS.c.filename,
            ATTACHMENTS.c.sha256,
            ATTACHMENTS.c.content_type,
            ATTACHMENTS.c.size_bytes,
        )
        .where(ATTACHMENTS.c.visit_id == visit_id)
        .order_by(ATTACHMENTS.c.question)
    )
    rows = (await (await connection(session)).execute(query)).all()
    return [
        AttachmentSlotOut(
            question=r.question,
            kind=r.kind,
            filename=r.filename,
            sha256=r.sha256,
            content_type=r.content_type,
            size_bytes=r.size_bytes,
        )
        for r in rows
    ]


async def stored_flags(session: AsyncSession, visit_id: uuid.UUID) -> list[FlagOut]:
    query = (
        select(FLAGS.c.code, FLAGS.c.value, FLAGS.c.unit, FLAGS.c.detail)
        .where(FLAGS.c.visit_id == visit_id)
        .order_by(FLAGS.c.id)
    )
    rows = (await (await connection(session)).execute(query)).all()
    return [FlagOut(code=r.code, value=r.value, unit=r.unit, detail=r.detail) for r in rows]


# ---- lists of visits, newest first (the API's list, the member's own visits, the review queue) ----------------


def newest_first_after(query: Select[Any], cursor: str | None) -> Select[Any]:
    """`query` (ordered by received_at, id descending) continued after the cursor of the previous page."""
    after = decode_cursor(cursor, tuple[datetime, uuid.UUID])
    return query if after is None else older_than(query, utc(after[0]), after[1])


def older_than(query: Select[Any], received: datetime, visit_id: uuid.UUID) -> Select[Any]:
    """The visits after this one in newest-first order (received earlier, or at the same moment with a lower id)."""
    return query.where(
        or_(VISITS.c.received_at < received, and_(VISITS.c.received_at == received, VISITS.c.id < visit_id))
    )


def next_newest_cursor(rows: Sequence[Any], size: int) -> str | None:
    """The cursor after a page of `size` taken from `rows` (fetched with size + 1), or None on the last page."""
    if len(rows) <= size:
        return None
    last = rows[size - 1]
    return encode_cursor([as_utc(last.received_at).isoformat(), str(last.id)])


async def flag_codes(conn: AsyncConnection, ids: list[uuid.UUID]) -> dict[uuid.UUID, set[str]]:
    """Each visit's flag codes, for a page of visits, in one query."""
    codes: dict[uuid.UUID, set[str]] = {visit_id: set() for visit_id in ids}
    if ids:
        for visit_id, code in (
            await conn.execute(select(FLAGS.c.visit_id, FLAGS.c.code).where(FLAGS.c.visit_id.in_(ids)))
        ).all():
            codes[visit_id].add(code)
    return codes
