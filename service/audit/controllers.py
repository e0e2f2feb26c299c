"""HTTP: the access log (admins): who looked at or changed which household or person, and when."""

from __future__ import annotations

from datetime import datetime

import msgspec
from litestar import get
from litestar.params import FromQuery
from sqlalchemy import select
from sqlmodel import col

from service.audit.models import AccessLog
from service.auth.actor import Role
from service.common.text import nfc
from service.db.engine import as_utc
from service.db.tables import row_id
from service.http.deps import CurrentActor, DbSession
from service.http.ids import INT64_MAX, QueryId, cursor_int
from service.http.paging import Page, PageLimit, clamp_limit, encode_cursor
from service.people.models import User


class AccessLogEntry(msgspec.Struct, kw_only=True):
    id: int
    user_id: int | None
    username: str | None
    action: str
    object_type: str
    object_id: str
    at: datetime


@get("/api/v1/access-log", tags=["audit"], summary="Who looked at what, newest first (admins)")
async def list_access_log(
    db_session: DbSession,
    actor: CurrentActor,
    object_type: FromQuery[str | None] = None,
    object_id: FromQuery[str | None] = None,
    user_id: QueryId = None,
    cursor: FromQuery[str | None] = None,
    limit: PageLimit = None,
) -> Page[AccessLogEntry]:
    actor.require_role(Role.ADMIN)
    size = clamp_limit(limit)
    before = cursor_int(cursor, INT64_MAX) or None
    query = (
        select(AccessLog, col(User.username))
        .outerjoin(User, col(User.id) == col(AccessLog.user_id))
        .order_by(col(AccessLog.id).desc())
        .limit(size + 1)
    )
    if before is not None:
        query = query.where(col(AccessLog.id) < before)
    if object_type is not None:
        query = query.where(col(AccessLog.object_type) == nfc(object_type))
    if object_id is not None:
        query = query.where(col(AccessLog.object_id) == nfc(object_id))
    if user_id is not None:
        query = query.where(col(AccessLog.user_id) == user_id)
    rows = (await db_session.execute(query)).all()
    items = [
        AccessLogEntry(
            id=row_id(e),
            user_id=e.user_id,
            username=name,
            action=e.action,
            object_type=e.object_type,
            object_id=e.object_id,
            at=as_utc(e.at),
        )
        for e, name in rows[:size]
    ]
    return Page(items=items, next=encode_cursor(rows[size - 1][0].id) if len(rows) > size else None)
