"""The area tree: lookups in scope, listing, creating and closing areas."""

from __future__ import annotations

from sqlalchemy import and_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.areas.schemas import AreaCreate, AreaOut
from service.auth.actor import Actor, Role
from service.auth.scope import area_path_filter
from service.common.text import area_code_ok, clean_name, nfc, valid_lat_lon
from service.db.engine import as_utc, utcnow
from service.http.ids import cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor

LEVEL_MAX = 30


def area_out(area: Area, parent_code: str | None) -> AreaOut:
    return AreaOut(
        code=area.code,
        name=area.name,
        level=area.level,
        parent_code=parent_code,
        depth=area.depth,
        lat=area.lat,
        lon=area.lon,
        closed_at=as_utc(area.closed_at),
    )


async def find_area(session: AsyncSession, code: str) -> Area | None:
    return (await session.execute(select(Area).where(col(Area.code) == nfc(code)))).scalar_one_or_none()


async def area_in_scope(session: AsyncSession, actor: Actor, code: str) -> Area:
    """The area with `code` if the caller sees it; otherwise 404 (whether or not it exists)."""
    area = await find_area(session, code)
    if area is None:
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy địa bàn {code}.", f"No area {code}.")
    actor.require_in_scope(area.path)
    return area


async def parent_code_of(session: AsyncSession, area: Area) -> str | None:
    if area.parent_id is None:
        return None
    return (await session.execute(select(col(Area.code)).where(col(Area.id) == area.parent_id))).scalar_one()


async def get_area(session: AsyncSession, actor: Actor, code: str) -> AreaOut:
    area = await area_in_scope(session, actor, code)
    return area_out(area, await parent_code_of(session, area))


async def list_areas(
    session: AsyncSession,
    actor: Actor,
    *,
    parent: str | None,
    level: str | None,
    include_closed: bool,
    cursor: str | None,
    limit: int | None,
) -> Page[AreaOut]:
    size = clamp_limit(limit)
    after = cursor_int(cursor)
    parent_area = aliased(Area)
    query = (
        select(Area, col(parent_area.code))
        .outerjoin(parent_area, col(parent_area.id) == col(Area.parent_id))
        .where(area_path_filter(col(Area.path), actor), col(Area.id) > after)
        .order_by(col(Area.id))
        .limit(size + 1)
    )
    if parent is not None:
        parent_row = await area_in_scope(session, actor, parent)
        query = query.where(col(Area.parent_id) == parent_row.id)
    if level is not None:
        query = query.where(col(Area.level) == nfc(level).lower())
    if not include_closed:
        query = query.where(col(Area.closed_at).is_(None))
    rows = (await session.execute(query)).all()
    items = [area_out(area, code) for area, code in rows[:size]]
    next_cursor = encode_cursor(rows[size - 1][0].id) if len(rows) > size else None
    return Page(items=items, next=next_cursor)


def check_area_fields(code: str, name: str | None, level: str, lat: float | None, lon: float | None) -> list[dict]:
    problems: list[dict] = []
    if not area_code_ok(code):
        problems.append(
            {"field": "code", "code": "area.bad_code", "message": "1–50 characters: letters, digits, '.', '_' or '-'"}
        )
    if not name or len(name) > 200:
        problems.append({"field": "name", "code": "area.bad_name", "message": "1–200 characters"})
    if not level or len(level) > LEVEL_MAX:
        problems.append({"field": "level", "code": "area.bad_level", "message": f"1–{LEVEL_MAX} characters"})
    where = valid_lat_lon(lat, lon)
    if where:
        problems.append({"field": "lat", "code": "area.bad_location", "message": where})
    return problems


async def insert_area(
    session: AsyncSession,
    *,
    code: str,
    name: str,
    level: str,
    parent: Area | None,
    lat: float | None = None,
    lon: float | None = None,
) -> Area:
    area = Area(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        path="",
        depth=(parent.depth + 1) if parent else 0,
        lat=lat,
        lon=lon,
    )
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await session.flush()
    return area


async def create_area(session: AsyncSession, actor: Actor, data: AreaCreate) -> AreaOut:
    actor.require_role(Role.ADMIN)
    code, name, level = nfc(data.code), clean_name(data.name), nfc(data.level).lower()
    problems = check_area_fields(code, name, level, data.lat, data.lon)
    if problems:
        raise errors.DomainError(errors.INVALID_DATA, errors=problems)
    parent = None
    if data.parent is not None:
        parent = await find_area(session, data.parent)
        if parent is None:
            raise errors.DomainError(
                errors.INVALID_DATA,
                f"Không có địa bàn cha {data.parent}.",
                f"No parent area {data.parent}.",
                errors=[{"field": "parent", "code": "area.unknown_parent"}],
            )
        if parent.closed_at is not None:
            raise errors.DomainError(
                errors.AREA_CLOSED, f"Địa bàn cha {parent.code} đã đóng.", f"The parent area {parent.code} is closed."
            )
    if await find_area(session, code) is not None:
        raise errors.DomainError(errors.AREA_EXISTS, f"Mã {code} đã tồn tại.", f"Area {code} already exists.")
    area = await insert_area(
        session, code=code, name=name or "", level=level, parent=parent, lat=data.lat, lon=data.lon
    )
    return area_out(area, parent.code if parent else None)


async def close_area(session: AsyncSession, actor: Actor, code: str) -> AreaOut:
    """Closes the area and everything under it. Closed areas stay (visits refer to them) but take no new data."""
    actor.require_role(Role.ADMIN)
    area = await area_in_scope(session, actor, code)
    now = utcnow()
    await session.execute(
        update(Area)
        .where(and_(col(Area.path).startswith(area.path), col(Area.closed_at).is_(None)))
        .values(closed_at=now)
    )
    await session.refresh(area)
    return area_out(area, await parent_code_of(session, area))


def require_open(area: Area) -> None:
    if area.closed_at is not None:
        raise errors.DomainError(errors.AREA_CLOSED, f"Địa bàn {area.code} đã đóng.", f"Area {area.code} is closed.")
