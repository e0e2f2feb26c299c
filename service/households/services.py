"""Households: creation from phones (idempotent by client UUID), reading, and incremental sync (updates and merges
are in edits.py).

Functions other domains call (the visits engineer codes against these):

    await get_household_for_visit(session, actor, household_id) -> Household
    await create_household_from_visit(session, actor, payload: HouseholdCreate | dict) -> Household
    await household_village(session, household) -> Area
    await set_household_location_if_missing(session, household_id, lat, lon) -> bool

Any other change to a household row must also take a new number (`changes.bump`), after locking the row.

Every change to a household takes a new `change_seq` from `service.households.changes.bump`, so phones re-sync
exactly what changed (merged and moved households included, so phones can drop or re-point them).
"""

from __future__ import annotations

import hashlib
import uuid
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope, require_open
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor
from service.common.text import clean_name, valid_lat_lon
from service.db.engine import as_utc, utcnow
from service.db.tables import row_id
from service.households import changes
from service.households.models import Household
from service.households.schemas import (
    HouseholdCreate,
    HouseholdOut,
    HouseholdSyncPage,
)
from service.households.visit_state import visit_states
from service.http.ids import INT64_MAX, cursor_int
from service.http.paging import clamp_limit, encode_cursor

MAX_MEMBERS = 200


def household_out(row: Household, area_code: str) -> HouseholdOut:
    return HouseholdOut(
        id=row.id,
        area_code=area_code,
        official_code=row.official_code,
        head_name=row.head_name,
        address=row.address,
        lat=row.lat,
        lon=row.lon,
        member_count=row.member_count,
        elderly_only=row.elderly_only,
        temporary_resident=row.temporary_resident,
        status=row.status,
        merged_into=row.merged_into_id,
        created_at=as_utc(row.created_at),
        updated_at=as_utc(row.updated_at),
        seq=row.change_seq,
    )


def _not_found(household_id: object) -> errors.DomainError:
    return errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy hộ {household_id}.", f"No household {household_id}.")


async def _load(session: AsyncSession, household_id: uuid.UUID, *, lock: bool = False) -> tuple[Household, Area] | None:
    query = (
        select(Household, Area)
        .join(Area, col(Area.id) == col(Household.area_id))
        .where(col(Household.id) == household_id)
        .execution_options(populate_existing=True)
    )
    if lock:
        query = query.with_for_update(of=Household, key_share=True)
    row = (await session.execute(query)).one_or_none()
    return (row[0], row[1]) if row else None


async def household_in_scope(
    session: AsyncSession,
    actor: Actor,
    household_id: uuid.UUID,
    *,
    lock: bool = False,
) -> tuple[Household, Area]:
    """The household and its village, if the caller sees it; otherwise 404."""
    found = await _load(session, household_id, lock=lock)
    if found is None or not actor.sees_path(found[1].path):
        raise _not_found(household_id)
    return found


async def get_household(session: AsyncSession, actor: Actor, household_id: uuid.UUID) -> HouseholdOut:
    household, area = await household_in_scope(session, actor, household_id)
    audit.record(session, actor, "view", "household", household.id)
    return household_out(household, area.code)


# ---- creation ------------------------------------------------------------------------------------------------


def clean_text(value: str | None, field: str, limit: int, problems: list[dict]) -> str | None:
    text = clean_name(value)
    if text is not None and len(text) > limit:
        problems.append({"field": field, "code": "household.too_long", "message": f"at most {limit} characters"})
    return text


def normalized_content(data: HouseholdCreate, area_id: int) -> dict[str, Any]:
    """The creation content as stored, validated; its hash decides whether a repeated id is a retry."""
    problems: list[dict] = []
    content = {
        "area_id": area_id,
        "official_code": clean_text(data.official_code, "official_code", 50, problems),
        "head_name": clean_text(data.head_name, "head_name", 200, problems),
        "address": clean_text(data.address, "address", 300, problems),
        "lat": data.lat,
        "lon": data.lon,
        "member_count": data.member_count,
        "elderly_only": bool(data.elderly_only),
        "temporary_resident": bool(data.temporary_resident),
    }
    where = valid_lat_lon(data.lat, data.lon)
    if where:
        problems.append({"field": "lat", "code": "household.bad_location", "message": where})
    if data.member_count is not None and not 0 <= data.member_count <= MAX_MEMBERS:
        problems.append({"field": "member_count", "code": "household.bad_member_count", "message": f"0..{MAX_MEMBERS}"})
    if problems:
        raise errors.DomainError(errors.INVALID_DATA, errors=problems)
    return content


def content_hash(content: dict[str, Any]) -> str:
    return hashlib.sha256(msgspec.json.encode(content, order="sorted")).hexdigest()


async def _creation_area(session: AsyncSession, actor: Actor, area_code: str | None) -> Area:
    if area_code is None:
        if actor.role not in FIELD_ROLES or actor.area_id is None:
            raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "area", "code": "household.area_required"}])
        area = (await session.execute(select(Area).where(col(Area.id) == actor.area_id))).scalar_one()
    else:
        area = await area_in_scope(session, actor, area_code)
    if actor.role in FIELD_ROLES and area.id != actor.area_id:
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy địa bàn {area_code}.", f"No area {area_code}.")
    require_open(area)
    return area


async def create_household(session: AsyncSession, actor: Actor, data: HouseholdCreate) -> tuple[HouseholdOut, bool]:
    """(household, created). The same id with the same content again is a retry: (current state, False)."""
    household, area, created = await _create(session, actor, data)
    return household_out(household, area.code), created


