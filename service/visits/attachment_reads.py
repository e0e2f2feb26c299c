"""Reading back the files of audio, video and file questions: listed with a visit, served only as downloads.

A file is served as it was stored, never inline: `Content-Disposition: attachment`, `X-Content-Type-Options: nosniff`
and `Content-Security-Policy: sandbox` (a browser that opens it anyway runs nothing of it). Scoped like the visit:
whoever may see the visit may download its files; anyone else gets 404.
"""

from __future__ import annotations

import re
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from litestar import Response
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession

from service import errors
from service.audit import services as audit
from service.auth.actor import Actor
from service.visits.models import ATTACHMENTS
from service.visits.schemas import AttachmentOut
from service.visits.stored import connection
from service.visits.visibility import require_visible_id
from storage import ObjectNotFound, ObjectStore

DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "sandbox; default-src 'none'",
    "Cache-Control": "private, max-age=86400",
}
_UNSAFE_ASCII = re.compile(r"[^A-Za-z0-9._ -]+")


def attachment_url(visit_id: uuid.UUID, question: str) -> str:
    return f"/api/v1/visits/{visit_id}/attachments/{quote(question, safe='')}"


async def attachments_of(conn: AsyncConnection, visit_id: uuid.UUID) -> list[AttachmentOut]:
    rows = (
        await conn.execute(
            select(ATTACHMENTS).where(ATTACHMENTS.c.visit_id == visit_id).order_by(ATTACHMENTS.c.question)
        )
    ).all()
    return [
        AttachmentOut(
            question=row.question,
            kind=row.kind,
            filename=row.filename,
            content_type=row.content_type,
            size_bytes=row.size_bytes,
            sha256=row.sha256,
            url=attachment_url(visit_id, row.question),
        )
        for row in rows
    ]


@dataclass(frozen=True, slots=True)
class StoredFile:
    data: bytes
    content_type: str
    filename: str
    sha256: str


async def attachment_file(
    session: AsyncSession, actor: Actor, store: ObjectStore, visit_id: uuid.UUID, question: str
) -> StoredFile:
    """The file of a visit's question, for whoever may see the visit (404 for anyone else, and for no file)."""
    if len(question) > 100 or "\x00" in question:
        raise errors.DomainError(errors.ROUTE_NOT_FOUND)
    conn = await connection(session)
    await require_visible_id(conn, actor, visit_id)
    row = (
        await conn.execute(
            select(
                ATTACHMENTS.c.object_key, ATTACHMENTS.c.content_type, ATTACHMENTS.c.filename, ATTACHMENTS.c.sha256
            ).where(ATTACHMENTS.c.visit_id == visit_id, ATTACHMENTS.c.question == question)
        )
    ).first()
    if row is None:
        raise errors.DomainError(errors.ATTACHMENT_NOT_FOUND)
    try:
        data = await store.get(row.object_key)
    except ObjectNotFound:
        raise errors.DomainError(
            errors.ATTACHMENT_NOT_FOUND, "Không tìm thấy nội dung tệp.", "The file's content is missing."
        ) from None
    audit.record(session, actor, "download", "visit_attachment", f"{visit_id}/{question}")
    return StoredFile(data, row.content_type, row.filename, row.sha256)


def content_disposition(filename: str) -> str:
    """`attachment`, with an ASCII fallback name and the real one in RFC 5987 form (Vietnamese names survive)."""
    fallback = _UNSAFE_ASCII.sub("_", filename).strip() or "file"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"


def download(file: StoredFile) -> Response[bytes]:
    return Response(
        file.data,
        media_type=file.content_type,
        headers={
            **DOWNLOAD_HEADERS,
            "Content-Disposition": content_disposition(file.filename),
            "ETag": f'"{file.sha256}"',
        },
    )
