"""LocalStore specifics: the on-disk layout, containment, atomic writes."""

from __future__ import annotations

from pathlib import Path

import pytest

from storage import LocalStore, StoreError, content_key, photo_keys
from storage.keys import validate_key

SHA = "abcd" + "e" * 60


@pytest.fixture
async def store(tmp_path: Path) -> LocalStore:
    store = LocalStore(data_dir=tmp_path, bucket="gocua")
    await store.ensure_ready()
    return store


async def test_layout_on_disk(store: LocalStore, tmp_path: Path) -> None:
    key = content_key("original", SHA, "jpg")
    await store.put(key, b"jpeg", "image/jpeg")
    path = tmp_path / "objects" / "gocua" / "photos" / "original" / "ab" / "cd" / f"{SHA}.jpg"
    assert path.read_bytes() == b"jpeg"


async def test_no_temporary_files_left_behind(store: LocalStore, tmp_path: Path) -> None:
    for index in range(5):
        await store.put(f"photos/{index}.jpg", b"x" * 1000, "image/jpeg")
    assert list((tmp_path / "objects" / ".partial").iterdir()) == []
    assert await store.list_keys() == [f"photos/{index}.jpg" for index in range(5)]


@pytest.mark.parametrize("bad_key", ["../outside", "a/../../outside", "/abs/path", "..", "a/.."])
async def test_keys_cannot_escape_the_bucket_folder(store: LocalStore, tmp_path: Path, bad_key: str) -> None:
    with pytest.raises(ValueError):
        await store.put(bad_key, b"x", "text/plain")
    with pytest.raises(ValueError):
        await store.exists(bad_key)
    with pytest.raises(ValueError):
        await store.stat(bad_key)
    with pytest.raises(ValueError):
        await store.list_keys(bad_key + "/")
    assert not (tmp_path / "outside").exists()
    assert not (tmp_path / "objects" / "outside").exists()


async def test_key_nested_under_an_object_is_a_store_error(store: LocalStore) -> None:
    # S3 allows "a" and "a/b" side by side; a filesystem does not. Content keys never collide.
    await store.put("a", b"x", "text/plain")
    with pytest.raises(StoreError):
        await store.put("a/b", b"y", "text/plain")
    await store.put("c/d", b"x", "text/plain")
    with pytest.raises(StoreError):
        await store.put("c", b"y", "text/plain")
    assert not await store.exists("c")


async def test_buckets_are_separate_folders(tmp_path: Path) -> None:
    first = LocalStore(data_dir=tmp_path, bucket="first")
    second = LocalStore(data_dir=tmp_path, bucket="second")
    await first.put("k", b"1", "text/plain")
    assert not await second.exists("k")


def test_content_keys() -> None:
    assert content_key("original", SHA.upper(), ".JPG") == f"photos/original/ab/cd/{SHA}.jpg"
    keys = photo_keys(SHA, "webp")
    assert keys.original == f"photos/original/ab/cd/{SHA}.webp"
    assert keys.large == f"photos/large/ab/cd/{SHA}.jpg"
    assert keys.thumb == f"photos/thumb/ab/cd/{SHA}.jpg"
    for bad in [("original", "xyz", "jpg"), ("../x", SHA, "jpg"), ("original", SHA, "j/pg")]:
        with pytest.raises(ValueError):
            content_key(*bad)


def test_validate_key_accepts_ordinary_keys() -> None:
    for key in ["a", "photos/original/ab/cd/x.jpg", "notes/Gõ Cửa.txt", ".hidden", "a..b"]:
        assert validate_key(key) == key
