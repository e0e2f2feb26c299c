"""Members: every user (member, leader, supervisor, admin), scoped by role.

Who sees whom: admins everyone; supervisors the users of their subtree; leaders their own team; members only
themselves. Who manages whom: admins everyone; supervisors members and leaders in their subtree.
"""

from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import ColumnElement
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope, require_open
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor, Role
from service.auth.models import DeviceToken, LoginSession
from service.auth.passwords import MAX_LENGTH, MIN_LENGTH, hash_password
from service.auth.scope import area_path_filter
from service.common.text import clean_name, normalize_username, username_problem
from service.db.engine import as_utc, utcnow
from service.db.tables import row_id
from service.http.ids import cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor
from service.people.models import User
from service.people.schemas import MemberCreate, MemberOut, MemberUpdate
from service.people.teams import ensure_team

ROLES = {r.value for r in Role}


def member_out(user: User, area_code: str | None) -> MemberOut:
    return MemberOut(
        id=row_id(user),
        username=user.username,
        full_name=user.full_name,
        phone=user.phone,
        role=user.role,
        team_id=user.team_id,
        area_code=area_code,
        has_smartphone=user.has_smartphone,
        active=user.active,
        created_at=as_utc(user.created_at),
    )


def visible_users(actor: Actor) -> ColumnElement[bool]:
    """Clause over User (outer-joined with its Area) for the users the caller may see."""
    if actor.is_admin:
        return col(User.id).is_not(None)
    if actor.role == Role.SUPERVISOR:
        return area_path_filter(col(Area.path), actor)
    if actor.role == Role.LEADER and actor.team_id is not None:
        return col(User.team_id) == actor.team_id
    return col(User.id) == actor.user_id


async def user_in_scope(session: AsyncSession, actor: Actor, user_id: int) -> tuple[User, Area | None]:
    row = (
        await session.execute(
            select(User, Area)
            .outerjoin(Area, col(Area.id) == col(User.area_id))
            .where(col(User.id) == user_id, visible_users(actor))
        )
    ).one_or_none()
    if row is None:
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy người dùng {user_id}.", f"No user {user_id}.")
    return row[0], row[1]


def require_manager_of(actor: Actor, target_role: str) -> None:
    """Admins manage everyone; supervisors manage members and leaders; nobody else manages users."""
    if actor.is_admin:
        return
    if actor.role == Role.SUPERVISOR and target_role in FIELD_ROLES:
        return
    raise errors.DomainError(errors.FORBIDDEN)


async def get_member(session: AsyncSession, actor: Actor, user_id: int) -> MemberOut:
    user, area = await user_in_scope(session, actor, user_id)
    audit.record(session, actor, "view", "member", user.id)
    return member_out(user, area.code if area else None)


async def list_members(
    session: AsyncSession,
    actor: Actor,
    *,
    area: str | None,
    team_id: int | None,
    role: str | None,
    include_inactive: bool,
    cursor: str | None,
    limit: int | None,
) -> Page[MemberOut]:
    size = clamp_limit(limit)
    after = cursor_int(cursor)
    query = (
        select(User, col(Area.code))
        .outerjoin(Area, col(Area.id) == col(User.area_id))
        .where(visible_users(actor), col(User.id) > after)
        .order_by(col(User.id))
        .limit(size + 1)
    )
    if area is not None:
        under = await area_in_scope(session, actor, area)
        query = query.where(col(Area.path).startswith(under.path))
    if team_id is not None:
        query = query.where(col(User.team_id) == team_id)
    if role is not None:
        query = query.where(col(User.role) == _check_role(role).value)
    if not include_inactive:
        query = query.where(col(User.active))
    rows = (await session.execute(query)).all()
    items = [member_out(user, code) for user, code in rows[:size]]
    return Page(items=items, next=encode_cursor(rows[size - 1][0].id) if len(rows) > size else None)


def check_password(password: str) -> None:
    if len(password) < MIN_LENGTH or len(password) > MAX_LENGTH:
        raise errors.DomainError(
            errors.PASSWORD_TOO_SHORT,
            f"Mật khẩu cần từ {MIN_LENGTH} đến {MAX_LENGTH} ký tự.",
            f"A password needs {MIN_LENGTH}–{MAX_LENGTH} characters.",
            errors=[{"field": "password"}],
        )


def _check_role(role: str) -> Role:
    if role not in ROLES:
        raise errors.DomainError(
            errors.INVALID_DATA,
            errors=[{"field": "role", "code": "user.bad_role", "message": f"one of {sorted(ROLES)}"}],
        )
    return Role(role)


async def placement(
    session: AsyncSession, actor: Actor | None, role: Role, area_code: str | None
) -> tuple[int | None, int | None, bool]:
    """(area_id, team_id, team_created) for a user of `role` placed at `area_code`, checked against scope."""
    if role == Role.ADMIN:
        return None, None, False
    if area_code is None:
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "area", "code": "user.area_required"}])
    area = await (area_in_scope(session, actor, area_code) if actor else _area_or_invalid(session, area_code))
    require_open(area)
    if role in FIELD_ROLES:
        team, created = await ensure_team(session, area)
        return area.id, team.id, created
    return area.id, None, False


