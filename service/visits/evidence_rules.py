"""Evidence checks: does the visit's GPS and photo evidence fit the story? Pure functions, no I/O.

Each failed check becomes a flag with its figure (metres, km/h, minutes, households), stored in visit_flags
and shown to supervisors. A flag is a reason to look, not a verdict: nothing is refused because of one.

Distances use geopy's `great_circle` (spherical): ~13× faster than `geodesic`, and its ≤0.5 % error is far
below what these thresholds (hundreds of metres, 120 km/h) can notice.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone

from geopy.distance import great_circle

GPS_LOW_ACCURACY = "gps.low_accuracy"
GPS_FAR_FROM_HOUSEHOLD = "gps.far_from_household"
GPS_IMPOSSIBLE_TRAVEL = "gps.impossible_travel"
GPS_MOCK = "gps.mock"
PHOTO_LOCATION_MISMATCH = "photo.location_mismatch"
PHOTO_TIME_MISMATCH = "photo.time_mismatch"
PHOTO_REUSED = "photo.reused"
# Answers that break the form's rules, stored anyway because an ODK client had finalized them (service/openrosa).
FORM_ANSWERS_INVALID = "form.answers_invalid"
FLAG_CODES = (
    GPS_LOW_ACCURACY,
    GPS_FAR_FROM_HOUSEHOLD,
    GPS_IMPOSSIBLE_TRAVEL,
    GPS_MOCK,
    PHOTO_LOCATION_MISMATCH,
    PHOTO_TIME_MISMATCH,
    PHOTO_REUSED,
    FORM_ANSWERS_INVALID,
)

# EXIF times are the phone's wall clock without a zone; the teams work in Vietnam.
VIETNAM = timezone(timedelta(hours=7))
# The tuning values (distances, speeds, slacks) come from `Settings`, where their defaults are explained.


@dataclass(frozen=True, slots=True)
class Flag:
    code: str
    value: float | None = None
    unit: str | None = None
    detail: str | None = None


@dataclass(frozen=True, slots=True)
class Fix:
    """A GPS position with its accuracy (None when the phone did not say)."""

    lat: float
    lon: float
    accuracy_m: float | None = None
    is_mock: bool = False


@dataclass(frozen=True, slots=True)
class PreviousVisit:
    id: str
    lat: float
    lon: float
    finished_at: datetime


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    return great_circle(a, b).meters


_EARTH_RADIUS_M = 6_371_009.0


def surely_within(a: tuple[float, float], b: tuple[float, float], limit_m: float) -> bool:
    """True when the two points are certainly closer than half of `limit_m` (flat-earth estimate).

    Most visits are nowhere near a threshold; this spares them geopy's point parsing (~25 µs a distance, a
    few per cent of a JSON visit's CPU), and a visit that may be flagged still gets geopy's exact figure.
    Near the date line or the poles the estimate grows, which only sends the pair to geopy.
    """
    mid_lat = math.radians((a[0] + b[0]) / 2)
    north = math.radians(b[0] - a[0])
    east = math.radians(b[1] - a[1]) * math.cos(mid_lat)
    half = limit_m / 2
    return (north * north + east * east) * _EARTH_RADIUS_M * _EARTH_RADIUS_M < half * half


def _figure(value: float) -> float:
    # One decimal: readable, and identical after a round trip through either database.
    return round(value, 1)


def is_good_fix(fix: Fix | None, threshold_m: float) -> bool:
    """Good enough to become a household's location: real (not mocked) and with a known, fine accuracy."""
    return fix is not None and not fix.is_mock and fix.accuracy_m is not None and fix.accuracy_m <= threshold_m


def gps_flags(
    fix: Fix | None,
    *,
    accuracy_threshold_m: float | None,
    household_location: tuple[float, float] | None,
    far_from_household_m: float,
    previous: PreviousVisit | None,
    finished_at: datetime | None,
    impossible_travel_kmh: float,
    min_travel_time: timedelta,
) -> list[Flag]:
    """`min_travel_time`: consecutive visits closer in time than this are compared as if this far apart, so two
    visits finished in the same minute (a leader filing two forms at once) are not an infinite speed."""
    if fix is None:
        return []
    flags: list[Flag] = []
    here = (fix.lat, fix.lon)
    if accuracy_threshold_m is not None and fix.accuracy_m is not None and fix.accuracy_m > accuracy_threshold_m:
        flags.append(Flag(GPS_LOW_ACCURACY, _figure(fix.accuracy_m), "m", f"threshold {accuracy_threshold_m:g} m"))
    if household_location is not None and not surely_within(here, household_location, far_from_household_m):
        distance = metres(here, household_location)
        if distance > far_from_household_m:
            flags.append(Flag(GPS_FAR_FROM_HOUSEHOLD, _figure(distance), "m", "from the household's location"))
    if previous is not None and finished_at is not None:
        elapsed = max(finished_at - previous.finished_at, min_travel_time)
        hours = elapsed.total_seconds() / 3600
        there = (previous.lat, previous.lon)
        speed_kmh = (
            0.0
            if surely_within(here, there, impossible_travel_kmh * hours * 1000)
            else (metres(here, there) / 1000 / hours)
        )
        if speed_kmh > impossible_travel_kmh:
            flags.append(Flag(GPS_IMPOSSIBLE_TRAVEL, _figure(speed_kmh), "km/h", f"since visit {previous.id}"))
    if fix.is_mock:
        flags.append(Flag(GPS_MOCK, None, None, "the phone reported a mock location"))
    return flags


def exif_moment(taken_at: datetime | None, offset: timezone | None) -> datetime | None:
    """The photo's EXIF time in UTC: its own offset when the phone wrote one, else Vietnam time."""
    if taken_at is None:
        return None
    if taken_at.tzinfo is None:
        taken_at = taken_at.replace(tzinfo=offset or VIETNAM)
    return taken_at.astimezone(UTC)


def photo_flags(
    slot: str,
    *,
    exif_time: datetime | None,
    exif_gps: tuple[float, float] | None,
    fix: Fix | None,
    started_at: datetime | None,
    finished_at: datetime | None,
    far_m: float,
    time_slack: timedelta,
) -> list[Flag]:
    """Flags of one photo against its visit. `exif_time` is already in UTC (see `exif_moment`); a photo taken up
    to `time_slack` before the form was opened or after it was finished still belongs to the visit."""
    flags: list[Flag] = []
    if exif_gps is not None and fix is not None:
        distance = metres(exif_gps, (fix.lat, fix.lon))
        if distance > far_m:
            flags.append(Flag(PHOTO_LOCATION_MISMATCH, _figure(distance), "m", slot))
    moments = [moment for moment in (started_at, finished_at) if moment is not None]
    if exif_time is not None and moments:
        # The figure is how far outside the visit the photo was taken; the slack only decides.
        before = min(moments) - exif_time
        after = exif_time - max(moments)
        outside, side = (before, "before") if before > after else (after, "after")
        if outside > time_slack:
            flags.append(
                Flag(
                    PHOTO_TIME_MISMATCH, _figure(outside.total_seconds() / 60), "min", f"{slot}: taken {side} the visit"
                )
            )
    return flags


def reused_flag(slot: str, other_households: int) -> Flag | None:
    if other_households <= 0:
        return None
    return Flag(PHOTO_REUSED, float(other_households), "households", slot)
