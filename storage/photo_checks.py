"""Checks made on an uploaded photo's bytes before any pixel is decoded, and the rejection error.

Everything here is cheap and reads only headers: the point is to refuse a hostile or broken
file before Pillow allocates memory for it.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass


class PhotoRejected(Exception):
    """A photo the service refuses; `code` is stable, the messages are shown to the user."""

    def __init__(self, code: str, message_vi: str, message_en: str) -> None:
        super().__init__(f"{code}: {message_en}")
        self.code = code
        self.message_vi = message_vi
        self.message_en = message_en

    def __reduce__(self) -> tuple[type[PhotoRejected], tuple[str, str, str]]:
        # Raised in photo worker processes and re-raised here: pickle by the three fields, not by args.
        return (type(self), (self.code, self.message_vi, self.message_en))


def reject_empty() -> PhotoRejected:
    return PhotoRejected(
        "photo.empty",
        "Ảnh trống (0 byte). Vui lòng chụp lại.",
        "The photo is empty (0 bytes). Please take it again.",
    )


def reject_too_large(size: int, max_bytes: int) -> PhotoRejected:
    limit_mb = max_bytes / 1_000_000
    return PhotoRejected(
        "photo.too_large",
        f"Ảnh quá lớn ({size / 1_000_000:.1f} MB, tối đa {limit_mb:g} MB). "
        "Vui lòng giảm độ phân giải máy ảnh rồi chụp lại.",
        f"The photo is too large ({size / 1_000_000:.1f} MB, at most {limit_mb:g} MB). "
        "Please lower the camera resolution and take it again.",
    )


def reject_unsupported_type(what: str) -> PhotoRejected:
    return PhotoRejected(
        "photo.unsupported_type",
        f"Định dạng ảnh không được hỗ trợ ({what}). Chỉ nhận ảnh JPEG, PNG hoặc WebP.",
        f"Unsupported image format ({what}). Only JPEG, PNG or WebP photos are accepted.",
    )


def reject_too_many_pixels(width: int, height: int, max_pixels: int) -> PhotoRejected:
    megapixels = width * height / 1_000_000
    limit = max_pixels / 1_000_000
    return PhotoRejected(
        "photo.too_many_pixels",
        f"Ảnh có độ phân giải quá cao ({width}×{height}, {megapixels:.0f} MP; tối đa {limit:g} MP).",
        f"The photo has too many pixels ({width}×{height}, {megapixels:.0f} MP; at most {limit:g} MP).",
    )


def reject_out_of_memory(width: int, height: int) -> PhotoRejected:
    return PhotoRejected(
        "photo.too_many_pixels",
        f"Ảnh ({width}×{height}) cần quá nhiều bộ nhớ để xử lý. Vui lòng gửi ảnh JPEG từ máy ảnh của điện thoại.",
        f"The photo ({width}×{height}) needs too much memory to process. Please send a JPEG from the phone's camera.",
    )


def reject_corrupt(detail: str) -> PhotoRejected:
    return PhotoRejected(
        "photo.corrupt",
        "Ảnh bị hỏng hoặc chưa được gửi hết. Vui lòng gửi lại.",
        f"The photo is damaged or was not received completely ({detail}). Please send it again.",
    )


def reject_exif_too_large(size: int, max_exif_bytes: int) -> PhotoRejected:
    return PhotoRejected(
        "photo.exif_too_large",
        f"Dữ liệu EXIF của ảnh quá lớn ({size // 1024} KB, tối đa {max_exif_bytes // 1024} KB).",
        f"The photo's EXIF block is too large ({size // 1024} KB, at most {max_exif_bytes // 1024} KB).",
    )


@dataclass(frozen=True, slots=True)
class SniffedType:
    pillow_format: str  # "JPEG" | "PNG" | "WEBP"
    content_type: str
    ext: str


JPEG = SniffedType("JPEG", "image/jpeg", "jpg")
PNG = SniffedType("PNG", "image/png", "png")
WEBP = SniffedType("WEBP", "image/webp", "webp")

_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_HEIF_BRANDS = {b"heic", b"heix", b"hevc", b"heim", b"heis", b"mif1", b"msf1", b"avif", b"avis"}


def sniff_image_type(data: bytes) -> SniffedType:
    """Decide the format from magic bytes alone: the client's content type and name are ignored."""
    if data[:3] == b"\xff\xd8\xff":
        return JPEG
    if data[:8] == _PNG_SIGNATURE:
        return PNG
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return WEBP
    if data[:6] in (b"GIF87a", b"GIF89a"):
        raise reject_unsupported_type("GIF")
    if data[4:8] == b"ftyp" and data[8:12] in _HEIF_BRANDS:
        # iPhones shoot HEIC by default; decoding it needs pillow-heif, which we do not ship.
        # The phone app should send JPEG ("Most Compatible" camera setting or a conversion).
        raise reject_unsupported_type("HEIC/AVIF")
    if data[:2] == b"BM":
        raise reject_unsupported_type("BMP")
    if data[:4] in (b"II*\x00", b"MM\x00*"):
        raise reject_unsupported_type("TIFF")
    raise reject_unsupported_type("unknown")


def webp_canvas_size(data: bytes) -> tuple[int, int] | None:
    """The canvas size from a WebP header.

    Needed before opening: Pillow's WebP plugin allocates the whole canvas when it opens the
    file, so the pixel limit must be applied to the header first.
    """
    if len(data) < 30:
        return None
    chunk = data[12:16]
    if chunk == b"VP8 " and data[23:26] == b"\x9d\x01\x2a":
        width, height = struct.unpack_from("<HH", data, 26)
        return width & 0x3FFF, height & 0x3FFF
    if chunk == b"VP8X":
        width = int.from_bytes(data[24:27], "little") + 1
        height = int.from_bytes(data[27:30], "little") + 1
        return width, height
    if chunk == b"VP8L" and data[20] == 0x2F:
        bits = int.from_bytes(data[21:25], "little")
        return (bits & 0x3FFF) + 1, ((bits >> 14) & 0x3FFF) + 1
    return None
