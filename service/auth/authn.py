"""Resolves the caller from a device token, a login token (Bearer) or the page session cookie."""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from sqlalchemy import Row, Select, String, Update, any_, bindparam, select, update
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.auth.actor import Actor, Role
from service.auth.models import DeviceToken, LoginSession
from service.auth.tokens import DEVICE_PREFIX, SESSION_PREFIX, token_hash
from service.db.batching import Coalescer, KeyLoader
from service.db.engine import as_utc, utcnow
from service.db.pg_raw import RecordRow, asyncpg_sql, driver_of
from service.people.models import User

SESSION_COOKIE = "gocua_session"
# The caller, once resolved for this request (by the guard in service/http/guard.py, before any body is read).
ACTOR_SCOPE_KEY = "gocua.actor"


# A device token's last use is written at most this often, so reads stay reads.
LAST_USED_RESOLUTION = timedelta(hours=1)


def presented_token(request: Request) -> str | None:
    """The credential of this request: `Authorization: Bearer …` first, else the page session cookie."""
    return _presented_token(request)


Connection = ASGIConnection[Any, Any, Any, Any]


def raw_header(request: Connection, name: bytes) -> str | None:
    # Straight from the ASGI scope: building Litestar's Headers object costs more than the whole lookup.
    for key, value in request.scope["headers"]:
        if key == name:
            return value.decode("latin-1")
    return None


def _presented_token(request: Connection) -> str | None:
    return presented_credential(request)[0]


def presented_credential(request: Connection) -> tuple[str | None, bool]:
    """(token, came from the session cookie). A cookie is sent by the browser on its own, so only a
    cookie-borne credential needs the cross-site checks; a Bearer token is always the caller's own doing."""
    header = raw_header(request, b"authorization")
    if header:
        scheme, _, value = header.partition(" ")
        if scheme.lower() != "bearer" or not value.strip():
            raise errors.DomainError(errors.AUTH_INVALID)
        return value.strip(), False
    cookie = request.cookies.get(SESSION_COOKIE)
    return cookie, bool(cookie)


def _caller_columns() -> tuple[Any, ...]:
    return (
        col(User.id),
        col(User.username),
        col(User.full_name),
        col(User.role),
        col(User.team_id),
        col(User.area_id),
        col(User.active),
        col(Area.path),
    )


def _actor_from_row(row: Row[Any] | RecordRow, via: str) -> Actor:
    if not row.active:
        raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
    role = Role(row.role)
    return Actor(
        user_id=row.id,
        username=row.username,
        full_name=row.full_name,
        role=role,
        team_id=row.team_id,
        area_id=row.area_id,
        area_path=None if role == Role.ADMIN else row.path,
        via=via,
    )


_DEVICE_QUERY = (
    select(
        col(DeviceToken.token_hash),
        col(DeviceToken.id).label("token_id"),
        col(DeviceToken.last_used_at),
        *_caller_columns(),
    )
    .join(User, col(User.id) == col(DeviceToken.user_id))
    .outerjoin(Area, col(Area.id) == col(User.area_id))
    .where(col(DeviceToken.revoked_at).is_(None))
)
_SESSION_QUERY = (
    select(col(LoginSession.token_hash), col(LoginSession.expires_at), *_caller_columns())
    .join(User, col(User.id) == col(LoginSession.user_id))
    .outerjoin(Area, col(Area.id) == col(User.area_id))
    .where(col(LoginSession.revoked_at).is_(None))
)


def _by_hash(query: Select, token_hash: Any) -> tuple[Select, str]:
    """`query` for a list of token hashes: the SQLAlchemy statement, and its SQL for asyncpg (PostgreSQL).
    Built once: building a statement per lookup cost about as much CPU as running it."""
    return (
        query.where(token_hash.in_(bindparam("digests", expanding=True))),
        asyncpg_sql(query.where(token_hash == any_(bindparam("digests", type_=ARRAY(String)))), ["digests"]),
    )


_DEVICES_BY_HASH = _by_hash(_DEVICE_QUERY, col(DeviceToken.token_hash))
_SESSIONS_BY_HASH = _by_hash(_SESSION_QUERY, col(LoginSession.token_hash))


