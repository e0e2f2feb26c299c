"""Password login (Bearer token or page cookie), logout, rate limiting, and "who am I".

Failed logins are rows in `login_attempts`, so the limit holds across workers. A username is refused after
`login_max_failures` failures within `login_window_s`; an IP after IP_FACTOR times as many (one office NAT
serves many honest people). While refused, even the right password answers 429 with Retry-After.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.auth.actor import Actor
from service.auth.schemas import AreaRef, LoginRequest, LoginResult, Me, PasswordChange, TeamRef
from service.people.services import check_password
from service.areas.models import Area
from service.auth.models import DeviceToken, LoginAttempt, LoginSession
from service.people.models import Team, User
from service.auth.passwords import MAX_LENGTH, hash_password, verify_password
from service.common.text import normalize_username
from service.auth.csrf import csrf_token
from service.auth.tokens import DEVICE_PREFIX, SESSION_PREFIX, new_token, token_hash
from service.db.engine import as_utc, utcnow
from service.settings import Settings

IP_FACTOR = 4


async def me(session: AsyncSession, user_id: int, via: str) -> Me:
    user, team, area = (await session.execute(
        select(User, Team, Area).outerjoin(Team, Team.id == User.team_id).outerjoin(Area, Area.id == User.area_id)
        .where(User.id == user_id)
    )).one()
    return Me(id=user.id, username=user.username, full_name=user.full_name, role=user.role,
              team=TeamRef(id=team.id, name=team.name) if team else None,
              area=AreaRef(code=area.code, name=area.name, level=area.level) if area else None,
              has_smartphone=user.has_smartphone, via=via)


async def _retry_after(session: AsyncSession, settings: Settings, username: str, ip: str, now: datetime) -> int | None:
    """Seconds until a login may be tried again, or None when it may be tried now."""
    since = now - timedelta(seconds=settings.login_window_s)
    waits: list[float] = []
    for column, value, allowed in ((LoginAttempt.username, username, settings.login_max_failures),
                                   (LoginAttempt.ip, ip, settings.login_max_failures * IP_FACTOR)):
        times = list((await session.execute(
            select(LoginAttempt.at).where(column == value, LoginAttempt.at > since)
            .order_by(LoginAttempt.at.desc()).limit(allowed)
        )).scalars())
        if len(times) >= allowed:
            # Free again when the oldest of the last `allowed` failures leaves the window.
            waits.append((as_utc(times[-1]) + timedelta(seconds=settings.login_window_s) - now).total_seconds())
    return max(1, math.ceil(max(waits))) if waits else None


async def login(session: AsyncSession, settings: Settings, data: LoginRequest, ip: str) -> LoginResult:
    """Commits the failure record itself before raising, so the limit counts failures the request rolls back."""
    username = normalize_username(data.username)[:100]
    now = utcnow()
    wait = await _retry_after(session, settings, username, ip, now)
    if wait is not None:
        raise errors.DomainError(errors.LOGIN_RATE_LIMITED, headers={"Retry-After": str(wait)}, retry_after_s=wait)
    user = (await session.execute(select(User).where(User.username == username))).scalar_one_or_none()
    password = data.password if len(data.password) <= MAX_LENGTH else ""
    ok, rehash = await verify_password(user.password_hash if user and user.active else None, password)
    if not ok or user is None:
        session.add(LoginAttempt(username=username, ip=ip[:64], at=now))
        await session.execute(delete(LoginAttempt).where(
            LoginAttempt.at < now - timedelta(seconds=max(settings.login_window_s, 60) * 2)))
        await session.commit()
        raise errors.DomainError(errors.LOGIN_FAILED, headers={"WWW-Authenticate": "Bearer"})
    if rehash:
        user.password_hash = await hash_password(password)
    await session.execute(delete(LoginAttempt).where(LoginAttempt.username == username))
    token = new_token(SESSION_PREFIX)
    expires = now + timedelta(hours=settings.session_hours)
    session.add(LoginSession(user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=expires))
    await session.flush()
    return LoginResult(token=token, expires_at=expires, user=await me(session, user.id, "session"),
                       csrf_token=csrf_token(token))


async def logout(session: AsyncSession, token: str | None) -> None:
    """Revokes the credential this request came with (a login session, or a phone's device token)."""
    if not token:
        return
    digest, now = token_hash(token), utcnow()
    if token.startswith(SESSION_PREFIX):
        await session.execute(update(LoginSession).where(LoginSession.token_hash == digest,
                                                         LoginSession.revoked_at.is_(None)).values(revoked_at=now))
    elif token.startswith(DEVICE_PREFIX):
        await session.execute(update(DeviceToken).where(DeviceToken.token_hash == digest,
                                                        DeviceToken.revoked_at.is_(None)).values(revoked_at=now))


async def change_password(session: AsyncSession, actor: Actor, data: PasswordChange, keep_token: str | None) -> None:
    user = await session.get(User, actor.user_id)
    ok, _ = await verify_password(user.password_hash if user else None, data.current_password[:MAX_LENGTH])
    if not ok or user is None:
        raise errors.DomainError(errors.WRONG_CURRENT_PASSWORD)
    check_password(data.new_password)
    user.password_hash = await hash_password(data.new_password)
    # Other sessions end; the one making the change stays.
    keep = token_hash(keep_token) if keep_token else ""
    await session.execute(update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.token_hash != keep,
                                                     LoginSession.revoked_at.is_(None)).values(revoked_at=utcnow()))
    await session.flush()
