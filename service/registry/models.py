from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Column, UniqueConstraint
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
