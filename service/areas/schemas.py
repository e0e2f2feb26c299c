"""Wire types of the area tree."""

from __future__ import annotations

from datetime import datetime

import msgspec


class AreaOut(msgspec.Struct, kw_only=True):
    code: str
    name: str
    level: str
    parent_code: str | None
    depth: int
    lat: float | None = None
    lon: float | None = None
    closed_at: datetime | None = None


class AreaCreate(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    code: str
    name: str
    level: str = "village"
    parent: str | None = None
    lat: float | None = None
    lon: float | None = None


class ImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
