"""Turning an uploaded evidence photo into what the service stores and shows.

One pass over the bytes: refuse bad input from headers alone, decode once (JPEG at a reduced
DCT scale via `draft`, which is most of the speed), and derive a "large" of 960-1280 px and a 320 px
thumbnail from that single decode. Derivatives carry no metadata at all — no EXIF, GPS, XMP,
ICC or comments — because supervisors see them; the original is kept byte-for-byte as
evidence (its SHA-256 names it in the store).

`process_photo` is synchronous and CPU-bound; from async code use `process_photo_async`.
"""

from __future__ import annotations

import hashlib
import io
import math
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from functools import partial

import anyio
import anyio.to_thread
from PIL import Image, ImageFile, JpegImagePlugin, PngImagePlugin, WebPImagePlugin

from storage.photo_checks import (
    JPEG,
    WEBP,
    PhotoRejected,
    SniffedType,
    reject_corrupt,
    reject_empty,
    reject_exif_too_large,
    reject_out_of_memory,
    reject_too_large,
    reject_too_many_pixels,
    sniff_image_type,
    webp_canvas_size,
)
from storage.photo_metadata import PhotoMetadata, read_metadata, upright_transpose

MAX_BYTES = 15_000_000
# JPEG decodes at a reduced DCT scale, so a 64 MP camera photo costs ~200 MB at worst (progressive);
# PNG and WebP always decode whole (4-8 bytes a pixel, plus conversions), and phones do not shoot them:
# a screenshot or an exported picture is at most a few megapixels.
MAX_PIXELS_DECODE = 64_000_000
MAX_PIXELS_LOSSLESS = 16_000_000
MAX_EXIF_BYTES = 64 * 1024
LARGE_PX = 1280
THUMB_PX = 320
JPEG_QUALITY = 80

# The plugin classes are used directly instead of Image.open(): Image.open applies Pillow's
# process-wide decompression-bomb limit, which *warns* (an error under pytest's -W error)
# between 89 and 179 MP. Our own, stricter limit is applied right after the header is read,
# and changing Image.MAX_IMAGE_PIXELS or the warning filters from a worker thread is not safe.
_OPENERS: dict[str, type[ImageFile.ImageFile]] = {
    "JPEG": JpegImagePlugin.JpegImageFile,  # MPO files (many Android/iPhone JPEGs) open as their first image
    "PNG": PngImagePlugin.PngImageFile,
    "WEBP": WebPImagePlugin.WebPImageFile,
}
_ORIENTATIONS_SWAPPING_AXES = frozenset({5, 6, 7, 8})
_MODES_WITH_ALPHA = frozenset({"RGBA", "RGBa", "LA", "La", "PA"})


@dataclass(frozen=True, slots=True)
class ProcessedPhoto:
    sha256: str  # hex digest of `original`
    original: bytes = field(repr=False)
    content_type: str  # "image/jpeg" | "image/png" | "image/webp"
    ext: str  # "jpg" | "png" | "webp"
    width: int  # as displayed, i.e. after applying the EXIF orientation
    height: int
    thumb_jpeg: bytes = field(repr=False)
    large_jpeg: bytes = field(repr=False)
    exif_time: datetime | None  # DateTimeOriginal, naive local wall-clock time of the phone
    exif_offset: timezone | None  # OffsetTimeOriginal, when present
    exif_gps: tuple[float, float] | None  # (latitude, longitude), decimal degrees
    exif_bytes: int  # size of the original's EXIF block, 0 if none


