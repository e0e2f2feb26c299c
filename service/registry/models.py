from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, JsonColumnType, UtcDateTime


class FormVersion(SQLModel, table=True):
    """One published (form_id, version). Rows are never updated: a published version is immutable."""

    __tablename__ = "form_versions"
    __table_args__ = (UniqueConstraint("form_id", "version"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    form_id: str = Field(max_length=100, index=True)
    version: str = Field(max_length=50)
    title_vi: str = Field(max_length=300)
    title_en: str = Field(max_length=300)
    content_hash: str = Field(max_length=64)
    definition: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    published_at: datetime = Field(sa_type=UtcDateTime)
    published_by: int | None = Field(default=None, foreign_key="users.id")


class FormMedia(SQLModel, table=True):
    """A file of a published form version (a CSV for select_one_from_file, pulldata(), search()). Like the
    version, never changed once uploaded: other content under the same name needs a new version."""

    __tablename__ = "form_media"
    __table_args__ = (UniqueConstraint("form_version_id", "name"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    form_version_id: int = Field(sa_type=BigIntId, foreign_key="form_versions.id", index=True)
    name: str = Field(max_length=100)
    content_type: str = Field(max_length=100)
    size: int
    md5: str = Field(max_length=32)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = Field(sa_type=UtcDateTime)
    uploaded_by: int | None = Field(default=None, foreign_key="users.id")


class FormSource(SQLModel, table=True):
    """The XLSForm a version was published from, byte for byte, so its author can download and edit it again
    (and the XForm can be built from it with pyxform)."""

    __tablename__ = "form_sources"

    form_version_id: int = Field(sa_type=BigIntId, foreign_key="form_versions.id", primary_key=True)
    filename: str = Field(max_length=200)
    size: int
    md5: str = Field(max_length=32)
    content: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    uploaded_at: datetime = Field(sa_type=UtcDateTime)
    uploaded_by: int | None = Field(default=None, foreign_key="users.id")
