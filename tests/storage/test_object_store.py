"""Behaviour every ObjectStore must share; each test runs on LocalStore and on S3 (SeaweedFS)."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import anyio
import pytest

from storage import ObjectNotFound, ObjectStore, content_key

SHA = "ab" + "cd" + "0" * 60


async def test_put_get_roundtrip(object_store: ObjectStore) -> None:
    key = content_key("original", SHA, "jpg")
    await object_store.put(key, b"\xff\xd8 photo bytes", "image/jpeg")
    assert await object_store.get(key) == b"\xff\xd8 photo bytes"
    assert await object_store.exists(key)


async def test_put_is_an_idempotent_overwrite(object_store: ObjectStore) -> None:
    # A visit re-sent over 2G uploads the same photo again: no error, same content.
    await object_store.put("photos/x.jpg", b"first", "image/jpeg")
    await object_store.put("photos/x.jpg", b"first", "image/jpeg")
    await object_store.put("photos/x.jpg", b"second", "image/jpeg")
    assert await object_store.get("photos/x.jpg") == b"second"
    assert await object_store.list_keys("photos/") == ["photos/x.jpg"]


async def test_empty_object(object_store: ObjectStore) -> None:
    await object_store.put("empty.bin", b"", "application/octet-stream")
    assert await object_store.get("empty.bin") == b""
    info = await object_store.stat("empty.bin")
    assert info is not None and info.size == 0


async def test_missing_object(object_store: ObjectStore) -> None:
    assert not await object_store.exists("photos/missing.jpg")
    assert await object_store.stat("photos/missing.jpg") is None
    with pytest.raises(ObjectNotFound) as caught:
        await object_store.get("photos/missing.jpg")
    assert caught.value.key == "photos/missing.jpg"


async def test_delete_and_delete_missing(object_store: ObjectStore) -> None:
    await object_store.put("a/b.txt", b"x", "text/plain")
    await object_store.delete("a/b.txt")
    assert not await object_store.exists("a/b.txt")
    await object_store.delete("a/b.txt")  # missing is fine
    await object_store.delete("never/existed.txt")


async def test_stat_reports_size_and_recent_utc_time(object_store: ObjectStore) -> None:
    before = datetime.now(UTC) - timedelta(seconds=5)
    await object_store.put("photos/s.jpg", b"12345", "image/jpeg")
    info = await object_store.stat("photos/s.jpg")
    assert info is not None
    assert info.key == "photos/s.jpg" and info.size == 5
    assert info.last_modified.utcoffset() == timedelta(0)
    assert before <= info.last_modified <= datetime.now(UTC) + timedelta(seconds=5)


async def test_list_by_prefix_sorted(object_store: ObjectStore) -> None:
    keys = ["photos/thumb/b.jpg", "photos/original/a.jpg", "photos/original/c.jpg", "other/z.txt"]
    for key in keys:
        await object_store.put(key, b"x", "application/octet-stream")
    assert await object_store.list_keys("photos/original/") == [
        "photos/original/a.jpg",
        "photos/original/c.jpg",
    ]
    assert await object_store.list_keys("photos/") == [
        "photos/original/a.jpg",
        "photos/original/c.jpg",
        "photos/thumb/b.jpg",
    ]
    assert await object_store.list_keys("photos/orig") == [
        "photos/original/a.jpg",
        "photos/original/c.jpg",
    ]
    assert await object_store.list_keys() == sorted(keys)
    assert await object_store.list_keys("nothing/") == []


async def test_listing_paginates_past_1000_keys(object_store: ObjectStore) -> None:
    # S3 returns at most 1000 keys per request: 1100 proves the store follows continuation.
    count = 1100
    started = time.monotonic()
    async with anyio.create_task_group() as group:
        limiter = anyio.Semaphore(16)

        async def put_one(index: int) -> None:
            async with limiter:
                await object_store.put(f"many/{index:05d}", b"", "application/octet-stream")

        for index in range(count):
            group.start_soon(put_one, index)
    if time.monotonic() - started > 30:
        pytest.skip("store too slow here for the 1100-key listing test")
    keys = await object_store.list_keys("many/")
    assert keys == [f"many/{index:05d}" for index in range(count)]
    infos = [info async for info in object_store.iter_objects("many/")]
    assert len(infos) == count


async def test_delete_many(object_store: ObjectStore) -> None:
    for index in range(5):
        await object_store.put(f"d/{index}", b"x", "application/octet-stream")
    await object_store.delete_many(["d/0", "d/2", "d/4", "d/missing"])
    assert await object_store.list_keys("d/") == ["d/1", "d/3"]
    await object_store.delete_many([])


async def test_ping_when_ready(object_store: ObjectStore) -> None:
    assert await object_store.ping() is True


async def test_ensure_ready_is_repeatable_and_leaves_no_objects(object_store: ObjectStore) -> None:
    await object_store.ensure_ready()
    assert await object_store.list_keys() == []


@pytest.mark.parametrize(
    "bad_key",
    ["../escape.jpg", "photos/../../etc/passwd", "/etc/passwd", "a//b", "a/./b", "", "dir/", "a\\b"],
)
async def test_rejects_unsafe_keys(object_store: ObjectStore, bad_key: str) -> None:
    with pytest.raises(ValueError):
        await object_store.put(bad_key, b"x", "text/plain")
    with pytest.raises(ValueError):
        await object_store.get(bad_key)
    with pytest.raises(ValueError):
        await object_store.delete(bad_key)


async def test_unicode_keys(object_store: ObjectStore) -> None:
    key = "notes/Gõ Cửa/hộ gia đình.txt"
    await object_store.put(key, "xin chào".encode(), "text/plain")
    assert await object_store.get(key) == "xin chào".encode()
    assert await object_store.list_keys("notes/") == [key]


async def test_concurrent_puts_of_same_key_leave_one_whole_object(object_store: ObjectStore) -> None:
    payloads = [bytes([index]) * 200_000 for index in range(8)]
    async with anyio.create_task_group() as group:
        for payload in payloads:
            group.start_soon(object_store.put, "race/photo.jpg", payload, "image/jpeg")
    assert await object_store.get("race/photo.jpg") in payloads
