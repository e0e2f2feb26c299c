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


class LocationProposal(SQLModel, table=True):
    """A field member's change to a household's location, waiting for a supervisor.

    The household's own lat/lon stay the confirmed location, against which visits are checked
    (`gps.far_from_household`): a member being checked must not be able to move the reference point.
    """

    __tablename__ = "household_location_proposals"
    __table_args__ = (Index(None, "status", "id"), Index(None, "household_id", "status"))

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    household_id: uuid.UUID = Field(foreign_key="households.id")
    area_path: str = Field(max_length=400)  # the household's village path then: scopes the supervisors' list
    lat: float
    lon: float
    # The confirmed location at the time of proposing, and how far the proposal moves it.
    previous_lat: float | None = None
    previous_lon: float | None = None
    distance_m: float | None = None
    proposed_by: int = Field(foreign_key="users.id")
    proposed_at: datetime = Field(sa_type=UtcDateTime)
    status: str = Field(default="pending", max_length=20)  # pending | confirmed | rejected
    decided_by: int | None = Field(default=None, foreign_key="users.id")
    decided_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