async def _area_or_invalid(session: AsyncSession, code: str) -> Area:
    area = (await session.execute(select(Area).where(col(Area.code) == code))).scalar_one_or_none()
    if area is None:
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy địa bàn {code}.", f"No area {code}.")
    return area


def _clean_username(raw: str) -> str:
    username = normalize_username(raw)
    problem = username_problem(username)
    if problem:
        raise errors.DomainError(
            errors.INVALID_DATA, errors=[{"field": "username", "code": "user.bad_username", "message": problem}]
        )
    return username


def _clean_full_name(raw: str | None) -> str:
    name = clean_name(raw)
    if not name or len(name) > 200:
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "full_name", "code": "user.bad_name"}])
    return name


def _clean_phone(raw: str | None) -> str | None:
    phone = clean_name(raw)
    if phone is not None and (len(phone) > 30 or not all(c.isdigit() or c in "+ .-()" for c in phone)):
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "phone", "code": "user.bad_phone"}])
    return phone


async def create_member(session: AsyncSession, actor: Actor, data: MemberCreate) -> MemberOut:
    role = _check_role(data.role)
    require_manager_of(actor, role)
    username = _clean_username(data.username)
    full_name = _clean_full_name(data.full_name)
    phone = _clean_phone(data.phone)
    area_id, team_id, _ = await placement(session, actor, role, data.area)
    password_hash = None
    if data.password is not None:
        check_password(data.password)
        password_hash = await hash_password(data.password)
    user = User(
        username=username,
        full_name=full_name,
        phone=phone,
        role=role.value,
        team_id=team_id,
        area_id=area_id,
        password_hash=password_hash,
        has_smartphone=data.has_smartphone,
        created_at=utcnow(),
    )
    await insert_user(session, user)
    code = (await session.execute(select(col(Area.code)).where(col(Area.id) == area_id))).scalar() if area_id else None
    return member_out(user, code)


async def insert_user(session: AsyncSession, user: User) -> None:
    taken = (await session.execute(select(col(User.id)).where(col(User.username) == user.username))).scalar()
    if taken is not None:
        raise errors.DomainError(
            errors.USERNAME_TAKEN, f"Tên đăng nhập {user.username} đã có.", f"Username {user.username} is taken."
        )
    try:
        async with session.begin_nested():
            session.add(user)
            await session.flush()
    except IntegrityError as exc:  # a concurrent request took the same username
        raise errors.DomainError(errors.USERNAME_TAKEN) from exc


async def update_member(session: AsyncSession, actor: Actor, user_id: int, data: MemberUpdate) -> MemberOut:
    user, area = await user_in_scope(session, actor, user_id)
    require_manager_of(actor, user.role)
    if data.role is not None or data.area is not None:
        role = _check_role(data.role) if data.role is not None else Role(user.role)
        require_manager_of(actor, role)
        area_code = data.area if data.area is not None else (area.code if area else None)
        user.area_id, user.team_id, _ = await placement(session, actor, role, area_code)
        user.role = role.value
    if data.full_name is not None:
        user.full_name = _clean_full_name(data.full_name)
    if data.phone is not None:
        user.phone = _clean_phone(data.phone)
    if data.has_smartphone is not None:
        user.has_smartphone = data.has_smartphone
    if data.password is not None:
        check_password(data.password)
        user.password_hash = await hash_password(data.password)
        await revoke_sessions(session, row_id(user))
    if data.active is not None and data.active != user.active:
        await _set_active(session, actor, user, data.active)
    await session.flush()
    code = (
        (await session.execute(select(col(Area.code)).where(col(Area.id) == user.area_id))).scalar()
        if user.area_id
        else None
    )
    return member_out(user, code)


async def deactivate_member(session: AsyncSession, actor: Actor, user_id: int) -> None:
    user, _ = await user_in_scope(session, actor, user_id)
    require_manager_of(actor, user.role)
    await _set_active(session, actor, user, False)


async def _set_active(session: AsyncSession, actor: Actor, user: User, active: bool) -> None:
    if not active and user.id == actor.user_id:
        raise errors.DomainError(
            errors.CONFLICT, "Không thể tự khóa tài khoản của mình.", "You cannot deactivate your own account."
        )
    user.active = active
    if not active:  # visits keep pointing at the user; their credentials stop working at once
        await revoke_sessions(session, row_id(user))
        await session.execute(
            update(DeviceToken)
            .where(col(DeviceToken.user_id) == user.id, col(DeviceToken.revoked_at).is_(None))
            .values(revoked_at=utcnow())
        )
    await session.flush()


async def revoke_sessions(session: AsyncSession, user_id: int) -> None:
    await session.execute(
        update(LoginSession)
        .where(col(LoginSession.user_id) == user_id, col(LoginSession.revoked_at).is_(None))
        .values(revoked_at=utcnow())
    )
