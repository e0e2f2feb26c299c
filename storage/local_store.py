"""Objects as files under `data_dir/objects/<bucket>/<key path>`.

Writes are atomic: the bytes go to a temporary file under `data_dir/objects/.partial/`, are
fsynced, then renamed over the target, and the target folder is fsynced so the rename itself
survives a power cut. A reader therefore sees either the old object or the new one, never a
half-written photo. All filesystem calls run in worker threads to keep the event loop free.
"""

from __future__ import annotations

import errno
import os
import secrets
import time
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import TypeVar

import anyio.to_thread

from storage.errors import ObjectNotFound, StoreAuthError, StoreError, StoreUnavailable
from storage.keys import validate_bucket, validate_key, validate_prefix
from storage.objects import ObjectInfo

_T = TypeVar("_T")

# Temporary files older than this were left by a crash mid-write and are removed at start-up.
_STALE_PARTIAL_SECONDS = 24 * 3600


class LocalStore:
    def __init__(self, *, data_dir: Path, bucket: str) -> None:
        validate_bucket(bucket)
        self._bucket = bucket
        objects_dir = Path(data_dir).absolute() / "objects"
        self._root = objects_dir / bucket
        # Bucket names cannot start with '.', so this folder never collides with a bucket.
        self._partial = objects_dir / ".partial"

    def __repr__(self) -> str:
        return f"LocalStore({self._root})"

    @property
    def location(self) -> str:
        return self._root.as_uri()

    async def aclose(self) -> None:
        pass  # nothing held open between calls

    def _path(self, key: str) -> Path:
        return self._root.joinpath(*validate_key(key).split("/"))

    async def _run(self, func: Callable[[], _T]) -> _T:
        try:
            return await anyio.to_thread.run_sync(func)
        except StoreError:
            raise
        except PermissionError as exc:
            raise StoreAuthError(f"no permission on {self._root}: {exc}") from exc
        except OSError as exc:
            # Disk full, read-only or failing disk: the phone should retry later.
            raise StoreUnavailable(f"local store {self._root}: {exc}") from exc

    async def ensure_ready(self) -> None:
        await self._run(self._ensure_ready_sync)

    def _ensure_ready_sync(self) -> None:
        self._root.mkdir(parents=True, exist_ok=True)
        self._partial.mkdir(parents=True, exist_ok=True)
        # Prove we can write, the same way put() does, rather than trusting os.access.
        probe = self._partial / f"ready-{secrets.token_hex(8)}.tmp"
        probe.write_bytes(b"ok")
        probe.unlink()
        cutoff = time.time() - _STALE_PARTIAL_SECONDS
        for leftover in self._partial.glob("*.tmp"):
            try:
                if leftover.stat().st_mtime < cutoff:
                    leftover.unlink()
            except FileNotFoundError:
                pass

    async def ping(self) -> bool:
        def check() -> bool:
            return self._root.is_dir() and os.access(self._root, os.W_OK)

        try:
            return await anyio.to_thread.run_sync(check)
        except Exception:
            return False

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        # The content type is implied by the key's extension; files carry no metadata.
        target = self._path(key)
        await self._run(lambda: self._write_atomically(key, target, data))

    def _write_atomically(self, key: str, target: Path, data: bytes) -> None:
        try:
            target.parent.mkdir(parents=True, exist_ok=True)
        except (FileExistsError, NotADirectoryError) as exc:
            raise StoreError(f"key {key!r} nests under an existing object") from exc
        self._partial.mkdir(parents=True, exist_ok=True)  # cheap; spares callers an ordering rule
        temp = self._partial / f"{self._bucket}-{secrets.token_hex(8)}.tmp"
        try:
            with open(temp, "xb") as file:
                file.write(data)
                file.flush()
                os.fsync(file.fileno())
            try:
                os.replace(temp, target)
            except IsADirectoryError as exc:
                raise StoreError(f"key {key!r} is a prefix of other objects") from exc
        except BaseException:
            temp.unlink(missing_ok=True)
            raise
        _fsync_directory(target.parent)

    async def exists(self, key: str) -> bool:
        path = self._path(key)
        return await self._run(path.is_file)

    async def get(self, key: str) -> bytes:
        path = self._path(key)

        def read() -> bytes:
            try:
                return path.read_bytes()
            except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
                raise ObjectNotFound(key) from None

        return await self._run(read)

    async def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)

        def stat() -> ObjectInfo | None:
            try:
                result = path.stat()
            except (FileNotFoundError, NotADirectoryError):
                return None
            if not path.is_file():
                return None
            return _object_info(key, result)

        return await self._run(stat)

    async def delete(self, key: str) -> None:
        path = self._path(key)

        def remove() -> None:
            try:
                path.unlink()
            except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                pass

        await self._run(remove)

    async def delete_many(self, keys: list[str]) -> None:
        paths = [self._path(key) for key in keys]

        def remove_all() -> None:
            for path in paths:
                try:
                    path.unlink()
                except (FileNotFoundError, NotADirectoryError, IsADirectoryError):
                    pass

        await self._run(remove_all)

    async def iter_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        validate_prefix(prefix)
        # One walk in one thread: a folder scan is fast (100k files ≈ 1 s) and listing a
        # snapshot means deletions made by the caller while iterating cannot disturb it.
        for info in await self._run(lambda: self._scan(prefix)):
            yield info

    async def list_keys(self, prefix: str = "") -> list[str]:
        validate_prefix(prefix)
        return [info.key for info in await self._run(lambda: self._scan(prefix))]

    def _scan(self, prefix: str) -> list[ObjectInfo]:
        folder, _, _ = prefix.rpartition("/")
        start = self._root.joinpath(*folder.split("/")) if folder else self._root
        found: list[ObjectInfo] = []
        for dirpath, _dirnames, filenames in os.walk(start):
            relative = os.path.relpath(dirpath, self._root).replace(os.sep, "/")
            base = "" if relative == "." else relative + "/"
            for name in filenames:
                key = base + name
                if not key.startswith(prefix):
                    continue
                try:
                    result = os.stat(os.path.join(dirpath, name))
                except FileNotFoundError:  # deleted while we walked
                    continue
                found.append(_object_info(key, result))
        # S3 lists in UTF-8 byte order; match it so callers see the same order on both stores.
        found.sort(key=lambda info: info.key.encode("utf-8"))
        return found


def _object_info(key: str, result: os.stat_result) -> ObjectInfo:
    return ObjectInfo(
        key=key,
        size=result.st_size,
        last_modified=datetime.fromtimestamp(result.st_mtime, tz=UTC),
    )


def _fsync_directory(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError as exc:
        # Some filesystems (and Windows) cannot fsync a directory; the data itself is synced.
        if exc.errno not in (errno.EINVAL, errno.EBADF, errno.EACCES):
            raise
    finally:
        os.close(fd)
