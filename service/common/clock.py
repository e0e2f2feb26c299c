"""The one time helper: the current instant, stored times as UTC, and Vietnam's local days.

Everything is stored in UTC; people read and choose local days in Vietnam (UTC+7 all year, no daylight saving
since 1975), so a fixed offset is exact and needs no time-zone database.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import overload

VIETNAM_OFFSET = timedelta(hours=7)
VIETNAM = timezone(VIETNAM_OFFSET)


def utcnow() -> datetime:
    return datetime.now(UTC)


@overload
def as_utc(value: datetime) -> datetime: ...
@overload
def as_utc(value: None) -> None: ...
@overload
def as_utc(value: datetime | None) -> datetime | None: ...
def as_utc(value: datetime | None) -> datetime | None:
    """SQLite hands datetimes back naive; everything we store is UTC."""
    if value is None or value.tzinfo is not None:
        return value
    return value.replace(tzinfo=UTC)


def local_now() -> datetime:
    """Now, on Vietnam's wall clock."""
    return datetime.now(VIETNAM)


def local_day(moment: datetime) -> date:
    """The day in Vietnam of an instant (a naive one is taken as UTC, as stored)."""
    return as_utc(moment).astimezone(VIETNAM).date()


def local_day_start(day: date) -> datetime:
    """Midnight at the start of a local day, as a UTC instant."""
    return datetime.combine(day, time(0), tzinfo=VIETNAM).astimezone(UTC)


def local_wall_time(moment: datetime | None) -> str | None:
    """Vietnam wall time, ISO to the second and without an offset (the exports' cells)."""
    if moment is None:
        return None
    return as_utc(moment).astimezone(VIETNAM).replace(tzinfo=None).isoformat(timespec="seconds")
