"""Deleting photo objects that no database row references.

Orphans appear when a phone's upload reached the store but its visit was never committed
(connection lost mid-request, validation failed later). Because the upload is written before
the row is committed, a fresh object without a row is normal for a moment: only objects older
than a grace period are candidates, and each is re-checked just before deletion.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Set
from datetime import UTC, datetime, timedelta

from storage.keys import PHOTO_PREFIX
from storage.objects import ObjectStore

ReferencedKeys = Callable[[list[str]], Awaitable[Set[str]]] | Set[str]

# A content-addressed object found in the store is reused as is when younger than this; an older one is written
# again, which refreshes its age, so a sweep running at that moment (its grace is at least this) cannot delete it
# under the write that reuses it. Photos and attachment files follow the same rule.
REFRESH_AFTER = timedelta(hours=1)


async def fresh_in_store(store: ObjectStore, key: str) -> bool:
    """The object is there and young enough to reuse without writing it again."""
    found = await store.stat(key)
    return found is not None and datetime.now(UTC) - found.last_modified < REFRESH_AFTER


async def sweep_orphans(
    store: ObjectStore,
    referenced: ReferencedKeys,
    *,
    prefix: str = PHOTO_PREFIX,
    older_than: timedelta,
    batch_size: int = 1000,
    dry_run: bool = False,
    now: datetime | None = None,
) -> list[str]:
    """Delete objects under `prefix` that are unreferenced and older than `older_than`.

    `referenced` is either a set of keys in use, or an async callable that receives a batch of
    candidate keys and returns those of them still in use (so the service can ask the
    database in chunks instead of loading every key). Returns the deleted keys (with
    `dry_run`, the keys that would be deleted).

    A content-addressed key can come back to life: the same photo submitted again overwrites
    the object, which refreshes its last-modified time. The re-check right before deleting
    skips such objects; the remaining window is that one round trip.
    """
    if older_than < timedelta(0):
        raise ValueError("older_than must not be negative")
    if batch_size < 1:
        raise ValueError("batch_size must be positive")
    cutoff = (now or datetime.now(UTC)) - older_than

    # Snapshot the candidates first: deleting while paging through a listing is not safe on
    # every store, and the candidate list of even 100k keys is a few MB.
    candidates = [info.key async for info in store.iter_objects(prefix) if info.last_modified < cutoff]

    deleted: list[str] = []
    for start in range(0, len(candidates), batch_size):
        batch = candidates[start : start + batch_size]
        in_use = await referenced(batch) if callable(referenced) else referenced
        orphans = []
        for key in batch:
            if key in in_use:
                continue
            current = await store.stat(key)
            if current is None or current.last_modified >= cutoff:
                continue  # already gone, or written again since we listed it
            orphans.append(key)
        if orphans and not dry_run:
            await store.delete_many(orphans)
        deleted.extend(orphans)
    return deleted
