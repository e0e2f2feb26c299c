"""A supervisor's review of one visit through the visits API: the decision is the reviews domain's."""

from __future__ import annotations

import uuid

from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.visits.schemas import ReviewOut, ReviewRequest


async def review_visit(session: AsyncSession, actor: Actor, visit_id: uuid.UUID, data: ReviewRequest) -> ReviewOut:
    # Decisions and their history belong to the reviews domain (imported here to keep the import graph acyclic).
    from service.reviews.services import decide

    return await decide(session, actor, visit_id, data.decision, data.comment if data.note is None else data.note)
