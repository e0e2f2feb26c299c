"""Photo processing: derivatives, metadata, and every kind of bad input → PhotoRejected."""

from __future__ import annotations

import hashlib
import io
from datetime import datetime, timedelta, timezone
from functools import lru_cache

import pytest
from PIL import ExifTags, Image, ImageStat

from storage import PhotoRejected, process_photo, process_photo_async
from tests.storage.photo_factory import (
    EXPECTED_LATITUDE,
    EXPECTED_LONGITUDE,
    encode,
    jpeg_segments,
    phone_exif,
    phone_jpeg,
    photo_pixels,
    png_header_only,
)

APP0_JFIF, APP1_EXIF, APP2_ICC, COMMENT = 0xE0, 0xE1, 0xE2, 0xFE
METADATA_MARKERS = {APP1_EXIF, APP2_ICC, COMMENT, *range(0xE3, 0xF0)}


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def left_half_is_red(image: Image.Image) -> bool:
    """The factory photo is red on its left half and blue on its right half."""
    rgb = image.convert("RGB")
    left = rgb.getpixel((rgb.width // 8, rgb.height // 2))
    return left[0] > left[2]


def top_half_is_red(image: Image.Image) -> bool:
    rgb = image.convert("RGB")
    top = rgb.getpixel((rgb.width // 2, rgb.height // 8))
    return top[0] > top[2]


def test_phone_jpeg_with_orientation_6() -> None:
    data = phone_jpeg(4000, 3000, orientation=6)
    photo = process_photo(data)

    assert photo.sha256 == hashlib.sha256(data).hexdigest()
    assert photo.original is data
    assert (photo.content_type, photo.ext) == ("image/jpeg", "jpg")
    # Orientation 6: the sensor's landscape frame is shown rotated 90° clockwise → portrait.
    assert (photo.width, photo.height) == (3000, 4000)
    large, thumb = decoded(photo.large_jpeg), decoded(photo.thumb_jpeg)
    assert large.format == thumb.format == "JPEG"
    # libjpeg decodes at 1/4 scale: a 1000 px "large" with no extra resample.
    assert large.size == (750, 1000)
    assert thumb.size == (240, 320)
    # Rotated clockwise, the red left half of the sensor frame ends up on top.
    assert top_half_is_red(large) and top_half_is_red(thumb)

    assert photo.exif_time == datetime(2026, 11, 20, 9, 15, 30)
    assert photo.exif_offset == timezone(timedelta(hours=7))
    assert photo.exif_gps == pytest.approx((EXPECTED_LATITUDE, EXPECTED_LONGITUDE), abs=1e-6)
    assert 100 < photo.exif_bytes < 1000


def test_derivatives_carry_no_metadata_at_all() -> None:
    source = photo_pixels(1600, 1200)
    data = encode(
        source,
        "JPEG",
        exif=phone_exif(),
        icc_profile=b"\0" * 300,
        comment=b"Nguyen Van A, 12 Hang Bac",
        xmp=b"<x:xmpmeta>secret</x:xmpmeta>",
    )
    assert {APP1_EXIF, COMMENT} <= set(jpeg_segments(data))
    photo = process_photo(data)
    for derivative in (photo.large_jpeg, photo.thumb_jpeg):
        assert not METADATA_MARKERS & set(jpeg_segments(derivative))
        assert b"Exif" not in derivative and b"Hang Bac" not in derivative
        image = decoded(derivative)
        assert not image.getexif()
        assert "icc_profile" not in image.info and "xmp" not in image.info


def test_south_west_gps_is_negative() -> None:
    data = encode(photo_pixels(400, 300), "JPEG", exif=phone_exif(orientation=1, south_west=True))
    photo = process_photo(data)
    assert photo.exif_gps == pytest.approx((-EXPECTED_LATITUDE, -EXPECTED_LONGITUDE), abs=1e-6)
    assert (photo.width, photo.height) == (400, 300)
    assert left_half_is_red(decoded(photo.large_jpeg))


def test_photo_without_exif() -> None:
    photo = process_photo(encode(photo_pixels(800, 600), "JPEG"))
    assert photo.exif_time is None and photo.exif_offset is None and photo.exif_gps is None
    assert photo.exif_bytes == 0
    assert decoded(photo.large_jpeg).size == (800, 600)  # never upscaled
    assert decoded(photo.thumb_jpeg).size == (320, 240)


def test_broken_exif_values_do_not_reject_the_photo() -> None:
    exif = Image.Exif()
    exif[ExifTags.Base.Orientation] = 42
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.DateTimeOriginal] = "0000:00:00 00:00:00"
    exif.get_ifd(ExifTags.IFD.Exif)[ExifTags.Base.OffsetTimeOriginal] = "local"
    gps = exif.get_ifd(ExifTags.IFD.GPSInfo)
    gps[ExifTags.GPS.GPSLatitude] = (0.0, 0.0, 0.0)
    gps[ExifTags.GPS.GPSLongitude] = (0.0, 0.0, 0.0)
    photo = process_photo(encode(photo_pixels(400, 300), "JPEG", exif=exif))
    assert photo.exif_time is None and photo.exif_offset is None and photo.exif_gps is None
    assert (photo.width, photo.height) == (400, 300)


def test_png_with_transparency() -> None:
    image = photo_pixels(2000, 1500).convert("RGBA")
    image.putalpha(128)
    photo = process_photo(encode(image, "PNG"))
    assert (photo.content_type, photo.ext) == ("image/png", "png")
    assert (photo.width, photo.height) == (2000, 1500)
    large = decoded(photo.large_jpeg)
    assert large.mode == "RGB" and large.size == (1280, 960)


def test_palette_png() -> None:
    image = photo_pixels(640, 480).convert("P", palette=Image.Palette.ADAPTIVE)
    photo = process_photo(encode(image, "PNG"))
    assert decoded(photo.thumb_jpeg).size == (320, 240)


def test_webp_with_exif() -> None:
    data = encode(photo_pixels(1600, 1200), "WEBP", quality=80, exif=phone_exif(orientation=8))
    photo = process_photo(data)
    assert (photo.content_type, photo.ext) == ("image/webp", "webp")
    assert (photo.width, photo.height) == (1200, 1600)  # orientation 8: rotated 90° anticlockwise
    large = decoded(photo.large_jpeg)
    assert large.size == (960, 1280)
    assert not top_half_is_red(large)  # anticlockwise: the red left half goes to the bottom
    assert photo.exif_time == datetime(2026, 11, 20, 9, 15, 30)
    assert photo.exif_gps is not None


async def test_async_variant_matches() -> None:
    data = encode(photo_pixels(400, 300), "JPEG")
    photo = await process_photo_async(data)
    assert photo == process_photo(data)


# ---- rejections -----------------------------------------------------------------------


def rejected(data: bytes, **limits: int) -> str:
    with pytest.raises(PhotoRejected) as caught:
        process_photo(data, **limits)
    error = caught.value
    assert error.message_vi and error.message_en and error.code in str(error)
    return error.code


def test_empty() -> None:
    assert rejected(b"") == "photo.empty"


def test_too_many_bytes() -> None:
    assert rejected(phone_jpeg(), max_bytes=1_000_000) == "photo.too_large"


def test_text_file() -> None:
    assert rejected("Đây không phải là ảnh\n".encode()) == "photo.unsupported_type"


def test_gif() -> None:
    assert rejected(encode(photo_pixels(64, 48), "GIF")) == "photo.unsupported_type"


@pytest.mark.parametrize(
    "magic",
    [
        b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00",  # iPhone HEIC
        b"BM" + b"\x00" * 30,
        b"II*\x00" + b"\x00" * 30,
        b"%PDF-1.7\n",
    ],
)
def test_other_formats(magic: bytes) -> None:
    assert rejected(magic) == "photo.unsupported_type"


def test_truncated_jpeg() -> None:
    data = phone_jpeg()
    assert rejected(data[: len(data) // 2]) == "photo.corrupt"


def test_jpeg_cut_inside_its_header() -> None:
    assert rejected(phone_jpeg()[:300]) == "photo.corrupt"


def test_truncated_png_and_webp() -> None:
    png = encode(photo_pixels(800, 600), "PNG")
    webp = encode(photo_pixels(800, 600), "WEBP")
    assert rejected(png[: len(png) // 2]) == "photo.corrupt"
    assert rejected(webp[: len(webp) // 2]) == "photo.corrupt"
    assert rejected(webp[:20]) == "photo.corrupt"


def test_garbage_after_valid_magic() -> None:
    assert rejected(b"\xff\xd8\xff" + b"\x00" * 5000) == "photo.corrupt"
    assert rejected(b"\x89PNG\r\n\x1a\n" + b"\x07" * 5000) == "photo.corrupt"


def test_20000_by_20000_png_is_refused_before_decoding() -> None:
    data = png_header_only(20_000, 20_000)
    assert len(data) < 200
    assert rejected(data) == "photo.too_many_pixels"


def test_real_decompression_bomb_png() -> None:
    # A genuine 1-bit 20000×20000 PNG (~50 KB on disk, 400 MP when decoded). Pillow's own
    # limit would warn (or raise) here; ours must reject it first and without any warning.
    bomb = encode(Image.new("1", (20_000, 20_000)), "PNG", optimize=True)
    assert len(bomb) < 200_000
    assert rejected(bomb) == "photo.too_many_pixels"


def test_pixel_limit_between_pillow_warning_thresholds() -> None:
    # 100 MP: above Pillow's warning threshold (89 MP), below its error threshold (179 MP).
    assert rejected(png_header_only(10_000, 10_000)) == "photo.too_many_pixels"


def test_huge_webp_canvas() -> None:
    # VP8X header claiming a 16384×16384 canvas; Pillow would allocate it when opening.
    header = b"VP8X" + (10).to_bytes(4, "little") + b"\x00\x00\x00\x00"
    header += (16383).to_bytes(3, "little") + (16383).to_bytes(3, "little")
    data = b"RIFF" + (len(header) + 4).to_bytes(4, "little") + b"WEBP" + header
    assert rejected(data) == "photo.too_many_pixels"


def test_huge_exif_block() -> None:
    exif = phone_exif()
    exif[ExifTags.Base.ImageDescription] = "x" * 100_000
    # One JPEG APP1 segment cannot exceed 64 KB, so use WebP and PNG, which can carry more…
    for fmt in ("WEBP", "PNG"):
        data = encode(photo_pixels(400, 300), fmt, exif=exif)
        assert rejected(data) == "photo.exif_too_large", fmt
    # …and a lower limit shows the JPEG path checks it too.
    jpeg = encode(photo_pixels(400, 300), "JPEG", exif=phone_exif())
    assert rejected(jpeg, max_exif_bytes=100) == "photo.exif_too_large"


def test_only_photo_rejected_escapes_for_random_garbage() -> None:
    seed = phone_jpeg(4000, 3000)
    for start in (2, 20, 200, 2000):
        mangled = seed[:start] + bytes(range(256)) * 4 + seed[start + 1024 :]
        try:
            process_photo(mangled)
        except PhotoRejected:
            pass


@lru_cache(maxsize=1)
def unusual_but_valid_images() -> dict[str, bytes]:
    pixels = photo_pixels(640, 480)
    sixteen_bit = Image.new("I;16", (640, 480))
    sixteen_bit.frombytes(pixels.convert("L").resize((640, 480)).tobytes() * 2)
    frames = [pixels, pixels.transpose(Image.Transpose.FLIP_LEFT_RIGHT)]
    return {
        "cmyk-jpeg": encode(pixels.convert("CMYK"), "JPEG"),
        "grey-jpeg": encode(pixels.convert("L"), "JPEG"),
        "progressive-jpeg": encode(pixels, "JPEG", progressive=True),
        "mpo": encode(frames[0], "MPO", save_all=True, append_images=frames[1:]),
        "16-bit-png": encode(sixteen_bit, "PNG"),
        "1-bit-png": encode(pixels.convert("1"), "PNG"),
        "grey-alpha-png": encode(pixels.convert("LA"), "PNG"),
        "animated-webp": encode(frames[0], "WEBP", save_all=True, append_images=frames[1:]),
        "lossless-webp": encode(pixels, "WEBP", lossless=True),
        "apng": encode(frames[0], "PNG", save_all=True, append_images=frames[1:]),
    }


@pytest.mark.parametrize("name", sorted(unusual_but_valid_images()))
def test_unusual_but_valid_images(name: str) -> None:
    photo = process_photo(unusual_but_valid_images()[name])
    assert (photo.width, photo.height) == (640, 480)
    large = decoded(photo.large_jpeg)
    assert large.size == (640, 480) and large.mode in ("RGB", "L")
    assert 20 < ImageStat.Stat(large.convert("L")).mean[0] < 235  # not clipped to white or black
    assert decoded(photo.thumb_jpeg).size == (320, 240)
