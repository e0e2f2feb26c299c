"""Visits as phones send them, and photos made in-test with Pillow (small, with or without EXIF)."""

from __future__ import annotations

import io
import json
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from PIL import ExifTags, Image

# Village 38-A-1 in the test world lies here (Thọ Xuân, Thanh Hóa).
HOME = (19.9300, 105.4500)
PHOTO_QUESTION = "evidence_photos"
FINISHED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)  # 10:00 in Vietnam


def answers(**overrides: Any) -> dict[str, Any]:
    """Valid answers to the bundled household digital-skill form (level 2: "can use")."""
    values: dict[str, Any] = {
        "members": 4,
        "elderly_only": False,
        "temporary_resident": False,
        "school_children": 1,
        "has_smartphone": True,
        "has_mobile_data": True,
        "has_email": False,
        "vneid_level": "level2",
        "public_services": "with_help",
        "cashless": True,
        "health_book": False,
        "ecommerce": "buy",
        "school_app": True,
        "data_worries": ["scam_calls"],
        "guided": ["email"],
        "follow_up": False,
        "location": {"lat": HOME[0], "lon": HOME[1], "accuracy_m": 8.0},
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def visit(
    form: tuple[str, str],
    household_id: uuid.UUID | None,
    *,
    lat: float = HOME[0],
    lon: float = HOME[1],
    accuracy_m: float | None = 8.0,
    is_mock: bool = False,
    finished_at: datetime = FINISHED,
    minutes: int = 15,
    with_location: bool = True,
    **fields: Any,
) -> dict[str, Any]:
    """A visit's JSON; `fields` override or add top-level keys."""
    body: dict[str, Any] = {
        "id": str(uuid.uuid4()),
        "form_id": form[0],
        "form_version": form[1],
        "started_at": (finished_at - timedelta(minutes=minutes)).isoformat(),
        "finished_at": finished_at.isoformat(),
        "answers": answers(location={"lat": lat, "lon": lon, "accuracy_m": accuracy_m or 8.0}),
        "app": {"name": "gocua-android", "version": "1.4.2"},
    }
    if household_id is not None:
        body["household_id"] = str(household_id)
    if with_location:
        body["location"] = {
            "lat": lat,
            "lon": lon,
            "accuracy_m": accuracy_m,
            "is_mock": is_mock,
            "captured_at": finished_at.isoformat(),
        }
    body.update(fields)
    return body


def multipart(body: dict[str, Any], photos: list[tuple[str, bytes]]) -> dict[str, Any]:
    """httpx `files=` for a multipart submission: the `visit` part and one file part per (name, bytes)."""
    files: list[tuple[str, tuple[str | None, bytes, str]]] = [
        ("visit", (None, json.dumps(body).encode(), "application/json"))
    ]
    files += [(name, (f"photo{i}.jpg", data, "image/jpeg")) for i, (name, data) in enumerate(photos)]
    return {"files": files}


def jpeg(
    seed: int = 0,
    *,
    size: tuple[int, int] = (96, 64),
    taken_at: datetime | None = None,
    offset: str | None = None,
    gps: tuple[float, float] | None = None,
) -> bytes:
    """A small JPEG; `seed` changes its pixels (and so its SHA-256). `taken_at` is written as EXIF wall time."""
    image = Image.new("RGB", size, ((seed * 37) % 256, (seed * 91) % 256, (seed * 53 + 40) % 256))
    image.putpixel((seed % size[0], 0), (255, 255, 255))
    exif = Image.Exif()
    if taken_at is not None:
        exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
        exif_ifd[ExifTags.Base.DateTimeOriginal] = taken_at.strftime("%Y:%m:%d %H:%M:%S")
        if offset is not None:
            exif_ifd[ExifTags.Base.OffsetTimeOriginal] = offset
    if gps is not None:
        gps_ifd = exif.get_ifd(ExifTags.IFD.GPSInfo)
        gps_ifd[ExifTags.GPS.GPSLatitudeRef] = "N" if gps[0] >= 0 else "S"
        gps_ifd[ExifTags.GPS.GPSLatitude] = _dms(abs(gps[0]))
        gps_ifd[ExifTags.GPS.GPSLongitudeRef] = "E" if gps[1] >= 0 else "W"
        gps_ifd[ExifTags.GPS.GPSLongitude] = _dms(abs(gps[1]))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=85, exif=exif)
    return buffer.getvalue()


def _dms(value: float) -> tuple[float, float, float]:
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    seconds = round((value - degrees - minutes / 60) * 3600, 4)
    return (float(degrees), float(minutes), seconds)


def png(size: tuple[int, int]) -> bytes:
    buffer = io.BytesIO()
    Image.new("L", size).save(buffer, "PNG")
    return buffer.getvalue()


def offset_point(origin: tuple[float, float], north_m: float = 0.0, east_m: float = 0.0) -> tuple[float, float]:
    """A point about `north_m` / `east_m` metres from `origin` (good enough at these distances)."""
    import math

    lat = origin[0] + north_m / 111_195.0
    lon = origin[1] + east_m / (111_195.0 * math.cos(math.radians(origin[0])))
    return (lat, lon)


def png_bomb(width: int, height: int) -> bytes:
    """A real, valid 1-bit PNG of width×height (all black), compressed to a few kilobytes."""
    import struct
    import zlib

    def chunk(kind: bytes, payload: bytes) -> bytes:
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", zlib.crc32(kind + payload))

    row = b"\x00" * (1 + (width + 7) // 8)  # filter byte + packed pixels
    packer = zlib.compressobj(9)
    pixels = b"".join(packer.compress(row * 500) for _ in range(height // 500))
    pixels += packer.compress(row * (height % 500)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def png_with_huge_exif() -> bytes:
    exif = Image.Exif()
    exif[ExifTags.Base.ImageDescription] = "x" * 100_000
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (10, 120, 30)).save(buffer, "PNG", exif=exif)
    return buffer.getvalue()


def noisy_jpeg(size: tuple[int, int]) -> bytes:
    """A JPEG that compresses like a photo (noise), so its size in bytes is realistic."""
    buffer = io.BytesIO()
    Image.effect_noise(size, 60).convert("RGB").save(buffer, "JPEG", quality=90)
    return buffer.getvalue()
