"""Tables of the auth domain."""

from __future__ import annotations

from datetime import datetime

from sqlmodel import Field, SQLModel

from service.db.tables import UtcDateTime


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


class LoginThrottle(SQLModel, table=True):
    """Password checks per key (a username at an address, or an address), so the limit holds across workers.

    A check is claimed under this row's lock before it runs, so concurrent guesses cannot all pass one reading
    of the counter.
    """

    __tablename__ = "login_throttles"

    key: str = Field(max_length=200, primary_key=True)
    failures: int = 0
    last_failure_at: datetime = Field(sa_type=UtcDateTime)
    locked_until: datetime | None = Field(default=None, sa_type=UtcDateTime)
