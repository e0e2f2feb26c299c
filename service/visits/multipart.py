"""Reading a visit's multipart/form-data body: a `visit` part with the JSON, one file part per photo.

Parsed here rather than by Litestar's form parser because a photo sent without a filename must be refused
with its own code (Litestar would try to decode its bytes as UTF-8 text), and because photos are needed as
bytes anyway: nothing is spooled to disk; the request size limit bounds memory.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from litestar import Request
from multipart import MultipartError, MultipartSegment, ParserLimitReached, PushMultipartParser

from service import errors

MAX_PARTS = 64
VISIT_PART = "visit"
MAX_VISIT_JSON_BYTES = 1_000_000
_SLOT_NAME = re.compile(r"(?P<question>[^\[\]]+)(?:\[(?P<index>\d{1,3})\])?")


@dataclass(frozen=True, slots=True)
class Part:
    name: str
    filename: str | None
    content_type: str | None
    data: bytes


@dataclass(frozen=True, slots=True)
class PhotoPart:
    """A file part: a photo, or the file of an audio, video or file question (service/visits/attachments.py)."""

    question: str
    index: int | None  # None: `question` without `[i]`, indexes follow the order of the parts
    data: bytes
    content_type: str | None = None
    filename: str | None = None


def _bad(detail_en: str) -> errors.DomainError:
    return errors.DomainError(errors.VISIT_BAD_MULTIPART, errors.VISIT_BAD_MULTIPART.title_vi, detail_en)


async def read_parts(request: Request) -> list[Part]:
    boundary = request.content_type[1].get("boundary")
    if not boundary:
        raise _bad("The multipart Content-Type has no boundary.")
    parts: list[Part] = []
    segment: MultipartSegment | None = None
    buffer = bytearray()
    try:
        # Leaving the block closes the parser, which raises on a truncated body.
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS) as parser:
            async for chunk in request.stream():
                if not chunk or parser.closed:
                    continue  # an empty chunk would mean "end of input"; after the end comes only epilogue
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        segment, buffer = event, bytearray()
                    elif event is not None:
                        buffer.extend(event)
                    elif segment is not None:
                        parts.append(Part(segment.name, segment.filename, segment.content_type, bytes(buffer)))
                        segment = None
    except ParserLimitReached as exc:
        raise _bad(f"At most {MAX_PARTS} parts.") from exc
    except MultipartError as exc:
        raise _bad(str(exc)) from exc
    return parts


def split_parts(parts: list[Part]) -> tuple[bytes, list[PhotoPart]]:
    """(the visit JSON, the photo parts). Every part but `visit` must be a file named `question` or
    `question[i]`."""
    visit: bytes | None = None
    photos: list[PhotoPart] = []
    for part in parts:
        if part.name == VISIT_PART:
            if visit is not None:
                raise errors.DomainError(
                    errors.VISIT_MALFORMED, "Chỉ được gửi một phần 'visit'.", "Send exactly one 'visit' part."
                )
            if len(part.data) > MAX_VISIT_JSON_BYTES:
                raise errors.DomainError(errors.TOO_LARGE)
            visit = part.data
            continue
        match = _SLOT_NAME.fullmatch(part.name)
        if match is None:
            raise errors.DomainError(
                errors.VISIT_BAD_MULTIPART,
                f"Tên phần không hợp lệ: {part.name!r}.",
                f"Bad part name {part.name!r}: use `question` or `question[i]`.",
            )
        if not part.filename:
            raise errors.DomainError(
                errors.PHOTO_MISSING_FILENAME,
                f"Ảnh '{part.name}' phải được gửi dưới dạng tệp (có tên tệp).",
                f"The part {part.name!r} must be a file part with a filename.",
            )
        index = match.group("index")
        photos.append(
            PhotoPart(
                match.group("question"),
                int(index) if index is not None else None,
                part.data,
                part.content_type,
                part.filename,
            )
        )
    if visit is None:
        raise errors.DomainError(errors.VISIT_MISSING_PART)
    return visit, photos
