"""Photos entering a visit: their rows and flags, with the one database check (seen in other households?)."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncConnection

from service.settings import Settings
from service.visits import evidence_rules
from service.visits.models import PHOTOS, VISITS
from service.visits.photo_objects import SlotPhoto, photo_row
from service.visits.stored import utc


async def other_households_by_photo(
    connection: AsyncConnection,
    digests: list[str],
    household_id: uuid.UUID,
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
    return {digest: count for digest, count in (await connection.execute(query)).all()}


async def photo_evidence(
    connection: AsyncConnection,
    settings: Settings,
    visit_id: uuid.UUID,
    household_id: uuid.UUID,
    fix: evidence_rules.Fix | None,
    started_at: datetime | None,
    finished_at: datetime | None,
    photos: list[SlotPhoto],
    now: datetime,
) -> tuple[list[dict], list[evidence_rules.Flag]]:
    """(visit_photos rows, flags) for photos entering a visit."""
    if not photos:
        return [], []
    reused = await other_households_by_photo(connection, [p.processed.sha256 for p in photos], household_id)
    rows: list[dict] = []
    found: list[evidence_rules.Flag] = []
    for item in photos:
        taken_at = evidence_rules.exif_moment(item.processed.exif_time, item.processed.exif_offset)
        rows.append(photo_row(visit_id, item, taken_at, now))
        found.extend(
            evidence_rules.photo_flags(
                item.slot,
                exif_time=taken_at,
                exif_gps=item.processed.exif_gps,
                fix=fix,
                started_at=utc(started_at),
                finished_at=utc(finished_at),
                far_m=settings.far_from_household_m,
                time_slack=timedelta(minutes=settings.photo_time_slack_min),
            )
        )
        flag = evidence_rules.reused_flag(item.slot, reused.get(item.processed.sha256, 0))
        if flag is not None:
            found.append(flag)
    return rows, found
