"""Resolves the caller from a device token, a login token (Bearer) or the page session cookie."""

from __future__ import annotations

from datetime import timedelta

from litestar import Request
from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.access.actor import Actor, Role
from service.access.models import Area, DeviceToken, LoginSession, User
from service.access.tokens import DEVICE_PREFIX, SESSION_PREFIX, token_hash
from service.db import as_utc, utcnow

SESSION_COOKIE = "gocua_session"


# A device token's last use is written at most this often, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(hours=1)


def presented_token(request: Request) -> str | None:
    """The credential of this request: `Authorization: Bearer …` first, else the page session cookie."""
    return _presented_token(request)


def _presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise errors.DomainError(errors.AUTH_INVALID)
        return value.strip()
    return request.cookies.get(SESSION_COOKIE)


def _caller_columns():  # type: ignore[no-untyped-def]
    return (User.id, User.username, User.full_name, User.role, User.team_id, User.area_id, User.active, Area.path)


def _actor_from_row(row, via: str) -> Actor:  # type: ignore[no-untyped-def]
    if not row.active:
        raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
    role = Role(row.role)
    return Actor(
        user_id=row.id, username=row.username, full_name=row.full_name, role=role, team_id=row.team_id,
        area_id=row.area_id, area_path=None if role == Role.ADMIN else row.path, via=via,
    )


async def authenticate(request: Request, session: AsyncSession) -> Actor:
    token = _presented_token(request)
    if not token:
        raise errors.DomainError(errors.AUTH_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    digest = token_hash(token)
    now = utcnow()
    if token.startswith(DEVICE_PREFIX):
        # One round trip: token, user and scope together (this runs on every phone request).
        device = (
            await session.execute(
                select(DeviceToken.id.label("token_id"), DeviceToken.last_used_at, *_caller_columns())
                .join(User, User.id == DeviceToken.user_id)
                .outerjoin(Area, Area.id == User.area_id)
                .where(DeviceToken.token_hash == digest, DeviceToken.revoked_at.is_(None))
            )
        ).one_or_none()
        if device is None:
            raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
        actor = _actor_from_row(device, "device")
        last_used = as_utc(device.last_used_at)
        if last_used is None or now - last_used > LAST_USED_RESOLUTION:
            await session.execute(
                update(DeviceToken).where(DeviceToken.id == device.token_id).values(last_used_at=now)
            )
        return actor
    if token.startswith(SESSION_PREFIX):
        login = (
            await session.execute(
                select(LoginSession.expires_at, *_caller_columns())
                .join(User, User.id == LoginSession.user_id)
                .outerjoin(Area, Area.id == User.area_id)
                .where(LoginSession.token_hash == digest, LoginSession.revoked_at.is_(None))
            )
        ).one_or_none()
        if login is None or as_utc(login.expires_at) <= now:
            raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
        return _actor_from_row(login, "session")
    raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})

