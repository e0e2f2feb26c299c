"""Password login (Bearer token or page cookie), logout, rate limiting, and "who am I".

Login limits: service/auth/throttle.py (per username at an address, and per address; claimed before checking).
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.auth import throttle
from service.auth.actor import Actor
from service.auth.csrf import csrf_token
from service.auth.models import DeviceToken, LoginSession
from service.auth.passwords import MAX_LENGTH, hash_password, verify_password
from service.auth.schemas import AreaRef, FileLimits, LoginRequest, LoginResult, Me, PasswordChange, TeamRef
from service.auth.tokens import DEVICE_PREFIX, SESSION_PREFIX, new_token, token_hash
from service.common.text import normalize_username
from service.db.engine import utcnow
from service.db.tables import row_id
from service.people.models import Team, User
from service.people.services import check_password
from service.settings import Settings

log = logging.getLogger("gocua.auth")


async def me(session: AsyncSession, user_id: int, via: str, settings: Settings | None = None) -> Me:
    user, team, area = (
        await session.execute(
            select(User, Team, Area)
            .outerjoin(Team, col(Team.id) == col(User.team_id))
            .outerjoin(Area, col(Area.id) == col(User.area_id))
            .where(col(User.id) == user_id)
        )
    ).one()
    return Me(
        id=row_id(user),
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        team=TeamRef(id=row_id(team), name=team.name) if team else None,
        area=AreaRef(code=area.code, name=area.name, level=area.level) if area else None,
        has_smartphone=user.has_smartphone,
        via=via,
        file_limits=(
            FileLimits(
                audio_bytes=settings.max_audio_bytes,
                video_bytes=settings.max_video_bytes,
                file_bytes=settings.max_file_bytes,
            )
            if settings is not None
            else None
        ),
    )


async def login(session: AsyncSession, settings: Settings, data: LoginRequest, ip: str) -> LoginResult:
    """The password check is claimed (and committed) before it runs, so the limit counts every check."""
    username = normalize_username(data.username)[:100]
    now = utcnow()
    wait = await throttle.claim_check(session, settings, username, ip, now)
    if wait is not None:
        raise errors.DomainError(errors.LOGIN_RATE_LIMITED, headers={"Retry-After": str(wait)}, retry_after_s=wait)
    user = (await session.execute(select(User).where(col(User.username) == username))).scalar_one_or_none()
    password = data.password if len(data.password) <= MAX_LENGTH else ""
    ok, rehash = await verify_password(user.password_hash if user and user.active else None, password)
    # One line per real password check: what fail2ban-style tools and the login-limit test count.
    log.info("password check: username=%r address=%s result=%s", username, ip, "ok" if ok and user else "failed")
    if not ok or user is None:
        await throttle.sweep(session, settings, now)
        await session.commit()
        raise errors.DomainError(errors.LOGIN_FAILED, headers={"WWW-Authenticate": "Bearer"})
    if rehash:
        user.password_hash = await hash_password(password)
    await throttle.forgive_check(session, settings, username, ip)
    token = new_token(SESSION_PREFIX)
    expires = now + timedelta(hours=settings.session_hours)
    session.add(LoginSession(user_id=row_id(user), token_hash=token_hash(token), created_at=now, expires_at=expires))
    await session.flush()
    return LoginResult(
        token=token, expires_at=expires, user=await me(session, row_id(user), "session"), csrf_token=csrf_token(token)
    )


async def logout(session: AsyncSession, token: str | None) -> None:
    """Revokes the credential this request came with (a login session, or a phone's device token)."""
    if not token:
        return
    digest, now = token_hash(token), utcnow()
    if token.startswith(SESSION_PREFIX):
        await session.execute(
            update(LoginSession)
            .where(col(LoginSession.token_hash) == digest, col(LoginSession.revoked_at).is_(None))
            .values(revoked_at=now)
        )
    elif token.startswith(DEVICE_PREFIX):
        await session.execute(
            update(DeviceToken)
            .where(col(DeviceToken.token_hash) == digest, col(DeviceToken.revoked_at).is_(None))
            .values(revoked_at=now)
        )


async def change_password(session: AsyncSession, actor: Actor, data: PasswordChange, keep_token: str | None) -> None:
    user = await session.get(User, actor.user_id)
    ok, _ = await verify_password(user.password_hash if user else None, data.current_password[:MAX_LENGTH])
    if not ok or user is None:
        raise errors.DomainError(errors.WRONG_CURRENT_PASSWORD)
    check_password(data.new_password)
    user.password_hash = await hash_password(data.new_password)
    # Other sessions end; the one making the change stays.
    keep = token_hash(keep_token) if keep_token else ""
    await session.execute(
        update(LoginSession)
        .where(
            col(LoginSession.user_id) == user.id,
            col(LoginSession.token_hash) != keep,
            col(LoginSession.revoked_at).is_(None),
        )
        .values(revoked_at=utcnow())
    )
    await session.flush()
