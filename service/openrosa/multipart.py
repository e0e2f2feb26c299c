"""Reading an OpenRosa submission body: `xml_submission_file`, the files, maybe `*isIncomplete*`.

Collect puts up to 100 files plus the XML and `*isIncomplete*` in one POST (it closes a batch past 100 files), so
this route allows more parts than the visit route's 64; part names are decoded as UTF-8 (a Vietnamese file name
survives). Each part is bounded by the largest file its kind may be (PartLimits), the whole body by the route's
ceiling.
"""

from __future__ import annotations

from dataclasses import dataclass

from litestar import Request
from multipart import MultipartError, MultipartSegment, ParserLimitReached, PushMultipartParser

from forms.spec import DEFAULT_PHOTO_MAX_BYTES
from service import errors
from service.settings import Settings

MAX_PARTS = 128
MAX_PART_BYTES = DEFAULT_PHOTO_MAX_BYTES
MAX_XML_BYTES = 2_000_000
XML_PART = "xml_submission_file"
INCOMPLETE_PART = "*isIncomplete*"


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    data: bytes
    content_type: str | None = None


@dataclass(frozen=True, slots=True)
class Submission:
    xml: bytes
    files: list[Part]
    incomplete: bool


@dataclass(frozen=True, slots=True)
class PartLimits:
    """The largest part while the body streams in, before the XML says which question a part answers: an image
    may answer a photo or a `file` question, anything else an audio, video or file one. The question's own limit
    is applied later (the photo pipeline, service/visits/attachments.py)."""

    image: int = MAX_PART_BYTES
    other: int = MAX_PART_BYTES


def part_limits(settings: Settings) -> PartLimits:
    return PartLimits(
        image=max(MAX_PART_BYTES, settings.max_file_bytes),
        other=max(MAX_PART_BYTES, settings.max_audio_bytes, settings.max_video_bytes, settings.max_file_bytes),
    )


_IMAGE_NAMES = (".jpg", ".jpeg", ".png", ".webp", ".heic", ".gif", ".bmp")


def _check_part_size(segment: MultipartSegment, size: int, limits: PartLimits) -> None:
    name = segment.filename or segment.name
    photo = (segment.content_type or "").lower().startswith("image/") or name.lower().endswith(_IMAGE_NAMES)
    limit = limits.image if photo else limits.other
    if size <= limit:
        return
    advice = "Hãy chụp lại ảnh nhỏ hơn rồi gửi." if photo else "Hãy gửi tệp nhỏ hơn."
    raise errors.DomainError(
        errors.OPENROSA_PART_TOO_LARGE,
        f"Tệp “{name}” lớn hơn {limit // 1_000_000} MB, máy chủ không nhận. {advice}",
        f"The part {name!r} is larger than {limit} bytes.",
    )


async def read_submission(request: Request, limits: PartLimits = PartLimits()) -> Submission:
    boundary = request.content_type[1].get("boundary")
    if not boundary:
        raise errors.DomainError(
            errors.OPENROSA_BAD_MULTIPART, errors.OPENROSA_BAD_MULTIPART.title_vi, "Not multipart/form-data."
        )
    parts: list[Part] = []
    segment: MultipartSegment | None = None
    buffer = bytearray()
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS) as parser:
            async for chunk in request.stream():
                if not chunk or parser.closed:
                    continue
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment, buffer = event, bytearray()
                    elif event is not None:
                        buffer.extend(event)
                        if segment is not None and len(buffer) > MAX_PART_BYTES:
                            _check_part_size(segment, len(buffer), limits)
                    elif segment is not None:
                        parts.append(Part(segment.name, segment.filename, bytes(buffer), segment.content_type))
                        segment = None
    except ParserLimitReached:
        raise errors.DomainError(
            errors.OPENROSA_TOO_MANY_PARTS,
            f"Gửi quá nhiều tệp một lần (tối đa {MAX_PARTS - 3}). Hãy cập nhật ODK Collect rồi gửi lại.",
            f"At most {MAX_PARTS} parts per POST.",
        ) from None
    except MultipartError as exc:
        raise errors.DomainError(
            errors.OPENROSA_BAD_MULTIPART, errors.OPENROSA_BAD_MULTIPART.title_vi, str(exc)
        ) from exc
    return split(parts)


def split(parts: list[Part]) -> Submission:
    xml = [p for p in parts if p.name == XML_PART]
    if not xml:
        raise errors.DomainError(errors.OPENROSA_NO_XML)
    if len(xml[0].data) > MAX_XML_BYTES:
        raise errors.DomainError(
            errors.OPENROSA_PART_TOO_LARGE, "Phiếu (XML) lớn quá 2 MB.", f"The XML is over {MAX_XML_BYTES} bytes."
        )
    incomplete = any(p.name == INCOMPLETE_PART for p in parts)
    files = [p for p in parts if p.name not in (XML_PART, INCOMPLETE_PART)]
    return Submission(xml[0].data, files, incomplete)


def file_for(files: list[Part], name: str) -> Part | None:
    """The part a file name refers to: by part name first (Collect, Web Forms), then by filename."""
    for part in files:
        if part.name == name:
            return part
    for part in files:
        if part.filename == name:
            return part
    return None
