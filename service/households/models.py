"""Tables of the households domain."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, UtcDateTime


class Household(SQLModel, table=True):
    """A household (hộ gia đình). `change_seq` orders changes for the phones' incremental sync."""

    __tablename__ = "households"
    __table_args__ = (Index(None, "area_id", "change_seq"), Index(None, "change_seq"))

    id: uuid.UUID = Field(primary_key=True)
    official_code: str | None = Field(default=None, max_length=50, index=True)
    area_id: int = Field(foreign_key="areas.id")
    head_name: str | None = Field(default=None, max_length=200)
    address: str | None = Field(default=None, max_length=300)
    lat: float | None = None
    lon: float | None = None
    member_count: int | None = None
    elderly_only: bool = False
    temporary_resident: bool = False
    status: str = Field(default="active", max_length=20)
    merged_into_id: uuid.UUID | None = Field(default=None, foreign_key="households.id")
    created_by: int | None = Field(default=None, foreign_key="users.id")
    created_at: datetime = Field(sa_type=UtcDateTime)
    updated_at: datetime = Field(sa_type=UtcDateTime)
    change_seq: int = Field(sa_type=BigIntId)
    # SHA-256 of the content it was created with: the same id sent again is a retry only if this matches.
    create_hash: str | None = Field(default=None, max_length=64)


class ChangeCounter(SQLModel, table=True):
    """Monotonic counters. Taking the row lock to bump it orders concurrent writers, so a sync cursor never skips."""

    __tablename__ = "change_counters"

    name: str = Field(primary_key=True, max_length=50)
    value: int = Field(default=0, sa_type=BigIntId)
