"""Login limits that slow a guesser without locking the owner out, and that hold under concurrent guesses.

Two counters limit password checks: one per username *at an address* (GOCUA_LOGIN_MAX_FAILURES), one per
address (IP_FACTOR times as many, since one office NAT serves many honest people). No counter is per username
alone: whoever guesses from elsewhere cannot lock the admin out, who still gets in from their own address.

A check is *claimed* before it runs, in a short transaction holding the counters' row locks (SELECT … FOR
UPDATE on PostgreSQL; SQLite takes its one write lock at the first INSERT): the claim counts as a failure in
advance, and a claim at or past the limit sets `locked_until` with exponential backoff (GOCUA_LOGIN_BACKOFF_S,
doubling per further failure, at most GOCUA_LOGIN_WINDOW_S). While locked, a login is answered 429 with
Retry-After without checking the password, so 60 concurrent guesses get exactly `max_failures` checks. A
successful login forgives its claim. A counter forgets its failures after a quiet window.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import delete, or_, select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.auth.models import LoginThrottle
from service.db.engine import as_utc
from service.settings import Settings

IP_FACTOR = 4


def throttle_keys(username: str, ip: str, settings: Settings) -> dict[str, int]:
    """Each counter's key and how many failures it allows."""
    return {
        f"user:{username[:100]}@{ip[:64]}": settings.login_max_failures,
        f"ip:{ip[:64]}": settings.login_max_failures * IP_FACTOR,
    }


def _insert(session: AsyncSession) -> Callable[..., Any]:
    return pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert


def backoff(settings: Settings, past_limit: int) -> timedelta:
    seconds = settings.login_backoff_s * (2 ** min(past_limit, 30))
    return timedelta(seconds=min(seconds, settings.login_window_s))


async def claim_check(session: AsyncSession, settings: Settings, username: str, ip: str, now: datetime) -> int | None:
    """Claims one password check: None when it may run now (counted as a failure until forgiven), else the
    seconds to wait. Commits, so the claim holds whatever the request does next."""
    limits = throttle_keys(username, ip, settings)
    keys = sorted(limits)  # one lock order for every request: no deadlock between two claims
    insert = _insert(session)
    for key in keys:
        await session.execute(
            insert(LoginThrottle)
            .values(key=key, failures=0, last_failure_at=now)
            .on_conflict_do_nothing(index_elements=["key"])
        )
    rows = (
        await session.execute(
            select(
                col(LoginThrottle.key),
                col(LoginThrottle.failures),
                col(LoginThrottle.last_failure_at),
                col(LoginThrottle.locked_until),
            )
            .where(col(LoginThrottle.key).in_(keys))
            .order_by(col(LoginThrottle.key))
            .with_for_update()
        )
    ).all()
    quiet_since = now - timedelta(seconds=settings.login_window_s)
    waits = [
        (as_utc(row.locked_until) - now).total_seconds()
        for row in rows
        if row.locked_until is not None and as_utc(row.locked_until) > now
    ]
    if waits:
        await session.commit()
        return max(1, math.ceil(max(waits)))
    for row in rows:
        failures = (0 if as_utc(row.last_failure_at) < quiet_since else row.failures) + 1
        allowed = limits[row.key]
        locked_until = now + backoff(settings, failures - allowed) if failures >= allowed else None
        await session.execute(
            update(LoginThrottle)
            .where(col(LoginThrottle.key) == row.key)
            .values(failures=failures, last_failure_at=now, locked_until=locked_until)
        )
    await session.commit()
    return None


async def forgive_check(session: AsyncSession, settings: Settings, username: str, ip: str) -> None:
    """The claimed check found the right password: the username at this address starts afresh, and the
    address's counter drops the claim (and its lock, if this claim set it)."""
    limits = throttle_keys(username, ip, settings)
    pair_key, ip_key = list(limits)
    await session.execute(
        update(LoginThrottle).where(col(LoginThrottle.key) == pair_key).values(failures=0, locked_until=None)
    )
    await session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == ip_key, col(LoginThrottle.failures) > 0)
        .values(failures=col(LoginThrottle.failures) - 1)
    )
    await session.execute(
        update(LoginThrottle)
        .where(col(LoginThrottle.key) == ip_key, col(LoginThrottle.failures) < limits[ip_key])
        .values(locked_until=None)
    )


async def sweep(session: AsyncSession, settings: Settings, now: datetime) -> None:
    """Drops counters quiet for two windows and unlocked (they would reset anyway)."""
    quiet = now - timedelta(seconds=2 * settings.login_window_s)
    await session.execute(
        delete(LoginThrottle).where(
            col(LoginThrottle.last_failure_at) < quiet,
            or_(col(LoginThrottle.locked_until).is_(None), col(LoginThrottle.locked_until) < now),
        )
    )
