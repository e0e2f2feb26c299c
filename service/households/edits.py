"""Households changed after they were created: edits (a member's location change waits for a supervisor,
locations.py) and merges of duplicates, whose visits and assessments follow the survivor in the same transaction.
Each change takes a new `change_seq` (changes.bump) after locking the rows, so phones re-sync it."""

from __future__ import annotations

import uuid
from typing import Any, cast

import msgspec
from sqlalchemy import CursorResult, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.services import require_open
from service.assessments.services import after_merge, refresh_households
from service.audit import services as audit
from service.auth.actor import Actor, Role
from service.common.text import valid_lat_lon
from service.db.engine import utcnow
from service.households import changes, locations
from service.households.models import Household
from service.households.schemas import HouseholdMerge, HouseholdOut, HouseholdUpdate, MergeResult
from service.households.services import MAX_MEMBERS, clean_text, household_in_scope, household_out
from service.visits.models import Visit

# Copied from a merged duplicate into the survivor when the survivor lacks them.
FILLABLE = ("official_code", "head_name", "address", "lat", "lon", "member_count")


async def update_household(
    session: AsyncSession,
    actor: Actor,
    household_id: uuid.UUID,
    data: HouseholdUpdate,
) -> HouseholdOut:
    household, area = await household_in_scope(session, actor, household_id, lock=True)
    if household.status == "merged":
        raise errors.DomainError(
            errors.HOUSEHOLD_MERGE_INVALID,
            "Hộ đã được gộp; hãy sửa hộ còn lại.",
            "The household was merged; edit the surviving one.",
            survivor=str(household.merged_into_id),
        )
    problems: list[dict] = []
    values: dict[str, Any] = {}
    for field, limit in (("official_code", 50), ("head_name", 200), ("address", 300)):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            values[field] = clean_text(value, field, limit, problems)
    for field in ("lat", "lon", "member_count", "elderly_only", "temporary_resident"):
        value = getattr(data, field)
        if value is not msgspec.UNSET:
            values[field] = value
    if data.status is not msgspec.UNSET:
        if data.status not in ("active", "moved"):
            problems.append({"field": "status", "code": "household.bad_status", "message": "active or moved"})
        values["status"] = data.status
    lat, lon = values.get("lat", household.lat), values.get("lon", household.lon)
    where = valid_lat_lon(lat, lon)
    if where:
        problems.append({"field": "lat", "code": "household.bad_location", "message": where})
    count = values.get("member_count")
    if count is not None and not 0 <= count <= MAX_MEMBERS:
        problems.append({"field": "member_count", "code": "household.bad_member_count", "message": f"0..{MAX_MEMBERS}"})
    if problems:
        raise errors.DomainError(errors.INVALID_DATA, errors=problems)
    if locations.needs_review(actor, household, values):
        # The location visits are checked against: a member's change waits for a supervisor (locations.py).
        await locations.propose(session, actor, household, area, values)
    changed = {k: v for k, v in values.items() if getattr(household, k) != v}
    if changed:
        for key, value in changed.items():
            setattr(household, key, value)
        household.updated_at = utcnow()
        household.change_seq = await changes.bump(session)
        await session.flush()
        await refresh_households(await session.connection(), [household.id])
    audit.record(session, actor, "update", "household", household.id)
    return household_out(household, area.code)


async def merge_households(
    session: AsyncSession,
    actor: Actor,
    household_id: uuid.UUID,
    data: HouseholdMerge,
) -> MergeResult:
    """Merges the duplicate `household_id` into `data.into`. Its visits (and households merged into it earlier)
    follow the survivor in this transaction. Repeating a done merge is harmless."""
    if data.into == household_id:
        raise errors.DomainError(
            errors.HOUSEHOLD_MERGE_INVALID,
            "Không thể gộp một hộ vào chính nó.",
            "A household cannot be merged into itself.",
        )
    # Lock both rows in a fixed order so two opposite merges cannot interleave.
    first, second = sorted([household_id, data.into], key=str)
    loaded = {
        first: await household_in_scope(session, actor, first, lock=True),
        second: await household_in_scope(session, actor, second, lock=True),
    }
    actor.require_role(Role.SUPERVISOR, Role.ADMIN)
    (source, source_area), (survivor, survivor_area) = loaded[household_id], loaded[data.into]
    if source.status == "merged":
        if source.merged_into_id == survivor.id:
            return MergeResult(
                survivor=household_out(survivor, survivor_area.code),
                merged=household_out(source, source_area.code),
                visits_moved=0,
            )
        raise errors.DomainError(
            errors.HOUSEHOLD_MERGE_INVALID,
            "Hộ này đã được gộp vào hộ khác.",
            "This household was already merged into another one.",
            survivor=str(source.merged_into_id),
        )
    if survivor.status == "merged":
        raise errors.DomainError(
            errors.HOUSEHOLD_MERGE_INVALID,
            "Hộ đích đã được gộp; hãy gộp vào hộ còn lại.",
            "The target was merged itself; merge into its survivor.",
            survivor=str(survivor.merged_into_id),
        )
    require_open(survivor_area)

    earlier = list(
        (
            await session.execute(
                select(Household).where(col(Household.merged_into_id) == source.id).with_for_update(key_share=True)
            )
        ).scalars()
    )
    now = utcnow()
    top = await changes.bump(session, count=2 + len(earlier))
    seqs = iter(range(top - 1 - len(earlier), top + 1))
    for row in earlier:
        row.merged_into_id, row.updated_at, row.change_seq = survivor.id, now, next(seqs)
    source.status, source.merged_into_id, source.updated_at = "merged", survivor.id, now
    source.change_seq = next(seqs)
    for field in FILLABLE:
        if getattr(survivor, field) is None and getattr(source, field) is not None:
            setattr(survivor, field, getattr(source, field))
    survivor.elderly_only = survivor.elderly_only or source.elderly_only
    survivor.temporary_resident = survivor.temporary_resident or source.temporary_resident
    survivor.updated_at, survivor.change_seq = now, next(seqs)
    await session.flush()
    # An UPDATE's result is a CursorResult (the only kind with a row count); execute() is typed as any Result.
    moved = cast(
        "CursorResult[Any]",
        await session.execute(
            update(Visit)
            .where(col(Visit.household_id) == source.id)
            .values(household_id=survivor.id, area_id=survivor_area.id, area_path=survivor_area.path)
            .execution_options(synchronize_session=False)
        ),
    ).rowcount
    await after_merge(await session.connection(), source.id, survivor.id)
    audit.record(session, actor, "merge", "household", source.id)
    return MergeResult(
        survivor=household_out(survivor, survivor_area.code),
        merged=household_out(source, source_area.code),
        visits_moved=moved or 0,
    )
