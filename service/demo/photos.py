"""The demo's photos: small real JPEGs of a house, each with its own EXIF time and GPS position.

A few base pictures are drawn once and put through the service's own photo processing (`process_photo`), which
makes their derivatives. A visit's photo is a base picture with the visit's EXIF block spliced in after the
JFIF header: its own bytes and SHA-256, the same pixels. Derivatives carry no metadata, so a photo's thumb and
large version are byte for byte those of its base picture (tests/demo checks it against `process_photo`), and
the seed only writes bytes, it decodes nothing per photo.
"""

from __future__ import annotations

import asyncio
import io
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from PIL import Image, ImageDraw
from PIL.TiffImagePlugin import IFDRational

from storage import ObjectStore, photo_keys, process_photo

BASE_PICTURES = 12
WRITERS = 16  # object writes in flight (a local folder or S3)

_WALLS = [(214, 196, 160), (236, 228, 200), (190, 200, 210), (222, 190, 170), (200, 214, 180), (240, 220, 150)]
_ROOFS = [(160, 60, 50), (120, 70, 50), (70, 90, 120), (150, 100, 60)]


@dataclass(frozen=True, slots=True)
class BasePicture:
    jpeg: bytes
    width: int
    height: int
    large: bytes
    thumb: bytes
    sha256: str


def _draw(index: int) -> bytes:
    """A house with a roof, a door and a window, colours varying with `index`; 320 × 240, ~4 KB."""
    image = Image.new("RGB", (320, 240), (120 + 7 * index % 40, 170, 225))
    draw = ImageDraw.Draw(image)
    draw.rectangle((0, 165, 320, 240), fill=(80 + 9 * index % 50, 140, 70))
    left = 60 + (index * 23) % 70
    draw.rectangle((left, 100, left + 150, 195), fill=_WALLS[index % len(_WALLS)])
    draw.polygon([(left - 12, 100), (left + 75, 45 + index % 15), (left + 162, 100)], fill=_ROOFS[index % len(_ROOFS)])
    draw.rectangle((left + 60, 140, left + 90, 195), fill=(90, 60, 40))
    draw.rectangle((left + 110, 120, left + 135, 145), fill=(150, 200, 230))
    draw.ellipse((250, 20, 290, 60), fill=(250, 230, 120))
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=80)
    return buffer.getvalue()


def base_pictures() -> list[BasePicture]:
    pictures = []
    for index in range(BASE_PICTURES):
        jpeg = _draw(index)
        processed = process_photo(jpeg)
        pictures.append(
            BasePicture(
                jpeg, processed.width, processed.height, processed.large_jpeg, processed.thumb_jpeg, processed.sha256
            )
        )
    return pictures


def _dms(value: float) -> tuple[IFDRational, IFDRational, IFDRational]:
    value = abs(value)
    degrees = int(value)
    minutes = int((value - degrees) * 60)
    hundredths = round(((value - degrees) * 60 - minutes) * 6000)
    return IFDRational(degrees, 1), IFDRational(minutes, 1), IFDRational(hundredths, 100)


def with_exif(jpeg: bytes, taken_local: datetime, lat: float, lon: float) -> bytes:
    """`jpeg` with an EXIF block: DateTimeOriginal (the phone's wall clock, no zone) and the GPS position."""
    exif = Image.Exif()
    exif[0x0110] = "Demo phone"  # Model
    exif.get_ifd(0x8769)[0x9003] = taken_local.strftime("%Y:%m:%d %H:%M:%S")
    gps = exif.get_ifd(0x8825)
    gps[1], gps[2] = ("N" if lat >= 0 else "S"), _dms(lat)
    gps[3], gps[4] = ("E" if lon >= 0 else "W"), _dms(lon)
    data = exif.tobytes()
    segment = b"\xff\xe1" + (len(data) + 2).to_bytes(2, "big") + data
    app0_end = 4 + int.from_bytes(jpeg[4:6], "big")  # SOI, then Pillow's JFIF APP0 segment
    return jpeg[:app0_end] + segment + jpeg[app0_end:]


@dataclass(frozen=True, slots=True)
class PhotoObjects:
    """The three objects of one photo, as the write path stores them (content-addressed by the original)."""

    sha256: str
    original: bytes
    base: BasePicture

    def puts(self) -> list[tuple[str, bytes]]:
        keys = photo_keys(self.sha256, "jpg")
        return [(keys.original, self.original), (keys.large, self.base.large), (keys.thumb, self.base.thumb)]


async def write_objects(store: ObjectStore, photos: Iterable[PhotoObjects]) -> int:
    """Writes every photo's objects, `WRITERS` at a time; the number of objects written."""
    pending = [put for photo in photos for put in photo.puts()]
    written = 0
    for start in range(0, len(pending), WRITERS):
        chunk = pending[start : start + WRITERS]
        await asyncio.gather(*(store.put(key, data, "image/jpeg") for key, data in chunk))
        written += len(chunk)
    return written
