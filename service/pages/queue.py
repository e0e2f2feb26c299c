"""What the pages read: the review queue with its filters, the home page's figures, the filter choices.

Every query is scoped like the API: `area_path_filter` on the visits' path copy, `area_in_scope` on area ids.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from sqlalchemy import exists, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope as area_by_code_in_scope
from service.auth.actor import Actor
from service.auth.scope import area_in_scope, area_path_filter
from service.common.clock import local_day, local_day_start
from service.db.engine import as_utc
from service.db.tables import table_of
from service.households.models import Household
from service.people.models import Team, User
from service.reviews.models import VisitReview
from service.reviews.services import REVIEW_STATUSES
from service.tallies.coverage import AreaCoverage, coverage_of_area, home_area_code
from service.visits.evidence_rules import FLAG_CODES
from service.visits.models import FLAGS, PHOTOS, VISITS
from service.visits.stored import connection, newest_first_after, next_newest_cursor, older_than

AREAS = table_of(Area)
HOUSEHOLDS = table_of(Household)
USERS = table_of(User)
TEAMS = table_of(Team)
REVIEWS = table_of(VisitReview)
PAGE_SIZE = 25


@dataclass
class QueueFilter:
    area: str | None = None
    team: int | None = None
    member: int | None = None
    status: str = "pending"  # a review status, or "all"
    flag: str | None = None
    date_from: date | None = None
    date_to: date | None = None

    def query_string(self, **extra: str) -> str:
        values: dict[str, Any] = {
            "area": self.area,
            "team": self.team,
            "member": self.member,
            "status": self.status,
            "flag": self.flag,
            "from": self.date_from.isoformat() if self.date_from else None,
            "to": self.date_to.isoformat() if self.date_to else None,
            **extra,
        }
        return urlencode({k: v for k, v in values.items() if v not in (None, "")})


def _bad(name: str) -> errors.DomainError:
    return errors.DomainError(errors.BAD_QUERY, f"Bộ lọc '{name}' không hợp lệ.", f"The filter '{name}' is not valid.")


def _int(params: Mapping[str, str], name: str) -> int | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    if not raw.isdigit() or len(raw) > 10:
        raise _bad(name)
    return int(raw)


def _date(params: Mapping[str, str], name: str) -> date | None:
    raw = (params.get(name) or "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise _bad(name) from None


def parse_filter(params: Mapping[str, str]) -> QueueFilter:
    status = (params.get("status") or "pending").strip()
    if status != "all" and status not in REVIEW_STATUSES:
        raise _bad("status")
    flag = (params.get("flag") or "").strip() or None
    if flag is not None and flag != "any" and flag not in FLAG_CODES:
        raise _bad("flag")
    area = (params.get("area") or "").strip()[:50] or None
    return QueueFilter(
        area=area,
        team=_int(params, "team"),
        member=_int(params, "member"),
        status=status,
        flag=flag,
        date_from=_date(params, "from"),
        date_to=_date(params, "to"),
    )


@dataclass
class QueueItem:
    id: uuid.UUID
    household: str
    address: str | None
    village: str
    member: str
    on_behalf_of: str | None
    finished_at: datetime | None
    received_at: datetime
    review_status: str
    status: str
    flags: list[tuple[str, float | None]] = field(default_factory=list)
    thumb: str | None = None


@dataclass
class QueuePage:
    items: list[QueueItem]
    next: str | None


async def _filtered(session: AsyncSession, actor: Actor, f: QueueFilter) -> Any:
    behalf = USERS.alias("behalf")
    query = (
        select(
            VISITS.c.id,
            VISITS.c.finished_at,
            VISITS.c.received_at,
            VISITS.c.review_status,
            VISITS.c.status,
            HOUSEHOLDS.c.head_name,
            HOUSEHOLDS.c.address,
            AREAS.c.name.label("village"),
            USERS.c.full_name.label("member"),
            behalf.c.full_name.label("behalf"),
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.id == VISITS.c.household_id)
        .join(AREAS, AREAS.c.id == VISITS.c.area_id)
        .join(USERS, USERS.c.id == VISITS.c.submitted_by)
        .outerjoin(behalf, behalf.c.id == VISITS.c.on_behalf_of)
        .where(area_path_filter(VISITS.c.area_path, actor))
        .order_by(VISITS.c.received_at.desc(), VISITS.c.id.desc())
    )
    if f.area:
        root = await area_by_code_in_scope(session, actor, f.area)
        query = query.where(VISITS.c.area_path.startswith(root.path, autoescape=False))
    if f.team is not None:
        query = query.where(VISITS.c.team_id == f.team)
    if f.member is not None:
        query = query.where(or_(VISITS.c.submitted_by == f.member, VISITS.c.on_behalf_of == f.member))
    if f.status != "all":
        query = query.where(VISITS.c.review_status == f.status)
    if f.flag == "any":
        query = query.where(exists().where(FLAGS.c.visit_id == VISITS.c.id))
    elif f.flag:
        query = query.where(exists().where(FLAGS.c.visit_id == VISITS.c.id, FLAGS.c.code == f.flag))
    if f.date_from:
        query = query.where(VISITS.c.received_at >= local_day_start(f.date_from))
    if f.date_to:
        query = query.where(VISITS.c.received_at < local_day_start(f.date_to + timedelta(days=1)))
    return query


async def queue(
    session: AsyncSession, actor: Actor, f: QueueFilter, cursor: str | None, size: int = PAGE_SIZE
) -> QueuePage:
    query = await _filtered(session, actor, f)
    query = newest_first_after(query, cursor)
    conn = await connection(session)
    rows = (await conn.execute(query.limit(size + 1))).all()
    page = rows[:size]
    items = {
        row.id: QueueItem(
            id=row.id,
            household=row.head_name or "—",
            address=row.address,
            village=row.village,
            member=row.member,
            on_behalf_of=row.behalf,
            finished_at=as_utc(row.finished_at),
            received_at=as_utc(row.received_at),
            review_status=row.review_status,
            status=row.status,
        )
        for row in page
    }
    if items:
        ids = list(items)
        for visit_id, code, value in (
            await conn.execute(
                select(FLAGS.c.visit_id, FLAGS.c.code, FLAGS.c.value)
                .where(FLAGS.c.visit_id.in_(ids))
                .order_by(FLAGS.c.id)
            )
        ).all():
            items[visit_id].flags.append((code, value))
        for visit_id, question, index in (
            await conn.execute(
                select(PHOTOS.c.visit_id, PHOTOS.c.question, PHOTOS.c.idx)
                .where(PHOTOS.c.visit_id.in_(ids))
                .order_by(PHOTOS.c.visit_id, PHOTOS.c.question, PHOTOS.c.idx)
            )
        ).all():
            if items[visit_id].thumb is None:
                items[visit_id].thumb = f"/review/visits/{visit_id}/photos/{question}/{index}/thumb"
    return QueuePage(items=list(items.values()), next=next_newest_cursor(rows, size))


async def next_in_queue(session: AsyncSession, actor: Actor, f: QueueFilter, visit_id: uuid.UUID) -> uuid.UUID | None:
    """The visit after `visit_id` in the filtered queue (older arrival), or None at its end."""
    conn = await connection(session)
    current = (await conn.execute(select(VISITS.c.received_at).where(VISITS.c.id == visit_id))).scalar_one_or_none()
    if current is None:
        return None
    query = older_than(await _filtered(session, actor, f), as_utc(current), visit_id)
    row = (await conn.execute(query.limit(1))).first()
    return row.id if row is not None else None


@dataclass
class Choices:
    villages: list[tuple[str, str]]
    teams: list[tuple[int, str]]
    members: list[tuple[int, str]]


async def filter_choices(session: AsyncSession, actor: Actor) -> Choices:
    conn = await connection(session)
    # In tree order, indented by depth: a district supervisor picks a commune or one of its villages.
    areas = (
        await conn.execute(
            select(AREAS.c.code, AREAS.c.name, AREAS.c.depth)
            .where(area_path_filter(AREAS.c.path, actor))
            .order_by(AREAS.c.path)
            .limit(500)
        )
    ).all()
    top = min((r.depth for r in areas), default=0)
    teams = (
        await conn.execute(
            select(TEAMS.c.id, TEAMS.c.name)
            .where(area_in_scope(TEAMS.c.area_id, actor))
            .order_by(TEAMS.c.name)
            .limit(500)
        )
    ).all()
    members = (
        await conn.execute(
            select(USERS.c.id, USERS.c.full_name)
            .where(area_in_scope(USERS.c.area_id, actor), USERS.c.role.in_(("member", "leader")))
            .order_by(USERS.c.full_name)
            .limit(500)
        )
    ).all()
    return Choices(
        villages=[(r.code, "· " * (r.depth - top) + r.name) for r in areas],
        teams=[(r.id, r.name) for r in teams],
        members=[(r.id, r.full_name) for r in members],
    )


@dataclass
class HomeFigures:
    pending: int
    flagged: int
    today: dict[str, int]
    coverage: AreaCoverage | None  # None: no area to show (an admin before any area exists)


async def home_figures(session: AsyncSession, actor: Actor, now: datetime) -> HomeFigures:
    conn = await connection(session)
    scoped = area_path_filter(VISITS.c.area_path, actor)
    pending = (
        await conn.execute(select(func.count()).select_from(VISITS).where(scoped, VISITS.c.review_status == "pending"))
    ).scalar_one()
    flagged = (
        await conn.execute(
            select(func.count())
            .select_from(VISITS)
            .where(scoped, VISITS.c.review_status == "pending", exists().where(FLAGS.c.visit_id == VISITS.c.id))
        )
    ).scalar_one()
    today_start = local_day_start(local_day(now))
    today = {
        decision: count
        for decision, count in (
            await conn.execute(
                select(REVIEWS.c.decision, func.count())
                .join(VISITS, VISITS.c.id == REVIEWS.c.visit_id)
                .where(scoped, REVIEWS.c.at >= today_start)
                .group_by(REVIEWS.c.decision)
            )
        ).all()
    }
    area = await home_area_code(session, actor)
    covered = await coverage_of_area(session, actor, area) if area is not None else None
    return HomeFigures(
        pending=pending,
        flagged=flagged,
        today=today,
        coverage=covered,
    )
