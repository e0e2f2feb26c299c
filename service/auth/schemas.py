"""Wire types of login, logout and "who am I"."""

from __future__ import annotations

from datetime import datetime

import msgspec


class LoginRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    password: str


class TeamRef(msgspec.Struct, kw_only=True):
    id: int
    name: str


class AreaRef(msgspec.Struct, kw_only=True):
    code: str
    name: str
    level: str


class Me(msgspec.Struct, kw_only=True):
    id: int
    username: str
    full_name: str
    role: str
    team: TeamRef | None
    area: AreaRef | None
    has_smartphone: bool
    # How this request was authenticated: "device" (phone token) or "session" (password login).
    via: str


class LoginResult(msgspec.Struct, kw_only=True):
    token: str
    expires_at: datetime
    user: Me
    # Send as X-CSRF-Token with unsafe requests that ride on the session cookie (not needed with Bearer).
    csrf_token: str = ""


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: str
    new_password: str
