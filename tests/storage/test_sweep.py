"""The orphan sweep deletes only unreferenced objects older than the grace period (both stores)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from storage import ObjectStore, sweep_orphans

GRACE = timedelta(hours=6)


async def put_all(store: ObjectStore, keys: list[str]) -> None:
    for key in keys:
        await store.put(key, b"x", "image/jpeg")


async def test_sweep_deletes_only_old_unreferenced_photos(object_store: ObjectStore) -> None:
    referenced = {"photos/original/kept.jpg", "photos/thumb/kept.jpg"}
    orphans = ["photos/original/orphan.jpg", "photos/large/orphan.jpg"]
    await put_all(object_store, [*referenced, *orphans, "exports/report.csv"])

    # Objects just written are inside the grace period: an upload whose row is not committed yet.
    assert await sweep_orphans(object_store, referenced, older_than=GRACE) == []
    assert len(await object_store.list_keys()) == 5

    later = datetime.now(UTC) + GRACE + timedelta(minutes=1)
    deleted = await sweep_orphans(object_store, referenced, older_than=GRACE, now=later)
    assert sorted(deleted) == sorted(orphans)
    assert await object_store.list_keys() == sorted([*referenced, "exports/report.csv"])


async def test_sweep_with_async_lookup_in_batches(object_store: ObjectStore) -> None:
    keys = [f"photos/original/{index:03d}.jpg" for index in range(25)]
    await put_all(object_store, keys)
    in_database = set(keys[::2])
    batches: list[list[str]] = []

    async def referenced(batch: list[str]) -> set[str]:
        batches.append(batch)
        return {key for key in batch if key in in_database}

    later = datetime.now(UTC) + timedelta(days=2)
    deleted = await sweep_orphans(object_store, referenced, older_than=timedelta(days=1), batch_size=10, now=later)
    assert [len(batch) for batch in batches] == [10, 10, 5]
    assert sorted(deleted) == sorted(set(keys) - in_database)
    assert await object_store.list_keys("photos/") == sorted(in_database)


async def test_dry_run_deletes_nothing(object_store: ObjectStore) -> None:
    await put_all(object_store, ["photos/a.jpg", "photos/b.jpg"])
    later = datetime.now(UTC) + timedelta(days=2)
    would = await sweep_orphans(object_store, set(), older_than=timedelta(days=1), dry_run=True, now=later)
    assert sorted(would) == ["photos/a.jpg", "photos/b.jpg"]
    assert await object_store.list_keys() == ["photos/a.jpg", "photos/b.jpg"]


async def test_sweep_rejects_negative_grace(object_store: ObjectStore) -> None:
    with pytest.raises(ValueError):
        await sweep_orphans(object_store, set(), older_than=timedelta(seconds=-1))
