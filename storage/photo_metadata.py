"""Reading the few EXIF facts the service needs: when, where, and which way up.

EXIF is written by thousands of phone models and is often malformed. A photo with broken
metadata is still good evidence, so every reader here returns None on anything unexpected
instead of rejecting the photo.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from datetime import datetime, timedelta, timezone

from PIL import ExifTags, Image

# Orientation tag value → the transpose that makes the pixels upright
# (the same table as PIL.ImageOps.exif_transpose).
_UPRIGHT = {
    2: Image.Transpose.FLIP_LEFT_RIGHT,
    3: Image.Transpose.ROTATE_180,
    4: Image.Transpose.FLIP_TOP_BOTTOM,
    5: Image.Transpose.TRANSPOSE,
    6: Image.Transpose.ROTATE_270,
    7: Image.Transpose.TRANSVERSE,
    8: Image.Transpose.ROTATE_90,
}
_OFFSET = re.compile(r"([+-])(\d{2}):(\d{2})")


@dataclass(frozen=True, slots=True)
class PhotoMetadata:
    orientation: int  # 1..8, 1 when absent or invalid
    taken_at: datetime | None  # naive: EXIF times are the phone's local wall-clock time
    taken_at_offset: timezone | None  # from OffsetTimeOriginal, when the phone wrote it
    gps: tuple[float, float] | None  # (latitude, longitude) in decimal degrees


NO_METADATA = PhotoMetadata(orientation=1, taken_at=None, taken_at_offset=None, gps=None)


def read_metadata(image: Image.Image) -> PhotoMetadata:
    try:
        exif = image.getexif()
    except Exception:  # includes Pillow's "corrupt EXIF" warnings when they are made errors
        return NO_METADATA
    return PhotoMetadata(
        orientation=_orientation(exif),
        taken_at=_taken_at(exif),
        taken_at_offset=_offset(exif),
        gps=_gps(exif),
    )


def upright_transpose(orientation: int) -> Image.Transpose | None:
    return _UPRIGHT.get(orientation)


def _orientation(exif: Image.Exif) -> int:
    value = exif.get(ExifTags.Base.Orientation)
    return value if isinstance(value, int) and 1 <= value <= 8 else 1


def _exif_ifd(exif: Image.Exif, ifd: ExifTags.IFD) -> dict[int, object]:
    try:
        return dict(exif.get_ifd(ifd))
    except Exception:
        return {}


def _text(value: object) -> str | None:
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    if not isinstance(value, str):
        return None
    return value.strip("\x00 ")


def _taken_at(exif: Image.Exif) -> datetime | None:
    text = _text(_exif_ifd(exif, ExifTags.IFD.Exif).get(ExifTags.Base.DateTimeOriginal))
    if not text:
        return None
    try:
        # "YYYY:MM:DD HH:MM:SS"; cameras without a set clock write "0000:00:00 00:00:00".
        return datetime.strptime(text[:19], "%Y:%m:%d %H:%M:%S")
    except ValueError:
        return None


def _offset(exif: Image.Exif) -> timezone | None:
    text = _text(_exif_ifd(exif, ExifTags.IFD.Exif).get(ExifTags.Base.OffsetTimeOriginal))
    match = _OFFSET.fullmatch(text or "")
    if not match:
        return None
    sign, hours, minutes = match.groups()
    delta = timedelta(hours=int(hours), minutes=int(minutes))
    if delta > timedelta(hours=14) or int(minutes) >= 60:
        return None
    return timezone(-delta if sign == "-" else delta)


def _degrees(value: object) -> float | None:
    """EXIF stores degrees, minutes, seconds as three rationals."""
    if not isinstance(value, tuple) or len(value) != 3:
        return None
    try:
        degrees, minutes, seconds = (float(part) for part in value)
    except (TypeError, ValueError, ZeroDivisionError):
        return None
    result = degrees + minutes / 60 + seconds / 3600
    return result if math.isfinite(result) else None


def _gps(exif: Image.Exif) -> tuple[float, float] | None:
    gps = _exif_ifd(exif, ExifTags.IFD.GPSInfo)
    latitude = _degrees(gps.get(ExifTags.GPS.GPSLatitude))
    longitude = _degrees(gps.get(ExifTags.GPS.GPSLongitude))
    if latitude is None or longitude is None:
        return None
    latitude_ref = (_text(gps.get(ExifTags.GPS.GPSLatitudeRef)) or "N").upper()
    longitude_ref = (_text(gps.get(ExifTags.GPS.GPSLongitudeRef)) or "E").upper()
    if latitude_ref.startswith("S"):
        latitude = -latitude
    if longitude_ref.startswith("W"):
        longitude = -longitude
    if not (-90 <= latitude <= 90 and -180 <= longitude <= 180):
        return None
    if latitude == 0 and longitude == 0:
        return None  # "no fix" written as zeros, a common phone bug (Null Island)
    return round(latitude, 7), round(longitude, 7)
