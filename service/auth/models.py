"""Tables of the auth domain."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, UtcDateTime


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
