"""Who may see a visit: members and leaders the visits they made or that were made in their name; others by
area. Anything outside answers 404, so ids do not leak."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection

from service import errors
from service.auth.actor import FIELD_ROLES, Actor
from service.visits.models import VISITS
from service.visits.stored import StoredVisit


def visible_to(actor: Actor, visit: Any) -> bool:
    """`visit` is a StoredVisit or any row with submitted_by, on_behalf_of and area_path."""
    if actor.role in FIELD_ROLES:
        return actor.user_id in (visit.submitted_by, visit.on_behalf_of)
    return actor.sees_path(visit.area_path)


def require_visible(actor: Actor, visit: StoredVisit | None, visit_id: object) -> StoredVisit:
    if visit is None or not visible_to(actor, visit):
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy phiếu {visit_id}.", f"No visit {visit_id}.")
    return visit


async def require_visible_id(conn: AsyncConnection, actor: Actor, visit_id: uuid.UUID) -> None:
    """404 unless the visit exists and `actor` may see it, reading only the columns that decide it (for a file of
    the visit, where the visit itself is not needed)."""
    row = (
        await conn.execute(
            select(VISITS.c.submitted_by, VISITS.c.on_behalf_of, VISITS.c.area_path).where(VISITS.c.id == visit_id)
        )
    ).first()
    if row is None or not visible_to(actor, row):
        raise errors.DomainError(errors.NOT_FOUND)
