"""Tables of the areas domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.db.tables import UtcDateTime


class Area(SQLModel, table=True):
    """A node of the area tree (any depth). `path` is the chain of ancestor ids, `/1/7/42/`, for subtree scoping."""

    __tablename__ = "areas"

    id: int | None = Field(default=None, primary_key=True)
    code: str = Field(max_length=50, unique=True)
    name: str = Field(max_length=200)
    level: str = Field(max_length=30)
    parent_id: int | None = Field(default=None, foreign_key="areas.id", index=True)
    path: str = Field(max_length=400, index=True)
    depth: int = 0
    lat: float | None = None
    lon: float | None = None
    closed_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
