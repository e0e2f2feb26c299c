"""Tables of the audit domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, UtcDateTime


class AccessLog(SQLModel, table=True):
    """Who looked at what (FIELD.md: people distrust sharing data)."""

    __tablename__ = "access_log"
    __table_args__ = (Index(None, "object_type", "object_id", "at"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    user_id: int | None = Field(default=None, foreign_key="users.id", index=True)
    action: str = Field(max_length=50)
    object_type: str = Field(max_length=50)
    object_id: str = Field(max_length=64)
    at: datetime = Field(sa_type=UtcDateTime)
