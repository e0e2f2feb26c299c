"""A supervisor's review of a visit: approve, or reject with a note (the one write among the reads)."""

from __future__ import annotations

import uuid

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.audit import services as audit
from service.auth.actor import Actor, Role
from service.db.engine import utcnow
from service.visits.models import VISITS
from service.visits.schemas import ReviewOut, ReviewRequest
from service.visits.stored import connection
from service.visits.visibility import visible_to

_DECISIONS = {"approve": "approved", "reject": "rejected"}


async def review_visit(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: ReviewRequest) -> ReviewOut:
    conn = await connection(session)
    row = (await conn.execute(
        select(VISITS.c.submitted_by, VISITS.c.on_behalf_of, VISITS.c.area_path).where(VISITS.c.id == visit_id)
    )).first()
    if row is None or not visible_to(actor, row):
        raise errors.DomainError(errors.NOT_FOUND)
    actor.require_role(Role.SUPERVISOR)
    note = (data.note or "").strip() or None
    if data.decision == "reject" and note is None:
        raise errors.DomainError(errors.VISIT_REVIEW_NOTE_REQUIRED)
    now = utcnow()
    status = _DECISIONS[data.decision]
    await conn.execute(update(VISITS).where(VISITS.c.id == visit_id)
                       .values(review_status=status, reviewed_by=actor.user_id, reviewed_at=now, review_note=note))
    audit.record(session, actor, "review", "visit", visit_id)
    return ReviewOut(status=status, reviewed_by=actor.user_id, reviewed_at=now, note=note)  # type: ignore[arg-type]
