"""Photos between the phone and the object store: checks, derivatives, uploads, and orphan sweeping.

Order of writes: the objects first, the rows afterwards (in the request's transaction). A crash in between
leaves objects nobody references, never a row pointing at a missing object; `gocua storage sweep` removes
those orphans once they are older than a grace period.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import anyio
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.visits.attachments import PREFIX as ATTACHMENT_PREFIX
from service.visits.models import ATTACHMENTS, PHOTOS
from storage import (
    ObjectStore,
    PhotoKeys,
    PhotoPool,
    PhotoRejected,
    ProcessedPhoto,
    StoreError,
    StoreUnavailable,
    photo_keys,
    process_photo_async,
    sweep_orphans,
)
from storage.keys import PHOTO_PREFIX
from storage.sweep import REFRESH_AFTER, fresh_in_store

log = logging.getLogger("gocua")

MIN_SWEEP_AGE = REFRESH_AFTER  # see REFRESH_AFTER: a shorter grace could delete an object being reused
_ALLOWED_CONTENT_TYPES = frozenset({"image/jpeg", "image/png", "image/webp", "application/octet-stream"})
_KEY_DIGEST = re.compile(r"/([0-9a-f]{64})\.[a-z0-9]+$")

_limiter: anyio.CapacityLimiter | None = None


def _photo_limiter() -> anyio.CapacityLimiter:
    """One decode per core at a time: more would only add memory, not speed."""
    global _limiter
    if _limiter is None:
        _limiter = anyio.CapacityLimiter(os.cpu_count() or 2)
    return _limiter


@dataclass(frozen=True, slots=True)
class SlotPhoto:
    """A photo bound for a slot (question, index) of a visit."""

    question: str
    index: int
    processed: ProcessedPhoto
    keys: PhotoKeys

    @property
    def slot(self) -> str:
        return f"{self.question}[{self.index}]"


def slot_name(question: str, index: int) -> str:
    return f"{question}[{index}]"


def rejection(exc: PhotoRejected, question: str, index: int) -> errors.DomainError:
    kind = errors.for_code(exc.code, errors.PHOTO_CORRUPT)
    problem = {
        "question": question,
        "index": index,
        "code": exc.code,
        "message_vi": exc.message_vi,
        "message_en": exc.message_en,
    }
    return errors.DomainError(kind, exc.message_vi, exc.message_en, errors=[problem])


def require_image_content_type(content_type: str) -> None:
    if content_type.lower() not in _ALLOWED_CONTENT_TYPES:
        raise errors.DomainError(
            errors.PHOTO_WRONG_CONTENT_TYPE,
            errors.PHOTO_WRONG_CONTENT_TYPE.title_vi,
            f"Content-Type {content_type or '(none)'} is not accepted: send image/jpeg, image/png or image/webp.",
        )


async def process(
    data: bytes,
    rule: forms.PhotoRule,
    question: str,
    index: int,
    pool: PhotoPool | None = None,
) -> ProcessedPhoto:
    """Checks and derivatives in a worker process (or thread, without a pool); a bad photo raises its own 4xx."""
    try:
        if pool is not None:
            # The pool carries the pixel limits and memory ceilings of the settings (service/app.py).
            return await pool.process(data, max_bytes=rule.max_bytes)
        return await process_photo_async(data, max_bytes=rule.max_bytes, limiter=_photo_limiter())
    except PhotoRejected as exc:
        raise rejection(exc, question, index) from None


async def store_photo(store: ObjectStore, photo: ProcessedPhoto) -> PhotoKeys:
    """Writes the derivatives, then the original; the original's presence therefore means all three exist."""
    keys = photo_keys(photo.sha256, photo.ext)
    try:
        if await fresh_in_store(store, keys.original):
            return keys
        await asyncio.gather(
            store.put(keys.large, photo.large_jpeg, "image/jpeg"), store.put(keys.thumb, photo.thumb_jpeg, "image/jpeg")
        )
        await store.put(keys.original, photo.original, photo.content_type)
    except StoreUnavailable:
        raise
    except StoreError as exc:  # e.g. credentials revoked since start-up: the phone keeps the photo and retries
        log.error("object store refused a photo upload: %s", exc)
        raise StoreUnavailable(str(exc)) from exc
    return keys


async def prepare_photos(
    store: ObjectStore,
    items: list[tuple[str, int, bytes]],
    rules: dict[str, forms.PhotoRule],
    photo_pool: PhotoPool | None = None,
) -> list[SlotPhoto]:
    """Processes every photo (all are checked before any is uploaded), then uploads them."""
    processed = await asyncio.gather(*(process(data, rules[q], q, i, photo_pool) for q, i, data in items))
    keys = await asyncio.gather(*(store_photo(store, photo) for photo in processed))
    return [SlotPhoto(q, i, photo, key) for (q, i, _), photo, key in zip(items, processed, keys, strict=True)]


def photo_row(visit_id: object, item: SlotPhoto, exif_time: datetime | None, now: datetime) -> dict:
    photo = item.processed
    lat_lon = photo.exif_gps or (None, None)
    return {
        "visit_id": visit_id,
        "question": item.question,
        "idx": item.index,
        "sha256": photo.sha256,
        "original_key": item.keys.original,
        "large_key": item.keys.large,
        "thumb_key": item.keys.thumb,
        "content_type": photo.content_type,
        "width": photo.width,
        "height": photo.height,
        "size_bytes": len(photo.original),
        "exif_time": exif_time,
        "exif_lat": lat_lon[0],
        "exif_lon": lat_lon[1],
        "created_at": now,
    }


# ---- sweeping ------------------------------------------------------------------------------------------------


def digest_of_key(key: str) -> str | None:
    match = _KEY_DIGEST.search(key)
    return match.group(1) if match else None


async def referenced_keys(session: AsyncSession, keys: list[str], digests_in_use: Any = PHOTOS.c.sha256) -> set[str]:
    """The keys of `keys` that some visit photo (or, given `ATTACHMENTS.c.sha256`, some attachment) uses. Keys are
    content-addressed, so the indexed sha256 column answers for all three objects of a photo; keys outside that
    layout are never treated as orphans."""
    digests = {key: digest_of_key(key) for key in keys}
    wanted = sorted({d for d in digests.values() if d is not None})
    used: set[str] = set()
    connection = await session.connection()
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        query = select(digests_in_use).where(digests_in_use.in_(chunk)).distinct()
        used.update((await connection.execute(query)).scalars())
    return {key for key, digest in digests.items() if digest is None or digest in used}


async def sweep(
    session: AsyncSession, store: ObjectStore, older_than: timedelta, *, dry_run: bool = False
) -> list[str]:
    """Removes the photo objects and the attachment files no visit uses (uploads whose visit was never written)."""
    removed: list[str] = []
    for prefix, digests_in_use in ((PHOTO_PREFIX, PHOTOS.c.sha256), (ATTACHMENT_PREFIX, ATTACHMENTS.c.sha256)):

        async def in_use(batch: list[str], column: Any = digests_in_use) -> set[str]:
            return await referenced_keys(session, batch, column)

        removed += await sweep_orphans(store, in_use, prefix=prefix, older_than=older_than, dry_run=dry_run)
    return removed
