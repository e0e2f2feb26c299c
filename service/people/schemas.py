"""Wire types of teams, members (all users) and device tokens."""

from __future__ import annotations

from datetime import datetime

import msgspec


class TeamOut(msgspec.Struct, kw_only=True):
    id: int
    name: str
    area_code: str
    area_name: str
    created_at: datetime


class TeamCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    area: str
    name: str | None = None


class TeamUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    name: str


class MemberOut(msgspec.Struct, kw_only=True):
    id: int
    username: str
    full_name: str
    phone: str | None
    role: str
    team_id: int | None
    area_code: str | None
    has_smartphone: bool
    active: bool
    created_at: datetime


class MemberCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    username: str
    full_name: str
    role: str = "member"
    # Members and leaders: the village whose team they join. Supervisors: the root of their area.
    area: str | None = None
    phone: str | None = None
    has_smartphone: bool = True
    password: str | None = None


class MemberUpdate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    full_name: str | None = None
    phone: str | None = None
    role: str | None = None
    area: str | None = None
    has_smartphone: bool | None = None
    active: bool | None = None
    password: str | None = None


class MemberImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    teams_created: int = 0


class DeviceTokenCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    label: str | None = None


class DeviceTokenIssued(msgspec.Struct, kw_only=True):
    id: int
    token: str
    # What the phone scans: JSON {"server": base URL, "token": token}, as a PNG, base64-encoded.
    qr_payload: str
    qr_png_base64: str
    label: str | None
    created_at: datetime
    # ODK Collect's settings QR (base64(zlib(JSON)), server URL /openrosa/key/{token}), and as a PNG.
    collect_qr_payload: str = ""
    collect_qr_png_base64: str = ""


class DeviceTokenOut(msgspec.Struct, kw_only=True):
    id: int
    label: str | None
    created_at: datetime
    revoked_at: datetime | None
    last_used_at: datetime | None
