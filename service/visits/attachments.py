"""Files of audio, video and file questions: checked (size, type, leading bytes) and stored as they came.

The answer to such a question is the file's name (as ODK writes it); the bytes come as a file part named after the
question, with the visit, in a later POST of the same visit, or by `PUT …/attachments/{question}`. Nothing here
decodes, converts or renders a file: it is kept byte for byte and only ever served as a download
(service/visits/attachment_download.py).

Types (docs/forms.md): the declared Content-Type must be on the kind's allow-list; a part sent as
application/octet-stream (or without a type) takes the type its file name's extension names. Where cheap, the leading
bytes must agree with that type (an MP3 that starts like a PDF is refused), so a declared type is not trusted blindly.
Sizes: GOCUA_MAX_AUDIO_BYTES, GOCUA_MAX_VIDEO_BYTES, GOCUA_MAX_FILE_BYTES.

Objects are content-addressed: `attachments/<ab>/<cd>/<sha256>.<ext>`, beside `photos/`; `gocua storage sweep`
removes those no visit uses (an attachment uploaded for a visit that then failed to commit), as it does photos.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from service import errors
from service.settings import Settings
from storage import ObjectStore, StoreError, StoreUnavailable
from storage.sweep import fresh_in_store

log = logging.getLogger("gocua")

PREFIX = "attachments/"
_OCTET = frozenset({"", "application/octet-stream", "binary/octet-stream", "application/binary"})

# type → (extension, the signatures its leading bytes may have; empty: not sniffed)
AUDIO_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "audio/mpeg": ("mp3", frozenset({"mp3"})),
    "audio/mp4": ("m4a", frozenset({"iso"})),
    "audio/aac": ("aac", frozenset({"adts", "iso"})),
    "audio/ogg": ("ogg", frozenset({"ogg"})),
    "audio/webm": ("webm", frozenset({"ebml"})),
    "audio/amr": ("amr", frozenset({"amr"})),
    "audio/3gpp": ("3gp", frozenset({"iso", "amr"})),
    "audio/wav": ("wav", frozenset({"wave"})),
}
VIDEO_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "video/mp4": ("mp4", frozenset({"iso"})),
    "video/3gpp": ("3gp", frozenset({"iso"})),
    "video/webm": ("webm", frozenset({"ebml"})),
    "video/quicktime": ("mov", frozenset({"iso", "quicktime"})),
}
_OFFICE_ZIP = frozenset({"zip"})
FILE_TYPES: dict[str, tuple[str, frozenset[str]]] = {
    "application/pdf": ("pdf", frozenset({"pdf"})),
    "text/csv": ("csv", frozenset({"text"})),
    "text/plain": ("txt", frozenset({"text"})),
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ("xlsx", _OFFICE_ZIP),
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ("docx", _OFFICE_ZIP),
    "application/vnd.oasis.opendocument.text": ("odt", _OFFICE_ZIP),
    "application/vnd.oasis.opendocument.spreadsheet": ("ods", _OFFICE_ZIP),
    "application/zip": ("zip", _OFFICE_ZIP),
    "image/jpeg": ("jpg", frozenset({"jpeg"})),
    "image/png": ("png", frozenset({"png"})),
    "image/webp": ("webp", frozenset({"webp"})),
}
ALLOWED: dict[str, dict[str, tuple[str, frozenset[str]]]] = {
    "audio": AUDIO_TYPES,
    "video": VIDEO_TYPES,
    "file": FILE_TYPES,
}
# Names phones and browsers also use for the types above.
ALIASES = {
    "audio/mp3": "audio/mpeg",
    "audio/x-m4a": "audio/mp4",
    "audio/m4a": "audio/mp4",
    "audio/aacp": "audio/aac",
    "audio/x-aac": "audio/aac",
    "audio/x-wav": "audio/wav",
    "audio/wave": "audio/wav",
    "audio/vnd.wave": "audio/wav",
    "audio/amr-wb": "audio/amr",
    "application/ogg": "audio/ogg",
    "video/x-m4v": "video/mp4",
    "application/x-zip-compressed": "application/zip",
    "image/jpg": "image/jpeg",
}
# What an extension names, for a part sent as application/octet-stream (Collect sends some that way).
BY_EXTENSION = {
    "mp3": "audio/mpeg",
    "m4a": "audio/mp4",
    "aac": "audio/aac",
    "ogg": "audio/ogg",
    "oga": "audio/ogg",
    "opus": "audio/ogg",
    "amr": "audio/amr",
    "wav": "audio/wav",
    "mp4": "video/mp4",
    "3gp": "video/3gpp",
    "3gpp": "video/3gpp",
    "webm": "video/webm",
    "mov": "video/quicktime",
    "pdf": "application/pdf",
    "csv": "text/csv",
    "txt": "text/plain",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "odt": "application/vnd.oasis.opendocument.text",
    "ods": "application/vnd.oasis.opendocument.spreadsheet",
    "zip": "application/zip",
    "jpg": "image/jpeg",
    "jpeg": "image/jpeg",
    "png": "image/png",
    "webp": "image/webp",
}
_FAMILY = {"audio": "audio/", "video": "video/"}
KIND_WORDS = {"audio": ("ghi âm", "audio"), "video": ("video", "video"), "file": ("tệp", "file")}


def max_bytes(settings: Settings, kind: str) -> int:
    return {"audio": settings.max_audio_bytes, "video": settings.max_video_bytes}.get(kind, settings.max_file_bytes)


def accepted_types(kind: str) -> list[str]:
    return sorted(ALLOWED[kind])


def sniff(data: bytes) -> str | None:
    """The container the leading bytes announce, or None when they announce none we know."""
    head = data[:16]
    if head[4:8] == b"ftyp":
        return "iso"  # MP4, M4A, 3GP, MOV (ISO base media)
    if head[4:8] in (b"moov", b"mdat", b"wide", b"free", b"skip", b"pnot"):
        return "quicktime"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "ebml"  # WebM / Matroska
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wave"
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xF6 == 0xF0:
        return "adts"  # AAC in ADTS frames (checked before MP3: its sync word is a special case of MPEG's)
    if len(head) >= 2 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0:
        return "mp3"
    if head.startswith(b"%PDF-"):
        return "pdf"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if b"\x00" not in data[:4096]:
        return "text"
    return None


@dataclass(frozen=True, slots=True)
class AttachmentItem:
    """A file part bound for an attachment question, not yet checked."""

    question: str
    kind: str
    filename: str  # the answer
    data: bytes
    declared_type: str | None


@dataclass(frozen=True, slots=True)
class SlotAttachment:
    """A checked file, in the object store, bound for its question of a visit."""

    question: str
    kind: str
    filename: str
    sha256: str
    key: str
    content_type: str
    size_bytes: int


def _refused(kind: errors.ErrorKind, question: str, vi: str, en: str) -> errors.DomainError:
    return errors.DomainError(kind, vi, en, errors=[errors.question_problem(question, kind.code, vi, en)])


def resolve_type(item: AttachmentItem) -> str:
    """The type the file is stored and served as; refuses one the kind does not take, or whose bytes disagree."""
    allowed = ALLOWED[item.kind]
    declared = (item.declared_type or "").partition(";")[0].strip().lower()
    declared = ALIASES.get(declared, declared)
    if declared in _OCTET:
        extension = item.filename.rpartition(".")[2].lower() if "." in item.filename else ""
        declared = BY_EXTENSION.get(extension, "")
    family = _FAMILY.get(item.kind)
    if family and declared.startswith(("audio/", "video/")) and not declared.startswith(family):
        # A recording in a container that holds either (.3gp, .webm, .mp4 named video/… for sound only).
        swapped = family + declared.partition("/")[2]
        declared = swapped if swapped in allowed else declared
    word_vi, word_en = KIND_WORDS[item.kind]
    if declared not in allowed:
        shown = declared or item.declared_type or "(none)"
        raise _refused(
            errors.ATTACHMENT_WRONG_TYPE,
            item.question,
            f"Loại tệp “{shown}” không được nhận cho câu hỏi {word_vi} này.",
            f"A {word_en} question does not take {shown}: send one of {', '.join(accepted_types(item.kind))}.",
        )
    signatures = allowed[declared][1]
    if signatures and sniff(item.data) not in signatures:
        raise _refused(
            errors.ATTACHMENT_WRONG_TYPE,
            item.question,
            f"Nội dung tệp không phải là {declared} như đã khai.",
            f"The file's bytes are not {declared}, as its type says.",
        )
    return declared


def check(item: AttachmentItem, settings: Settings) -> tuple[str, str]:
    """(content type, extension) of an acceptable file; raises the 4xx that refuses it."""
    if not item.data:
        raise _refused(errors.ATTACHMENT_EMPTY, item.question, "Tệp gửi lên trống.", "The file is empty.")
    limit = max_bytes(settings, item.kind)
    if len(item.data) > limit:
        word_vi, word_en = KIND_WORDS[item.kind]
        raise _refused(
            errors.ATTACHMENT_TOO_LARGE,
            item.question,
            f"Tệp {word_vi} lớn {_mb(len(item.data))}, quá giới hạn {_mb(limit)}.",
            f"The {word_en} file is {_mb(len(item.data))}, over the limit of {_mb(limit)}.",
        )
    content_type = resolve_type(item)
    return content_type, ALLOWED[item.kind][content_type][0]


def _mb(size: int) -> str:
    return f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{-(-size // 1000)} KB"


def object_key(sha256: str, ext: str) -> str:
    return f"{PREFIX}{sha256[:2]}/{sha256[2:4]}/{sha256}.{ext}"


async def _store(store: ObjectStore, key: str, data: bytes, content_type: str) -> None:
    try:
        if await fresh_in_store(store, key):
            return
        await store.put(key, data, content_type)
    except StoreUnavailable:
        raise
    except StoreError as exc:  # the phone keeps the file and retries
        log.error("object store refused an attachment upload: %s", exc)
        raise StoreUnavailable(str(exc)) from exc


async def prepare_attachments(
    store: ObjectStore, settings: Settings, items: list[AttachmentItem]
) -> list[SlotAttachment]:
    """Checks every file (all before any is uploaded), then uploads them."""
    checked = [check(item, settings) for item in items]
    slots = []
    for item, (content_type, ext) in zip(items, checked, strict=True):
        # Off the event loop: a 50 MB video hashes in ~0.1 s (hashlib lets go of the GIL while it does).
        digest = await asyncio.to_thread(sha256_hex, item.data)
        slots.append(
            SlotAttachment(
                item.question, item.kind, item.filename, digest, object_key(digest, ext), content_type, len(item.data)
            )
        )
    await asyncio.gather(
        *(_store(store, slot.key, item.data, slot.content_type) for slot, item in zip(slots, items, strict=True))
    )
    return slots


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def attachment_row(visit_id: object, item: SlotAttachment, now: datetime) -> dict[str, Any]:
    return {
        "visit_id": visit_id,
        "question": item.question,
        "kind": item.kind,
        "filename": item.filename,
        "sha256": item.sha256,
        "object_key": item.key,
        "content_type": item.content_type,
        "size_bytes": item.size_bytes,
        "created_at": now,
    }
