"""Dates and places in the expression language: date(), format-date(), decimal-*(), area(), distance().

A date is carried as its text ('2026-11-30', or with a time '2026-11-30T10:05:00.000+00:00') and as a
number is the days since 1970-01-01 (forms.expr_values.number_of). Times of day are read in UTC: the server
cannot know a phone's time zone (docs/forms.md says where this differs from a phone's own clock).
"""

from __future__ import annotations

import datetime as dt
import itertools
import math
import re
from typing import Any

from forms.expr_values import DATE_TEXT, NAN, days_of_date_text, number_of, to_string

_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_RAW_NUMBER = re.compile(r"-?[0-9]+(\.[0-9]+)?")
_TIME = re.compile(r"([0-9]{2}):([0-9]{2}):([0-9]{2})(\.[0-9]{1,3})?([+-])([0-9]{2}):([0-9]{2})")
_MONTHS = ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec")
_WEEKDAYS = ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")
EARTH_RADIUS_M = 6378100  # what ODK (JavaRosa and Enketo) use
MIN_DAYS, MAX_DAYS = -719_162, 2_932_896  # years 1…9999: past them there is no date to write


def moment_of(value: Any) -> dt.datetime | None:
    """The instant a value names: a number is days since 1970; text a date or date-time. None if none."""
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        days: float = value
    else:
        text = to_string(value).strip()
        if not text:
            return None
        if _RAW_NUMBER.fullmatch(text):
            days = math.trunc(float(text))
        elif DATE_TEXT.fullmatch(text):
            days = days_of_date_text(text)
        else:
            return None
    if not MIN_DAYS < days < MAX_DAYS:  # NaN too
        return None
    return _EPOCH + dt.timedelta(milliseconds=math.floor(days * 86400000 + 0.5))


def date_text(value: Any) -> str:
    """date() / date-time(): the date ('YYYY-MM-DD' at midnight, else date and time); '' when none."""
    moment = moment_of(value)
    if moment is None:
        return ""
    if moment.hour == moment.minute == moment.second == moment.microsecond == 0:
        return moment.date().isoformat()
    return moment.isoformat(timespec="milliseconds")


def decimal_date_time(value: Any) -> float:
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    text = to_string(value).strip()
    return days_of_date_text(text) if DATE_TEXT.fullmatch(text) else NAN