class _RecentRows:
    """Rows found in the last `ttl_s` seconds, by token hash. Bounded: when full it starts over."""

    def __init__(self, ttl_s: float, max_entries: int = 20_000) -> None:
        self._ttl_s = ttl_s
        self._max_entries = max_entries
        self._rows: dict[str, tuple[float, Any]] = {}

    def get(self, digest: str) -> Any | None:
        entry = self._rows.get(digest)
        if entry is None:
            return None
        if entry[0] < time.monotonic():
            del self._rows[digest]
            return None
        return entry[1]

    def put(self, digest: str, row: Any) -> None:
        if len(self._rows) >= self._max_entries:
            self._rows.clear()
        self._rows[digest] = (time.monotonic() + self._ttl_s, row)

    def forget(self, digest: str) -> None:
        self._rows.pop(digest, None)

    def clear(self) -> None:
        self._rows.clear()


class _CachedLoader:
    """A KeyLoader whose found rows are reused for `ttl_s` (0: every use asks the database)."""

    def __init__(self, loader: KeyLoader[str, Any], ttl_s: float) -> None:
        self._loader = loader
        self._recent = _RecentRows(ttl_s) if ttl_s > 0 else None

    async def load(self, digest: str) -> Any | None:
        if self._recent is None:
            return await self._loader.load(digest)
        row = self._recent.get(digest)
        if row is None:
            row = await self._loader.load(digest)
            if row is not None:  # an unknown token is asked again next time: it may be issued meanwhile
                self._recent.put(digest, row)
        return row

    def forget(self, digest: str) -> None:
        if self._recent is not None:
            self._recent.forget(digest)

    def forget_all(self) -> None:
        if self._recent is not None:
            self._recent.clear()


class TokenLookup:
    """Token → caller rows, read on the lookup's own connection, batched across concurrent requests.

    Every phone request starts here; sharing one query between the requests in flight saves a round trip
    each, and the request's own transaction is not opened just to authenticate. A found row is reused for
    `cache_s` seconds (GOCUA_TOKEN_CACHE_S, under a second), so a revoked token or a deactivated member stops
    working within that time in every worker; in the worker that revokes it, at once.
    """

    def __init__(self, engine: AsyncEngine, *, linger_s: float = 0.001, cache_s: float = 0.0) -> None:
        on_postgresql = engine.dialect.name == "postgresql"

        async def load(queries: tuple[Select, str], digests: list[str]) -> dict[str, Any]:
            async with engine.connect() as connection:
                if not on_postgresql:
                    rows = (await connection.execute(queries[0], {"digests": digests})).all()
                    return {row.token_hash: row for row in rows}
                # One statement needs no transaction: no BEGIN and ROLLBACK round trips.
                await connection.execution_options(isolation_level="AUTOCOMMIT")
                records = await (await driver_of(connection)).fetch(queries[1], digests)
            return {record["token_hash"]: RecordRow(record) for record in records}

        # A millisecond of waiting lets the requests arriving together share one query (each costs ~0.2 ms
        # of CPU here, more than waiting costs them).
        self.device = _CachedLoader(
            KeyLoader(lambda digests: load(_DEVICES_BY_HASH, digests), linger_s=linger_s), cache_s
        )
        self.session = _CachedLoader(
            KeyLoader(lambda digests: load(_SESSIONS_BY_HASH, digests), linger_s=linger_s), cache_s
        )
        self._engine = engine
        # A token's first use of the hour is written down; when thousands of phones start up together those
        # writes share one UPDATE and one COMMIT per batch (one transaction each held the first pass over a
        # province's 19,000 tokens to ~200 requests/s).
        self._touches: Coalescer[tuple[int, datetime], None] = Coalescer(self._touch_many, linger_s=linger_s)

    def forget(self, token: str) -> None:
        """Drops a revoked token from this worker's recent rows (other workers drop it within `cache_s`)."""
        digest = token_hash(token)
        self.device.forget(digest)
        self.session.forget(digest)

    def forget_all(self) -> None:
        self.device.forget_all()
        self.session.forget_all()

    async def touch(self, token_id: int, moment: datetime) -> None:
        """Records a device token's use (for callers without a request session), in a short transaction shared
        with the other uses recorded at the same moment; returns once it is committed."""
        await self._touches.submit((token_id, moment))

    async def _touch_many(self, uses: list[tuple[int, datetime]]) -> list[None]:
        # One time for the batch (its latest, milliseconds apart): uses are kept to the hour (LAST_USED_RESOLUTION).
        # Ids in order, so two workers' batches lock shared rows in the same order and never deadlock.
        moment = max(used_at for _, used_at in uses)
        async with self._engine.begin() as connection:
            await connection.execute(
                update(DeviceToken)
                .where(col(DeviceToken.id).in_(sorted({token_id for token_id, _ in uses})))
                .values(last_used_at=moment)
            )
        return [None] * len(uses)


