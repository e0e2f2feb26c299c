"""Teams (Tổ CNSCĐ): one per village. Admins and supervisors manage those in their scope."""

from __future__ import annotations

from sqlalchemy import exists, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope, require_open
from service.auth.actor import Actor, Role
from service.auth.scope import area_path_filter
from service.common.text import clean_name
from service.db.engine import as_utc, utcnow
from service.db.tables import row_id
from service.http.ids import cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor
from service.people.models import Team, User
from service.people.schemas import TeamCreate, TeamOut, TeamUpdate
from service.visits.models import Visit

MANAGERS = (Role.SUPERVISOR, Role.ADMIN)


def team_out(team: Team, area: Area) -> TeamOut:
    return TeamOut(
        id=row_id(team), name=team.name, area_code=area.code, area_name=area.name, created_at=as_utc(team.created_at)
    )


def _visible(actor: Actor) -> ColumnElement[bool]:
    if actor.role in (Role.MEMBER, Role.LEADER):
        return col(Team.id) == (actor.team_id if actor.team_id is not None else -1)
    return area_path_filter(col(Area.path), actor)


async def team_in_scope(session: AsyncSession, actor: Actor, team_id: int) -> tuple[Team, Area]:
    row = (
        await session.execute(
            select(Team, Area)
            .join(Area, col(Area.id) == col(Team.area_id))
            .where(col(Team.id) == team_id, _visible(actor))
        )
    ).one_or_none()
    if row is None:
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy tổ {team_id}.", f"No team {team_id}.")
    return row[0], row[1]


async def get_team(session: AsyncSession, actor: Actor, team_id: int) -> TeamOut:
    return team_out(*await team_in_scope(session, actor, team_id))


async def list_teams(
    session: AsyncSession,
    actor: Actor,
    *,
    area: str | None,
    cursor: str | None,
    limit: int | None,
) -> Page[TeamOut]:
    size = clamp_limit(limit)
    after = cursor_int(cursor)
    query = (
        select(Team, Area)
        .join(Area, col(Area.id) == col(Team.area_id))
        .where(_visible(actor), col(Team.id) > after)
        .order_by(col(Team.id))
        .limit(size + 1)
    )
    if area is not None:
        under = await area_in_scope(session, actor, area)
        query = query.where(col(Area.path).startswith(under.path))
    rows = (await session.execute(query)).all()
    items = [team_out(team, area_row) for team, area_row in rows[:size]]
    return Page(items=items, next=encode_cursor(rows[size - 1][0].id) if len(rows) > size else None)


def default_team_name(village: Area) -> str:
    return f"Tổ CNSCĐ {village.name}"[:200]


async def ensure_team(session: AsyncSession, village: Area, name: str | None = None) -> tuple[Team, bool]:
    """The village's team, created when missing. Returns (team, created)."""
    team = (await session.execute(select(Team).where(col(Team.area_id) == village.id))).scalar_one_or_none()
    if team is not None:
        return team, False
    team = Team(area_id=row_id(village), name=name or default_team_name(village), created_at=utcnow())
    session.add(team)
    await session.flush()
    return team, True


async def create_team(session: AsyncSession, actor: Actor, data: TeamCreate) -> TeamOut:
    actor.require_role(*MANAGERS)
    village = await area_in_scope(session, actor, data.area)
    require_open(village)
    name = clean_name(data.name)
    if name is not None and len(name) > 200:
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "name", "code": "team.bad_name"}])
    team, created = await ensure_team(session, village, name)
    if not created:
        raise errors.DomainError(
            errors.TEAM_EXISTS,
            f"Thôn {village.code} đã có tổ (mã {team.id}).",
            f"Village {village.code} already has team {team.id}.",
            team_id=team.id,
        )
    return team_out(team, village)


async def update_team(session: AsyncSession, actor: Actor, team_id: int, data: TeamUpdate) -> TeamOut:
    team, area = await team_in_scope(session, actor, team_id)
    actor.require_role(*MANAGERS)
    name = clean_name(data.name)
    if not name or len(name) > 200:
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "name", "code": "team.bad_name"}])
    team.name = name
    await session.flush()
    return team_out(team, area)


async def delete_team(session: AsyncSession, actor: Actor, team_id: int) -> None:
    team, _ = await team_in_scope(session, actor, team_id)
    actor.require_role(*MANAGERS)
    busy = (
        await session.execute(
            select(exists().where(col(User.team_id) == team.id) | exists().where(col(Visit.team_id) == team.id))
        )
    ).scalar()
    if busy:
        raise errors.DomainError(errors.TEAM_NOT_EMPTY)
    await session.delete(team)
    await session.flush()
