"""The activity log: record (exactly once per id), read, list by page, correct. Scoped like visits: a row carries
its area's path, a caller sees the rows under their scope root, and anything else answers 404."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

import msgspec
from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.activities import catalog, validation
from service.activities.models import Activity
from service.activities.schemas import ActivityEdit, ActivityIn, ActivityOut, _ActivityFields
from service.areas.models import Area
from service.areas.services import area_in_scope
from service.auth.actor import Actor, Role
from service.auth.scope import area_path_filter, path_prefix_filter
from service.db.engine import as_utc, utcnow
from service.db.tables import table_of
from service.http.paging import Page, clamp_limit, decode_cursor, encode_cursor
from service.people.models import Team

ACTIVITIES = table_of(Activity)
RECORDERS = (Role.LEADER, Role.SUPERVISOR)  # and admins; members log visits, their leader logs the team's work
EDITORS = (Role.SUPERVISOR,)  # and admins, and the leader who recorded it


def payload_hash(body: ActivityIn) -> str:
    """The content as sent, keys sorted: a retry of the same record has the same hash, whatever the field order."""
    return hashlib.sha256(msgspec.json.encode(msgspec.structs.asdict(body), order="sorted")).hexdigest()


async def _place(session: AsyncSession, actor: Actor, body: _ActivityFields) -> tuple[Area, int | None]:
    """The area the activity belongs to (in the caller's scope) and its village's team, if any."""
    if body.area is not None:
        area = await area_in_scope(session, actor, body.area)
    elif actor.area_id is not None:
        area = (await session.execute(select(Area).where(col(Area.id) == actor.area_id))).scalar_one()
    else:
        raise errors.DomainError(
            errors.ACTIVITY_INVALID,
            errors=[{"path": "area", "code": "activity.invalid", "message_vi": "Chọn địa bàn.", "message_en": "area?"}],
        )
    team = (await session.execute(select(col(Team.id)).where(col(Team.area_id) == area.id))).scalar_one_or_none()
    return area, team


def _out(row: Activity, area: Area, lang: str = "vi") -> ActivityOut:
    return ActivityOut(
        id=row.id,
        kind=row.kind,
        kind_name=catalog.name(catalog.KINDS, row.kind, lang),
        held_on=row.held_on,
        area=area.code,
        area_name=area.name,
        team_id=row.team_id,
        place=row.place,
        partner=row.partner,
        topic=row.topic,
        attendees=row.attendees,
        channel=row.channel,
        quantity=row.quantity,
        lat=row.lat,
        lon=row.lon,
        beneficiary_kind=row.beneficiary_kind,
        beneficiary=row.beneficiary,
        platform=row.platform,
        product=row.product,
        services=row.services,
        people_helped=row.people_helped,
        note=row.note,
        recorded_by=row.recorded_by,
        recorded_at=as_utc(row.recorded_at),
        updated_by=row.updated_by,
        updated_at=as_utc(row.updated_at),
    )


async def _load(session: AsyncSession, activity_id: uuid.UUID) -> tuple[Activity, Area] | None:
    row = (
        await session.execute(
            select(Activity, Area)
            .join(Area, col(Area.id) == col(Activity.area_id))
            .where(col(Activity.id) == activity_id)
        )
    ).first()
    return None if row is None else (row[0], row[1])


async def _replay(session: AsyncSession, actor: Actor, body: ActivityIn, digest: str) -> ActivityOut | None:
    """The stored record when this id was sent before: the same content is a retry (its receipt again), other
    content a conflict (also when the caller could not see it: a made-up id never reveals another's record)."""
    found = await _load(session, body.id)
    if found is None:
        return None
    row, area = found
    if row.payload_hash != digest or not actor.sees_path(row.area_path):
        raise errors.DomainError(errors.ACTIVITY_CONFLICT)
    return _out(row, area)


async def record(session: AsyncSession, actor: Actor, body: ActivityIn) -> tuple[ActivityOut, bool]:
    """Store a new activity; (receipt, created). Sending the same record again answers the same receipt."""
    actor.require_role(*RECORDERS)
    digest = payload_hash(body)
    again = await _replay(session, actor, body, digest)
    if again is not None:
        return again, False
    values = validation.columns(body)
    area, team_id = await _place(session, actor, body)
    assert area.id is not None
    row = Activity(
        id=body.id,
        area_id=area.id,
        area_path=area.path,
        team_id=team_id,
        payload_hash=digest,
        recorded_by=actor.user_id,
        recorded_at=utcnow(),
        **values,
    )
    try:
        async with session.begin_nested():  # a concurrent copy of the same send may have won the race
            session.add(row)
    except IntegrityError:
        session.expunge(row)
        again = await _replay(session, actor, body, digest)
        if again is None:
            raise
        return again, False
    return _out(row, area), True


async def get(session: AsyncSession, actor: Actor, activity_id: uuid.UUID) -> ActivityOut:
    found = await _load(session, activity_id)
    if found is None:
        raise errors.DomainError(errors.NOT_FOUND)
    actor.require_in_scope(found[0].area_path)
    return _out(*found)


async def edit(session: AsyncSession, actor: Actor, activity_id: uuid.UUID, body: ActivityEdit) -> ActivityOut:
    """Correct a record (supervisors of its area, or the leader who recorded it). The retry hash is left as it
    was, so a phone's late resend of the original still gets its 2xx."""
    found = await _load(session, activity_id)
    if found is None:
        raise errors.DomainError(errors.NOT_FOUND)
    row, _ = found
    actor.require_in_scope(row.area_path)
    if not (row.recorded_by == actor.user_id and actor.role == Role.LEADER):
        actor.require_role(*EDITORS)
    values = validation.columns(body)
    area, team_id = await _place(session, actor, body) if body.area is not None else (found[1], row.team_id)
    assert area.id is not None
    values.update(area_id=area.id, area_path=area.path, team_id=team_id, updated_by=actor.user_id, updated_at=utcnow())
    await session.execute(update(ACTIVITIES).where(ACTIVITIES.c.id == activity_id).values(**values))
    await session.refresh(row)
    return _out(row, area)


def _cursor_filter(cursor: str | None) -> Any:
    position = decode_cursor(cursor, tuple[date, uuid.UUID])
    if position is None:
        return None
    held_on, last_id = position
    return or_(col(Activity.held_on) < held_on, and_(col(Activity.held_on) == held_on, col(Activity.id) < last_id))


async def filters(
    session: AsyncSession, actor: Actor, area: str | None, kind: str | None, start: date | None, end: date | None
) -> list[Any]:
    """WHERE clauses of a list or an export: the caller's scope, and the asked area, kind and dates."""
    clauses: list[Any] = [area_path_filter(col(Activity.area_path), actor)]
    if area is not None:
        root = await area_in_scope(session, actor, area)
        clauses.append(path_prefix_filter(col(Activity.area_path), root.path))
    if kind is not None:
        if kind not in catalog.KINDS:
            raise errors.DomainError(errors.BAD_QUERY, "Loại hoạt động không hợp lệ.", "Unknown activity kind.")
        clauses.append(col(Activity.kind) == kind)
    if start is not None:
        clauses.append(col(Activity.held_on) >= start)
    if end is not None:
        clauses.append(col(Activity.held_on) <= end)
    return clauses


async def list_activities(
    session: AsyncSession,
    actor: Actor,
    *,
    area: str | None,
    kind: str | None,
    start: date | None,
    end: date | None,
    cursor: str | None,
    limit: int | None,
) -> Page[ActivityOut]:
    """Newest first (by the day it was held), paged by (held_on, id)."""
    size = clamp_limit(limit)
    clauses = await filters(session, actor, area, kind, start, end)
    after = _cursor_filter(cursor)
    if after is not None:
        clauses.append(after)
    rows = (
        await session.execute(
            select(Activity, Area)
            .join(Area, col(Area.id) == col(Activity.area_id))
            .where(*clauses)
            .order_by(col(Activity.held_on).desc(), col(Activity.id).desc())
            .limit(size + 1)
        )
    ).all()
    items = [_out(row[0], row[1]) for row in rows[:size]]
    last = items[-1] if len(rows) > size else None
    return Page(items=items, next=encode_cursor([last.held_on.isoformat(), str(last.id)]) if last else None)
