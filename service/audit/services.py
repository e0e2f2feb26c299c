"""The access log: who looked at or changed what (people distrust sharing their data; FIELD.md)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from service.audit.models import AccessLog
from service.auth.actor import Actor
from service.db.engine import utcnow


def record(session: AsyncSession, actor: Actor | None, action: str, object_type: str, object_id: object) -> None:
    """Adds one row to the current transaction (so a failed request leaves no trace of a view it never gave)."""
    session.add(
        AccessLog(
            user_id=actor.user_id if actor else None,
            action=action,
            object_type=object_type,
            object_id=str(object_id)[:64],
            at=utcnow(),
        )
    )
