"""Tables of the people domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.db.tables import UtcDateTime


class Team(SQLModel, table=True):
    """A village's Community Digital Technology Team (Tổ CNSCĐ)."""

    __tablename__ = "teams"

    id: int | None = Field(default=None, primary_key=True)
    area_id: int = Field(foreign_key="areas.id", unique=True)
    name: str = Field(max_length=200)
    created_at: datetime = Field(sa_type=UtcDateTime)


class User(SQLModel, table=True):
    """Members, leaders, supervisors and admins. `area_id` is the scope root (a member's village)."""

    __tablename__ = "users"

    id: int | None = Field(default=None, primary_key=True)
    username: str = Field(max_length=100, unique=True)
    full_name: str = Field(max_length=200)
    phone: str | None = Field(default=None, max_length=30)
    role: str = Field(max_length=20)
    team_id: int | None = Field(default=None, foreign_key="teams.id", index=True)
    area_id: int | None = Field(default=None, foreign_key="areas.id", index=True)
    password_hash: str | None = Field(default=None, max_length=200)
    has_smartphone: bool = True
    active: bool = True
    created_at: datetime = Field(sa_type=UtcDateTime)
