"""For supervisors: the OpenRosa submissions refused with 409 (another XML under a stored instanceID), kept so the
data is not lost — e.g. the same form edited in two Enketo tabs. Scoped like visits: the supervisor's area."""

from __future__ import annotations

import uuid
from datetime import datetime

import msgspec
from litestar import get
from litestar.params import FromQuery
from sqlalchemy import select

from service.auth.actor import Role
from service.db.engine import as_utc
from service.db.tables import table_of
from service.http.deps import CurrentActor, DbSession
from service.http.ids import INT64_MAX, cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor
from service.openrosa.models import OpenRosaConflict
from service.visits.models import VISITS

CONFLICTS = table_of(OpenRosaConflict)


class RefusedSubmission(msgspec.Struct, kw_only=True):
    id: int
    # The stored visit whose instanceID this copy carried.
    visit_id: uuid.UUID
    form_id: str
    instance_id: str
    submitted_by: int
    device_id: str | None
    received_at: datetime
    # The refused instance XML as it came.
    xml: str


@get("/api/v1/openrosa/conflicts", tags=["openrosa"], summary="Refused OpenRosa copies (409), newest first")
async def list_openrosa_conflicts(
    db_session: DbSession,
    actor: CurrentActor,
    cursor: FromQuery[str | None] = None,
    limit: FromQuery[int | None] = None,
) -> Page[RefusedSubmission]:
    actor.require_role(Role.SUPERVISOR, Role.ADMIN)
    size = clamp_limit(limit)
    before = cursor_int(cursor, INT64_MAX) or INT64_MAX
    query = (
        select(CONFLICTS)
        .join(VISITS, VISITS.c.id == CONFLICTS.c.visit_id)
        .where(CONFLICTS.c.id < before)
        .order_by(CONFLICTS.c.id.desc())
        .limit(size + 1)
    )
    if actor.area_path is not None:
        query = query.where(VISITS.c.area_path.startswith(actor.area_path))
    rows = (await db_session.execute(query)).all()
    items = [
        RefusedSubmission(
            id=row.id,
            visit_id=row.visit_id,
            form_id=row.form_id,
            instance_id=row.instance_id,
            submitted_by=row.submitted_by,
            device_id=row.device_id,
            received_at=as_utc(row.received_at),
            xml=bytes(row.xml).decode("utf-8", errors="replace"),
        )
        for row in rows[:size]
    ]
    return Page(items=items, next=encode_cursor(rows[size - 1].id) if len(rows) > size else None)
