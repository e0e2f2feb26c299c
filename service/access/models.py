from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.tables import BigIntId, UtcDateTime


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


class DeviceToken(SQLModel, table=True):
    """A phone's long-lived, revocable credential. Only the SHA-256 of the token is kept."""

    __tablename__ = "device_tokens"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    label: str | None = Field(default=None, max_length=100)
    created_at: datetime = Field(sa_type=UtcDateTime)
    created_by: int | None = Field(default=None, foreign_key="users.id")
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)
    last_used_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginSession(SQLModel, table=True):
    """A password login (Bearer token or page cookie). Only the SHA-256 of the token is kept."""

    __tablename__ = "login_sessions"

    id: int | None = Field(default=None, primary_key=True)
    user_id: int = Field(foreign_key="users.id", index=True)
    token_hash: str = Field(max_length=64, unique=True)
    created_at: datetime = Field(sa_type=UtcDateTime)
    expires_at: datetime = Field(sa_type=UtcDateTime)
    revoked_at: datetime | None = Field(default=None, sa_type=UtcDateTime)


class LoginAttempt(SQLModel, table=True):
    """Failed logins, kept in the database so the rate limit holds across workers."""

    __tablename__ = "login_attempts"
    __table_args__ = (Index(None, "username", "at"), Index(None, "ip", "at"))

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    username: str = Field(max_length=100)
    ip: str = Field(max_length=64)
    at: datetime = Field(sa_type=UtcDateTime)


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