async def _create(session: AsyncSession, actor: Actor, data: HouseholdCreate) -> tuple[Household, Area, bool]:
    area = await _creation_area(session, actor, data.area)
    content = normalized_content(data, row_id(area))
    digest = content_hash(content)
    existing = await _load(session, data.id)
    if existing is None:
        now = utcnow()
        try:
            async with session.begin_nested():
                seq = await changes.bump(session)
                row = Household(
                    id=data.id,
                    **content,
                    status="active",
                    created_by=actor.user_id,
                    created_at=now,
                    updated_at=now,
                    change_seq=seq,
                    create_hash=digest,
                )
                session.add(row)
                await session.flush()
            return row, area, True
        except IntegrityError:  # the same id created concurrently: judge it like any repeat
            existing = await _load(session, data.id)
            if existing is None:
                raise
    household, village = existing
    if household.create_hash != digest or not actor.sees_path(village.path):
        raise errors.DomainError(errors.HOUSEHOLD_CONFLICT)
    return household, village, False


async def create_household_from_visit(
    session: AsyncSession,
    actor: Actor,
    payload: HouseholdCreate | dict[str, Any],
) -> Household:
    """For a visit's `new_household {…}`: same rules as `POST /api/v1/households` (own village for members,
    idempotent by id: a retry returns the existing row, different content raises household.conflict 409)."""
    data = payload if isinstance(payload, HouseholdCreate) else _convert(payload)
    household, _, _ = await _create(session, actor, data)
    return household


def _convert(payload: dict[str, Any]) -> HouseholdCreate:
    try:
        return msgspec.convert(payload, HouseholdCreate)
    except msgspec.ValidationError as exc:
        raise errors.DomainError(
            errors.INVALID_DATA, errors=[{"field": "new_household", "code": "household.invalid", "message": str(exc)}]
        ) from exc


async def get_household_for_visit(session: AsyncSession, actor: Actor, household_id: uuid.UUID) -> Household:
    """The household a visit goes to. 404 when the caller does not see it. When it was merged, the survivor
    is returned (a phone that was offline during the merge still files its visit in the right place)."""
    household, _ = await household_in_scope(session, actor, household_id)
    for _ in range(32):  # merge chains are flattened on merge; the bound only guards against bad data
        if household.merged_into_id is None:
            break
        survivor = await session.get(Household, household.merged_into_id, populate_existing=True)
        if survivor is None:
            break
        household = survivor
    return household


async def set_household_location_if_missing(
    session: AsyncSession,
    household_id: uuid.UUID,
    lat: float,
    lon: float,
) -> bool:
    """A household without a known location takes this one (a visit's first good GPS fix). Returns whether it
    did. Takes a new change number, so phones re-sync the location; locks the row before the counter, the
    order every household writer uses.

    Household rows are locked FOR NO KEY UPDATE everywhere (`key_share=True`): no writer changes a household's
    id, and a plain FOR UPDATE would wait on the KEY SHARE locks that inserting a visit or an assessment takes
    on its household (the foreign key) — two visits to one unlocated household in flight together then
    deadlocked, each holding the key lock the other's FOR UPDATE waited for."""
    row = (
        await session.execute(
            select(Household)
            .where(col(Household.id) == household_id)
            .with_for_update(key_share=True)
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if row is None or row.lat is not None or row.lon is not None or valid_lat_lon(lat, lon):
        return False
    row.lat, row.lon, row.updated_at = lat, lon, utcnow()
    row.change_seq = await changes.bump(session)
    await session.flush()
    return True


async def household_village(session: AsyncSession, household: Household) -> Area:
    """The village (Area) a household belongs to: its `id` and `path` go on visit rows."""
    return (await session.execute(select(Area).where(col(Area.id) == household.area_id))).scalar_one()


# ---- listing and sync ----------------------------------------------------------------------------------------


async def sync_households(
    session: AsyncSession,
    actor: Actor,
    *,
    area: str | None,
    updated_since: str | None,
    limit: int | None,
) -> HouseholdSyncPage:
    """Households changed after the cursor, oldest change first; merged and moved ones included."""
    size = clamp_limit(limit)
    since = cursor_int(updated_since, INT64_MAX)
    query = (
        select(Household, col(Area.code))
        .join(Area, col(Area.id) == col(Household.area_id))
        .where(col(Household.change_seq) > since)
        .order_by(col(Household.change_seq))
        .limit(size + 1)
    )
    root: Area | None = None
    if area is not None:
        root = await area_in_scope(session, actor, area)
    elif not actor.is_admin:
        if actor.area_id is None:
            raise _not_found("*")
        root = await session.get(Area, actor.area_id)
    if root is not None:
        ids = list((await session.execute(select(col(Area.id)).where(col(Area.path).startswith(root.path)))).scalars())
        if len(ids) == 1:  # a village: the (area_id, change_seq) index answers directly
            query = query.where(col(Household.area_id) == ids[0])
        elif len(ids) <= 5000:
            query = query.where(col(Household.area_id).in_(ids))
        else:
            query = query.where(col(Area.path).startswith(root.path))
    rows = (await session.execute(query)).all()
    items = [household_out(h, code) for h, code in rows[:size]]
    states = await visit_states(await session.connection(), [item.id for item in items])
    for item in items:
        item.visit = states.get(item.id)
    last = items[-1].seq if items else since
    audit.record(session, actor, "sync", "households", root.code if root else "*")
    return HouseholdSyncPage(items=items, next=encode_cursor(last), has_more=len(rows) > size)
