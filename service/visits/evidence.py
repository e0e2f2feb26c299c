"""The database side of the evidence checks: the member's previous visit and photos seen in other households."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service.db.engine import as_utc
from service.settings import Settings
from service.visits import flags as checks
from service.visits.photo_objects import SlotPhoto, photo_row
from service.visits.receipts import PHOTOS, VISITS, connection, utc


_PREVIOUS_VISIT = (
    select(VISITS.c.id, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at)
    .where(VISITS.c.submitted_by == bindparam("user_id"), VISITS.c.finished_at < bindparam("finished_at"),
           VISITS.c.lat.is_not(None))
    .order_by(VISITS.c.finished_at.desc())
    .limit(1)
)


async def previous_visit(session: AsyncSession, user_id: int, finished_at: datetime | None) -> checks.PreviousVisit | None:
    """The member's visit with a GPS fix that finished last before this one (phones send out of order)."""
    return await previous_visit_on(await connection(session), user_id, finished_at)


async def previous_visit_on(
    connection_: AsyncConnection, user_id: int, finished_at: datetime | None,
) -> checks.PreviousVisit | None:
    if finished_at is None:
        return None
    parameters = {"user_id": user_id, "finished_at": utc(finished_at)}
    row = (await connection_.execute(_PREVIOUS_VISIT, parameters)).first()
    if row is None:
        return None
    return checks.PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at))  # type: ignore[arg-type]


async def other_households_by_photo(
    session: AsyncSession, digests: list[str], household_id: uuid.UUID,
) -> dict[str, int]:
    """For each photo hash: in how many other households' visits it already appears."""
    if not digests:
        return {}
    query = (
        select(PHOTOS.c.sha256, func.count(VISITS.c.household_id.distinct()))
        .join(VISITS, VISITS.c.id == PHOTOS.c.visit_id)
        .where(PHOTOS.c.sha256.in_(sorted(set(digests))), VISITS.c.household_id != household_id)
        .group_by(PHOTOS.c.sha256)
    )
    return {digest: count for digest, count in (await (await connection(session)).execute(query)).all()}


async def photo_evidence(
    session: AsyncSession, settings: Settings, visit_id: uuid.UUID, household_id: uuid.UUID,
    fix: checks.Fix | None, started_at: datetime | None, finished_at: datetime | None,
    photos: list[SlotPhoto], now: datetime,
) -> tuple[list[dict], list[checks.Flag]]:
    """(visit_photos rows, flags) for photos entering a visit."""
    if not photos:
        return [], []
    reused = await other_households_by_photo(session, [p.processed.sha256 for p in photos], household_id)
    rows: list[dict] = []
    found: list[checks.Flag] = []
    for item in photos:
        taken_at = checks.exif_moment(item.processed.exif_time, item.processed.exif_offset)
        rows.append(photo_row(visit_id, item, taken_at, now))
        found.extend(checks.photo_flags(
            item.slot, exif_time=taken_at, exif_gps=item.processed.exif_gps, fix=fix,
            started_at=utc(started_at), finished_at=utc(finished_at), far_m=settings.far_from_household_m,
        ))
        flag = checks.reused_flag(item.slot, reused.get(item.processed.sha256, 0))
        if flag is not None:
            found.append(flag)
    return rows, found
