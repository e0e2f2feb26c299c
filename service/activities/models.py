"""Tables of the activity log: what the teams did besides visiting households, and the report's edited text."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Any

from sqlalchemy import Column, Index
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, JsonColumnType, UtcDateTime


class Activity(SQLModel, table=True):
    """One logged activity (a training class, a Zalo group, a wifi point, ...). The id is the recorder's (the phone
    makes it), so a retry of the same record is recognised by `payload_hash`, like a visit."""

    __tablename__ = "activities"
    __table_args__ = (Index(None, "area_path", "held_on"), Index(None, "kind", "held_on"))

    id: uuid.UUID = Field(primary_key=True)
    kind: str = Field(max_length=30)
    held_on: date
    area_id: int = Field(foreign_key="areas.id")
    # Copy of the area's path so subtree queries need no join (as visits do).
    area_path: str = Field(max_length=400)
    team_id: int | None = Field(default=None, foreign_key="teams.id")
    place: str | None = Field(default=None, max_length=300)
    partner: str | None = Field(default=None, max_length=200)
    topic: str | None = Field(default=None, max_length=300)
    attendees: int | None = None
    channel: str | None = Field(default=None, max_length=30)
    quantity: int | None = None  # broadcasts or posts made (communication)
    lat: float | None = None
    lon: float | None = None
    beneficiary_kind: str | None = Field(default=None, max_length=30)
    beneficiary: str | None = Field(default=None, max_length=200)
    platform: str | None = Field(default=None, max_length=100)
    product: str | None = Field(default=None, max_length=200)
    # One-stop office help: people helped per service code (catalog.SERVICES).
    services: dict[str, Any] | None = Field(default=None, sa_column=Column(JsonColumnType, nullable=True))
    people_helped: int | None = None
    note: str | None = Field(default=None, max_length=1000)
    payload_hash: str = Field(max_length=64)
    recorded_by: int = Field(foreign_key="users.id")
    recorded_at: datetime = Field(sa_type=UtcDateTime)
    updated_by: int | None = Field(default=None, foreign_key="users.id")
    updated_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class ReportNarrative(SQLModel, table=True):
    """An officer's text for one paragraph of the report of an area and period. Every edit is a new row (the
    history: who, when); the newest row of (area, period, section) is the text in force. `figures` are the
    report's figures the paragraph was written against, so a figure that changed since can be pointed out."""

    __tablename__ = "report_narratives"
    __table_args__ = (Index(None, "area_id", "period", "section", "id"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    area_id: int = Field(foreign_key="areas.id")
    period: str = Field(max_length=30)  # "2026-11-01/2026-11-30"; "/" for all time; either end may be empty
    section: str = Field(max_length=30)
    text: str = Field(max_length=8000)
    figures: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    edited_by: int = Field(foreign_key="users.id")
    edited_at: datetime = Field(sa_type=UtcDateTime)