def process_photo(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels_decode: int = MAX_PIXELS_DECODE,
    max_pixels_lossless: int = MAX_PIXELS_LOSSLESS,
    large_px: int = LARGE_PX,
    thumb_px: int = THUMB_PX,
    max_exif_bytes: int = MAX_EXIF_BYTES,
    jpeg_quality: int = JPEG_QUALITY,
) -> ProcessedPhoto:
    """Validate a photo and make its derivatives; bad input raises PhotoRejected only.

    `max_pixels_decode` bounds a JPEG, `max_pixels_lossless` (or the former, if lower) a PNG or WebP.
    """
    if not data:
        raise reject_empty()
    if len(data) > max_bytes:
        raise reject_too_large(len(data), max_bytes)
    kind = sniff_image_type(data)
    if kind is not JPEG:
        max_pixels_decode = min(max_pixels_decode, max_pixels_lossless)
    if kind is WEBP:
        canvas = webp_canvas_size(data)
        if canvas is None:
            raise reject_corrupt("unreadable WebP header")
        _check_pixels(*canvas, max_pixels_decode)

    try:
        image = _OPENERS[kind.pillow_format](io.BytesIO(data))
    except Exception as exc:  # Pillow signals bad headers with many types (SyntaxError, OSError…)
        raise reject_corrupt(f"unreadable {kind.pillow_format} header: {exc}") from None

    with image:
        original_width, original_height = image.size
        _check_pixels(original_width, original_height, max_pixels_decode)
        _check_exif_size(image, max_exif_bytes)
        try:
            large_jpeg, thumb_jpeg, metadata, exif_bytes = _derivatives(
                image, kind, large_px, thumb_px, jpeg_quality, max_exif_bytes
            )
        except PhotoRejected:
            raise
        except MemoryError:
            # The worker's memory ceiling (RLIMIT_AS) stopped a decode that got past the pixel checks.
            raise reject_out_of_memory(original_width, original_height) from None
        except Exception as exc:  # truncated data, bad chunks, decoder errors of every kind
            raise reject_corrupt(f"{type(exc).__name__}: {exc}") from None

    if metadata.orientation in _ORIENTATIONS_SWAPPING_AXES:
        original_width, original_height = original_height, original_width
    return ProcessedPhoto(
        sha256=hashlib.sha256(data).hexdigest(),
        original=data,
        content_type=kind.content_type,
        ext=kind.ext,
        width=original_width,
        height=original_height,
        thumb_jpeg=thumb_jpeg,
        large_jpeg=large_jpeg,
        exif_time=metadata.taken_at,
        exif_offset=metadata.taken_at_offset,
        exif_gps=metadata.gps,
        exif_bytes=exif_bytes,
    )


async def process_photo_async(
    data: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_pixels_decode: int = MAX_PIXELS_DECODE,
    max_pixels_lossless: int = MAX_PIXELS_LOSSLESS,
    large_px: int = LARGE_PX,
    thumb_px: int = THUMB_PX,
    max_exif_bytes: int = MAX_EXIF_BYTES,
    jpeg_quality: int = JPEG_QUALITY,
    limiter: anyio.CapacityLimiter | None = None,
) -> ProcessedPhoto:
    """`process_photo` in a worker thread (Pillow releases the GIL while decoding/encoding).

    Pass a `limiter` sized to the CPU count to bound memory when many uploads arrive at once;
    by default anyio's shared thread limiter (40) applies.
    """
    work = partial(
        process_photo,
        data,
        max_bytes=max_bytes,
        max_pixels_decode=max_pixels_decode,
        max_pixels_lossless=max_pixels_lossless,
        large_px=large_px,
        thumb_px=thumb_px,
        max_exif_bytes=max_exif_bytes,
        jpeg_quality=jpeg_quality,
    )
    return await anyio.to_thread.run_sync(work, limiter=limiter)


def _draft_request(size: tuple[int, int], large_px: int) -> tuple[int, int]:
    """The smallest decode size to accept: long side ¾ of large_px, same aspect (draft checks both sides)."""
    width, height = size
    scale = (large_px * 3 / 4) / max(width, height, 1)
    return (max(1, math.ceil(width * scale)), max(1, math.ceil(height * scale)))


def floor_cost(data: bytes, *, large_px: int = LARGE_PX, thumb_px: int = THUMB_PX) -> float:
    """Seconds taken by the bare minimum Pillow work for one photo, to benchmark against.

    Open, draft, 1280 px thumbnail → JPEG, 320 px thumbnail → JPEG: no checks, no hashing,
    no orientation, no metadata. `process_photo` should cost at most ~1.3× this.
    """
    started = time.perf_counter()
    with Image.open(io.BytesIO(data)) as image:
        image.draft("RGB", _draft_request(image.size, large_px))
        image.thumbnail((large_px, large_px), Image.Resampling.BILINEAR)
        image.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)
        image.thumbnail((thumb_px, thumb_px), reducing_gap=1.0)
        image.save(io.BytesIO(), "JPEG", quality=JPEG_QUALITY)
    return time.perf_counter() - started