async def forget_recent_callers(request: Request) -> None:
    """After a change to people or their credentials is committed, this worker reads callers afresh."""
    if request.method != "GET":
        request.app.state.token_lookup.forget_all()


def _touch(token_id: int, moment: datetime) -> Update:
    return update(DeviceToken).where(col(DeviceToken.id) == token_id).values(last_used_at=moment)


async def _device_row(session: AsyncSession | None, lookup: TokenLookup | None, digest: str) -> Row | None:
    if lookup is not None:
        return await lookup.device.load(digest)
    assert session is not None, "authenticate() needs a session or a lookup"
    return (await session.execute(_DEVICE_QUERY.where(col(DeviceToken.token_hash) == digest))).one_or_none()


async def _session_row(session: AsyncSession | None, lookup: TokenLookup | None, digest: str) -> Row | None:
    if lookup is not None:
        return await lookup.session.load(digest)
    assert session is not None, "authenticate() needs a session or a lookup"
    return (await session.execute(_SESSION_QUERY.where(col(LoginSession.token_hash) == digest))).one_or_none()


async def authenticate(request: Connection, session: AsyncSession | None, lookup: TokenLookup | None = None) -> Actor:
    """The caller. Without a `session` (a route that opens its own), `lookup` is required and records uses."""
    # The ASGI scope is a TypedDict that does not list our key; the caller is cached under it per request.
    scope: dict[str, Any] = request.scope  # type: ignore[assignment]
    known: Actor | None = scope.get(ACTOR_SCOPE_KEY)
    if known is not None:
        return known
    actor = await _authenticate(request, session, lookup)
    scope[ACTOR_SCOPE_KEY] = actor
    return actor


async def _authenticate(request: Connection, session: AsyncSession | None, lookup: TokenLookup | None) -> Actor:
    token = _presented_token(request)
    if not token:
        raise errors.DomainError(errors.AUTH_REQUIRED, headers={"WWW-Authenticate": "Bearer"})
    digest = token_hash(token)
    now = utcnow()
    if token.startswith(DEVICE_PREFIX):
        device = await _device_row(session, lookup, digest)
        if device is None:
            raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
        actor = _actor_from_row(device, "device")
        last_used = as_utc(device.last_used_at)
        if last_used is None or now - last_used > LAST_USED_RESOLUTION:
            if session is None:
                assert lookup is not None
                await lookup.touch(device.token_id, now)
            else:
                await session.execute(_touch(device.token_id, now))
            if lookup is not None:  # the recent row still holds the old time: read the new one next
                lookup.device.forget(digest)
        return actor
    if token.startswith(SESSION_PREFIX):
        login = await _session_row(session, lookup, digest)
        if login is None or as_utc(login.expires_at) <= now:
            raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})
        return _actor_from_row(login, "session")
    raise errors.DomainError(errors.AUTH_INVALID, headers={"WWW-Authenticate": "Bearer"})


async def device_token_actor(token: str, lookup: TokenLookup) -> Actor | None:
    """The caller a device token names when it comes in the URL path (OpenRosa clients cannot send a Bearer
    token), or None when it is unknown, revoked or its person deactivated. Records the use like `authenticate`."""
    if not token.startswith(DEVICE_PREFIX):
        return None
    digest = token_hash(token)
    device = await lookup.device.load(digest)
    if device is None or not device.active:
        return None
    actor = _actor_from_row(device, "device")
    now = utcnow()
    last_used = as_utc(device.last_used_at)
    if last_used is None or now - last_used > LAST_USED_RESOLUTION:
        await lookup.touch(device.token_id, now)
        lookup.device.forget(digest)
    return actor
