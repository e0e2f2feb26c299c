"""Tables of the OpenRosa domain: the stored XForm of each published version, the submissions that became
visits (the XML as it came), and the refused copies (same instanceID, other XML) kept for a supervisor."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import Column, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, JsonColumnType, UtcDateTime


class XFormVersion(SQLModel, table=True):
    """The XForm of one published (form_id, version), generated once. Never regenerated: Collect identifies a form
    by the md5 of its bytes. `xform` is NULL (with `error`) when pyxform could not express the version."""

    __tablename__ = "openrosa_xforms"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    form_id: str = Field(max_length=100)
    version: str = Field(max_length=50)
    xform: bytes | None = Field(default=None, sa_column=Column(LargeBinary, nullable=True))
    md5: str | None = Field(default=None, max_length=32)
    error: str | None = Field(default=None, max_length=500)
    generated_at: datetime = Field(sa_type=UtcDateTime)


class OpenRosaSubmission(SQLModel, table=True):
    """A visit that came through OpenRosa: its XML kept verbatim (its SHA-256 is the visit's payload hash)."""

    __tablename__ = "openrosa_submissions"
    __table_args__ = (UniqueConstraint("form_id", "instance_id"),)

    visit_id: uuid.UUID = Field(primary_key=True, foreign_key="visits.id")
    form_id: str = Field(max_length=100)
    instance_id: str = Field(max_length=200)
    xml_sha256: str = Field(max_length=64)
    xml: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    device_id: str | None = Field(default=None, max_length=100)
    user_agent: str | None = Field(default=None, max_length=300)
    # The per-answer problems the server found (flag form.answers_invalid), or NULL.
    problems: list[dict[str, Any]] | None = Field(default=None, sa_column=Column(JsonColumnType, nullable=True))
    received_at: datetime = Field(sa_type=UtcDateTime)


class OpenRosaConflict(SQLModel, table=True):
    """A submission refused with 409 (its instanceID was stored with other XML): real data a supervisor may need,
    e.g. the same form edited in two Enketo tabs."""

    __tablename__ = "openrosa_conflicts"
    __table_args__ = (Index(None, "visit_id"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    visit_id: uuid.UUID = Field(foreign_key="visits.id")
    form_id: str = Field(max_length=100)
    instance_id: str = Field(max_length=200)
    xml_sha256: str = Field(max_length=64)
    xml: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    submitted_by: int = Field(foreign_key="users.id")
    device_id: str | None = Field(default=None, max_length=100)
    received_at: datetime = Field(sa_type=UtcDateTime)
