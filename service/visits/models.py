from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, JsonColumnType, UtcDateTime
from service.visits.schemas import APP_NAME_MAX, APP_VERSION_MAX

# A visit's columns that the tally cells group by (service/tallies/cells.py), besides its village's path.
VILLAGE_COUNTED = ["id", "area_id", "form_id", "review_status", "submitted_by", "on_behalf_of"]


class Visit(SQLModel, table=True):
    """A door-to-door visit as the phone sent it. `payload_hash` makes retries idempotent."""

    __tablename__ = "visits"
    __table_args__ = (
        # On PostgreSQL the index also carries what the tally cells count per village (migration 0014), so a
        # recount reads the index alone instead of ~85 scattered heap pages per village.
        Index(None, "area_path", "received_at", postgresql_include=VILLAGE_COUNTED),
        Index(None, "submitted_by", "finished_at"),
        Index(None, "household_id", "finished_at"),
        Index(None, "submitted_by", "received_at"),
    )

    id: uuid.UUID = Field(primary_key=True)
    form_id: str = Field(max_length=100)
    form_version: str = Field(max_length=50)
    household_id: uuid.UUID = Field(foreign_key="households.id")
    submitted_by: int = Field(foreign_key="users.id")
    on_behalf_of: int | None = Field(default=None, foreign_key="users.id")
    team_id: int | None = Field(default=None, foreign_key="teams.id")
    area_id: int = Field(foreign_key="areas.id")
    # Copy of the village's area path so subtree queries need no join.
    area_path: str = Field(max_length=400)
    started_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    finished_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    received_at: datetime = Field(sa_type=UtcDateTime)
    lat: float | None = None
    lon: float | None = None
    accuracy_m: float | None = None
    location_captured_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    is_mock: bool = False
    answers: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    app_name: str | None = Field(default=None, max_length=APP_NAME_MAX)
    app_version: str | None = Field(default=None, max_length=APP_VERSION_MAX)
    payload_hash: str = Field(max_length=64)
    status: str = Field(max_length=20)
    skill_level: int | None = None
    review_status: str = Field(default="pending", max_length=20)
    reviewed_by: int | None = Field(default=None, foreign_key="users.id")
    reviewed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    review_note: str | None = Field(default=None, max_length=1000)
    # A follow-up visit names the visit it corrects (after a "has issues" or "rejected" review).
    corrects: uuid.UUID | None = Field(default=None, index=True)
    # A return visit (the household asked for more help) names the earlier visit it returns to.
    revisit_of: uuid.UUID | None = Field(default=None, index=True)


class VisitPhoto(SQLModel, table=True):
    """A photo in a visit's slot (question, index). Objects are content-addressed by the original's SHA-256."""

    __tablename__ = "visit_photos"
    __table_args__ = (UniqueConstraint("visit_id", "question", "idx"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    question: str = Field(max_length=100)
    idx: int = 0
    sha256: str = Field(max_length=64, index=True)
    original_key: str = Field(max_length=200)
    large_key: str = Field(max_length=200)
    thumb_key: str = Field(max_length=200)
    content_type: str = Field(max_length=50)
    width: int
    height: int
    size_bytes: int
    exif_time: datetime | None = Field(default=None, sa_type=UtcDateTime)
    exif_lat: float | None = None
    exif_lon: float | None = None
    created_at: datetime = Field(sa_type=UtcDateTime)


class VisitAttachment(SQLModel, table=True):
    """The file of an audio, video or file question, stored as it came (content-addressed, no derivatives)."""

    __tablename__ = "visit_attachments"
    __table_args__ = (UniqueConstraint("visit_id", "question"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    question: str = Field(max_length=100)
    kind: str = Field(max_length=10)  # audio | video | file
    filename: str = Field(max_length=255)  # the answer: the name the phone gave the file
    sha256: str = Field(max_length=64, index=True)
    object_key: str = Field(max_length=200)
    content_type: str = Field(max_length=100)
    size_bytes: int
    created_at: datetime = Field(sa_type=UtcDateTime)


class VisitFlag(SQLModel, table=True):
    """An evidence check that failed, with its figure (metres, km/h, minutes)."""

    __tablename__ = "visit_flags"
    __table_args__ = (Index(None, "code", "visit_id"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id", index=True)
    code: str = Field(max_length=50)
    value: float | None = None
    unit: str | None = Field(default=None, max_length=20)
    detail: str | None = Field(default=None, max_length=300)


# Core tables, for the statements of the submission path (no ORM bookkeeping there). Looked up in the metadata
# because SQLModel's classes do not declare `__table__` to type checkers.
VISITS = SQLModel.metadata.tables[Visit.__tablename__]
PHOTOS = SQLModel.metadata.tables[VisitPhoto.__tablename__]
FLAGS = SQLModel.metadata.tables[VisitFlag.__tablename__]
ATTACHMENTS = SQLModel.metadata.tables[VisitAttachment.__tablename__]
