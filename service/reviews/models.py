"""The review history: every decision on a visit, appended; the visit's current status is the latest."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, UtcDateTime


class VisitReview(SQLModel, table=True):
    __tablename__ = "visit_reviews"
    __table_args__ = (Index(None, "visit_id", "at"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id")
    reviewer_id: int = Field(foreign_key="users.id")
    at: datetime = Field(sa_type=UtcDateTime)
    decision: str = Field(max_length=20)
    comment: str | None = Field(default=None, max_length=1000)
