"""Photos made in-test with Pillow, shaped like what phones send."""

from __future__ import annotations

import io
import struct
import zlib
from functools import lru_cache

from PIL import ExifTags, Image

# Hà Nội, Hoàn Kiếm lake: 21°01'42.5"N 105°51'09.1"E
GPS_LATITUDE = (21.0, 1.0, 42.5)
GPS_LONGITUDE = (105.0, 51.0, 9.1)
EXPECTED_LATITUDE = 21 + 1 / 60 + 42.5 / 3600
EXPECTED_LONGITUDE = 105 + 51 / 60 + 9.1 / 3600
TAKEN_AT = "2026:11:20 09:15:30"


def phone_exif(*, orientation: int = 6, south_west: bool = False) -> Image.Exif:
    exif = Image.Exif()
    exif[ExifTags.Base.Make] = "GoCuaTestPhone"
    exif[ExifTags.Base.Orientation] = orientation
    exif_ifd = exif.get_ifd(ExifTags.IFD.Exif)
    exif_ifd[ExifTags.Base.DateTimeOriginal] = TAKEN_AT
    exif_ifd[ExifTags.Base.OffsetTimeOriginal] = "+07:00"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitudeRef] = "S" if south_west else "N"
    gps[ExifTags.GPS.GPSLatitude] = GPS_LATITUDE
    gps[ExifTags.GPS.GPSLongitudeRef] = "W" if south_west else "E"
    gps[ExifTags.GPS.GPSLongitude] = GPS_LONGITUDE
    return exif


@lru_cache(maxsize=4)
def photo_pixels(width: int, height: int) -> Image.Image:
    """Smooth shapes plus sensor-like noise: compresses and decodes like a real photo.

    The left half is red and the right half blue, so a test can tell which way it was rotated.
    """
    base = Image.effect_noise((max(1, width // 40), max(1, height // 40)), 80).convert("RGB")
    image = base.resize((width, height), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((width, height), 18).convert("RGB")
    image = Image.blend(image, grain, 0.35)
    red = Image.new("RGB", (width // 2, height), (220, 30, 30))
    blue = Image.new("RGB", (width - width // 2, height), (30, 30, 220))
    tint = Image.new("RGB", (width, height))
    tint.paste(red, (0, 0))
    tint.paste(blue, (width // 2, 0))
    return Image.blend(image, tint, 0.6)


@lru_cache(maxsize=4)
def phone_jpeg(width: int = 4000, height: int = 3000, orientation: int = 6) -> bytes:
    buffer = io.BytesIO()
    photo_pixels(width, height).save(buffer, "JPEG", quality=90, exif=phone_exif(orientation=orientation))
    return buffer.getvalue()


def encode(image: Image.Image, fmt: str, **params: object) -> bytes:
    buffer = io.BytesIO()
    image.save(buffer, fmt, **params)
    return buffer.getvalue()


def png_header_only(width: int, height: int) -> bytes:
    """A PNG whose IHDR claims width×height, followed by a tiny (wrong) IDAT and IEND.

    Enough to reach the pixel-count check, which must reject it before any decoding.
    """

    def chunk(kind: bytes, payload: bytes) -> bytes:
        crc = zlib.crc32(kind + payload) & 0xFFFFFFFF
        return struct.pack(">I", len(payload)) + kind + payload + struct.pack(">I", crc)

    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)  # 1-bit greyscale
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", zlib.compress(b"\x00" * 64)) + chunk(b"IEND", b"")
    )


def jpeg_segments(data: bytes) -> list[int]:
    """The marker bytes (0xE0 APP0, 0xE1 APP1/EXIF, 0xFE COM…) of a JPEG's header segments."""
    assert data[:2] == b"\xff\xd8"
    markers = []
    position = 2
    while position < len(data):
        assert data[position] == 0xFF, "bad JPEG segment"
        marker = data[position + 1]
        markers.append(marker)
        if marker == 0xDA:  # start of scan: entropy-coded data follows
            break
        (length,) = struct.unpack(">H", data[position + 2 : position + 4])
        position += 2 + length
    return markers
