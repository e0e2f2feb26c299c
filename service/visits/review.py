"""A supervisor's review of one visit through the visits API; decisions and their history are the reviews domain's."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.reviews.services import decide
from service.visits.schemas import ReviewOut, ReviewRequest


async def review_visit(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: ReviewRequest) -> ReviewOut:
    return await decide(session, actor, visit_id, data.decision, data.comment if data.note is None else data.note)