def decimal_time(value: Any) -> float:
    """decimal-time('HH:MM:SS[.sss]±HH:MM'): the fraction of the (UTC) day."""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return NAN
    match = _TIME.fullmatch(to_string(value))
    if match is None:
        return NAN
    hours, minutes, seconds = int(match[1]), int(match[2]), int(match[3])
    zone_h, zone_m = int(match[6]), int(match[7])
    if hours > 23 or minutes > 59 or seconds > 59 or zone_h > 23 or zone_m > 59:
        return NAN
    offset = (zone_h * 60 + zone_m) * (1 if match[5] == "+" else -1)
    in_utc = (hours * 60 + minutes - offset) % 1440
    return (seconds / 3600 + (in_utc % 60) / 60 + in_utc // 60) / 24


def format_date(value: Any, pattern: Any) -> str:
    """format-date(date, '%Y-%m-%d'): ODK's escapes; '' when there is no date or an unknown escape."""
    moment = moment_of(value)
    if moment is None:
        return ""
    fmt = to_string(pattern)
    out: list[str] = []
    index = 0
    while index < len(fmt):
        char = fmt[index]
        index += 1
        if char != "%":
            out.append(char)
            continue
        if index >= len(fmt):
            return ""
        code = fmt[index]
        index += 1
        piece = {
            "%": "%",
            "Y": f"{moment.year:04d}",
            "y": f"{moment.year:04d}"[2:],
            "m": f"{moment.month:02d}",
            "n": str(moment.month),
            "b": _MONTHS[moment.month - 1],
            "d": f"{moment.day:02d}",
            "e": str(moment.day),
            "H": f"{moment.hour:02d}",
            "h": str(moment.hour),
            "M": f"{moment.minute:02d}",
            "S": f"{moment.second:02d}",
            "3": f"{moment.microsecond // 1000:03d}",
            "a": _WEEKDAYS[moment.weekday()],
        }.get(code)
        if piece is None:
            return ""
        out.append(piece)
    return "".join(out)


def now_text(moment: dt.datetime) -> str:
    return moment.astimezone(dt.UTC).isoformat(timespec="milliseconds")


# --- places ------------------------------------------------------------------------------------


def geopoints(values: list[Any]) -> list[tuple[float, float]] | None:
    """Points of a geoshape/geotrace text ('lat lon [alt acc]; …'), of several geopoints, or of a nodeset."""
    texts: list[str] = []
    if len(values) > 1:
        texts = [to_string(value) for value in values]
    elif isinstance(values[0], tuple) and len(values[0]) > 1:
        texts = [to_string(value) for value in values[0]]
    else:
        texts = to_string(values[0]).split(";")
    points = []
    for text in texts:
        parts = text.strip().split(" ")
        if len(parts) < 2:
            return None
        lat, lon = number_of(parts[0]), number_of(parts[1])
        if parts[0] == "" or parts[1] == "" or not (-90 <= lat <= 90 and -180 <= lon <= 180):
            return None
        if len(parts) > 2 and number_of(parts[2]) != number_of(parts[2]):
            return None
        if len(parts) > 3 and not number_of(parts[3]) >= 0:
            return None
        points.append((float(lat), float(lon)))
    return points


def _radians(degrees: float) -> float:
    return degrees * math.pi / 180  # as ODK writes it (math.radians rounds differently)


def _round_cm(metres: float) -> float:
    """JavaScript's Math.abs(Math.round(x * 100)) / 100, as ODK rounds a length or an area."""
    if not math.isfinite(metres):
        return metres if metres == metres else NAN
    return abs(math.floor(metres * 100 + 0.5)) / 100


def area(values: list[Any]) -> float:
    """area(geoshape) in m², the formula ODK uses (spherical, Leaflet.draw's)."""
    points = geopoints(values)
    if points is None:
        return NAN
    total = 0.0
    if len(points) > 2:
        for index, (lat1, lon1) in enumerate(points):
            lat2, lon2 = points[(index + 1) % len(points)]
            total += _radians(lon2 - lon1) * (2 + math.sin(_radians(lat1)) + math.sin(_radians(lat2)))
        total = total * EARTH_RADIUS_M * EARTH_RADIUS_M / 2.0
    return _round_cm(total)


def distance(values: list[Any]) -> float:
    """distance(geotrace | point, point, …) in metres along the points (great circles)."""
    points = geopoints(values)
    if points is None:
        return NAN
    total = 0.0
    for (lat1, lon1), (lat2, lon2) in itertools.pairwise(points):
        phi1, phi2 = _radians(lat1), _radians(lat2)
        cosine = math.sin(phi1) * math.sin(phi2) + math.cos(phi1) * math.cos(phi2) * math.cos(_radians(lon1 - lon2))
        total += math.acos(cosine) * EARTH_RADIUS_M if -1 <= cosine <= 1 else NAN
    return _round_cm(total)


def geofence(point: Any, shape: Any) -> bool:
    """geofence(geopoint, geoshape): whether the point lies inside the shape (ray casting on lat/lon)."""
    points = geopoints([point])
    polygon = geopoints([shape])
    if points is None or polygon is None or len(points) != 1 or len(polygon) < 3:
        return False
    y, x = points[0]
    inside = False
    j = len(polygon) - 1
    for i, (yi, xi) in enumerate(polygon):
        yj, xj = polygon[j]
        if (yi > y) != (yj > y) and x < (xj - xi) * (y - yi) / (yj - yi) + xi:
            inside = not inside
        j = i
    return inside
