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


class FileLimits(msgspec.Struct, kw_only=True):
    """The largest file this service takes for an audio, video or file answer (GOCUA_MAX_*_BYTES): the phone app
    refuses a bigger one when it is picked, instead of after sending megabytes over 2G."""

    audio_bytes: int
    video_bytes: int
    file_bytes: int


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
    file_limits: FileLimits | None = None  # on GET /api/v1/me


class LoginResult(msgspec.Struct, kw_only=True):
    token: str
    expires_at: datetime
    user: Me
    # Send as X-CSRF-Token with unsafe requests that ride on the session cookie (not needed with Bearer).
    csrf_token: str = ""


class PasswordChange(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    current_password: str
    new_password: str