def _check_pixels(width: int, height: int, max_pixels: int) -> None:
    if width < 1 or height < 1:
        raise reject_corrupt(f"image size {width}×{height}")
    if width * height > max_pixels:
        raise reject_too_many_pixels(width, height, max_pixels)


def _check_exif_size(image: Image.Image, max_exif_bytes: int) -> int:
    size = len(image.info.get("exif") or b"")
    if size > max_exif_bytes:
        raise reject_exif_too_large(size, max_exif_bytes)
    return size


def _derivatives(
    image: ImageFile.ImageFile,
    kind: SniffedType,
    large_px: int,
    thumb_px: int,
    quality: int,
    max_exif_bytes: int,
) -> tuple[bytes, bytes, PhotoMetadata, int]:
    """(large JPEG, thumbnail JPEG, metadata, EXIF size) from one decode of `image`."""
    if kind is JPEG:
        # Let libjpeg decode at 1/2, 1/4 or 1/8 scale: 2-4× faster than a full decode of a 12 MP
        # photo, and a quarter of the memory. Asking for ¾ of large_px lets a 4000×3000 photo
        # decode straight to 1000×750 and skip a resample that costs ~70 ms here (see
        # docs/performance.md); "large" is then 960-1280 px on its long side.
        image.draft("RGB", _draft_request(image.size, large_px))
    working: Image.Image = _resizable(image)
    # thumbnail() loads (decodes) the pixels; a truncated file raises here. It resizes in place.
    # Bilinear (Pillow's is antialiased: its support widens with the factor): what is left after draft is a
    # reduction under 2x, e.g. a phone-downscaled 1460x1095 to 1280x960, where bicubic cost ~70 ms and
    # bilinear ~22 ms with no visible difference (docs/performance.md, "The phone app").
    working.thumbnail((large_px, large_px), Image.Resampling.BILINEAR)
    # PNG may keep its eXIf chunk after the pixel data; it is only known once loaded.
    exif_bytes = _check_exif_size(image, max_exif_bytes)
    # Read before encoding: the encoder is handed images stripped of their info dict.
    metadata = read_metadata(image)
    working = _jpeg_compatible(working)
    transpose = upright_transpose(metadata.orientation)
    if transpose is not None:
        working = working.transpose(transpose)
    large_jpeg = _encode_jpeg(working, quality)
    # reducing_gap=1: box-reduce by the whole factor first (~1 ms), then a short bicubic step;
    # the default gap resamples the full large image and costs ~9 ms here.
    working.thumbnail((thumb_px, thumb_px), reducing_gap=1.0)
    return large_jpeg, _encode_jpeg(working, quality), metadata, exif_bytes


def _resizable(image: ImageFile.ImageFile) -> Image.Image:
    """Palette and 1-bit/16-bit images would resize badly (nearest neighbour, clipping)."""
    mode = image.mode
    if mode in ("P", "PA"):
        has_alpha = mode == "PA" or "transparency" in image.info
        return image.convert("RGBA" if has_alpha else "RGB")
    if mode == "1":
        return image.convert("L")
    if mode.startswith("I;16") or mode == "I":
        return image.convert("I").point(lambda value: value * (1 / 256)).convert("L")
    return image


def _jpeg_compatible(image: Image.Image) -> Image.Image:
    if image.mode in ("RGB", "L"):
        return image
    if image.mode in _MODES_WITH_ALPHA:
        # Transparent areas become white, not black, like a photo viewer shows them.
        rgba = image.convert("RGBA")
        flattened = Image.new("RGB", rgba.size, (255, 255, 255))
        flattened.paste(rgba, mask=rgba.getchannel("A"))
        return flattened
    return image.convert("RGB")  # CMYK, YCbCr, LAB…


def _encode_jpeg(image: Image.Image, quality: int) -> bytes:
    # Pillow's JPEG writer copies a COM comment from image.info (and may copy more in future
    # versions); nothing of the original's metadata may reach the derivatives.
    image.info = {}
    buffer = io.BytesIO()
    image.save(buffer, "JPEG", quality=quality)
    return buffer.getvalue()
