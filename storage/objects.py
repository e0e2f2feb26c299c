"""The object-store interface the service talks to, and the factory that picks an implementation.

Two implementations: `LocalStore` (a folder; single-server deployments and development) and
`S3Store` (any S3-compatible service through the minio SDK). Both validate keys the same way
and raise the same errors (storage.errors), and the test-suite runs every behaviour on both.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Protocol, runtime_checkable


@dataclass(frozen=True, slots=True)
class ObjectInfo:
    key: str
    size: int
    last_modified: datetime  # timezone-aware, UTC


@runtime_checkable
class ObjectStore(Protocol):
    """Keys are validated by `storage.keys.validate_key`; a bad key raises ValueError."""

    @property
    def location(self) -> str:
        """Where the objects live, for logs (never contains credentials)."""
        ...

    async def ensure_ready(self) -> None:
        """Create the bucket if missing and prove the credentials work (signed calls).

        Raises StoreAuthError for wrong keys or missing permissions and StoreUnavailable if
        the store cannot be reached: call it at start-up so misconfiguration fails loudly.
        """
        ...

    async def aclose(self) -> None:
        """Release pooled connections (call at shutdown)."""
        ...

    async def ping(self) -> bool:
        """Cheap readiness probe; never raises."""
        ...

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        """Store `data` under `key`, replacing any previous object (idempotent)."""
        ...

    async def exists(self, key: str) -> bool: ...

    async def get(self, key: str) -> bytes:
        """The object's bytes; ObjectNotFound if missing."""
        ...

    async def stat(self, key: str) -> ObjectInfo | None:
        """Size and age of the object, or None if missing."""
        ...

    async def delete(self, key: str) -> None:
        """Remove the object; a missing key is not an error."""
        ...

    async def delete_many(self, keys: list[str]) -> None:
        """Remove many objects in as few round trips as the store allows."""
        ...

    def iter_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        """Every object whose key starts with `prefix`, in key order, fetched page by page."""
        ...

    async def list_keys(self, prefix: str = "") -> list[str]:
        """All keys under `prefix`, sorted; paginates internally (fine for 100k keys)."""
        ...


def open_store(
    *,
    data_dir: Path,
    endpoint: str | None,
    access_key: str | None,
    secret_key: str | None,
    bucket: str,
    secure: bool,
    region: str | None = None,
    connect_timeout_s: float | None = None,
    read_timeout_s: float | None = None,
) -> ObjectStore:
    """An S3Store when `endpoint` is set, else a LocalStore under `data_dir/objects/<bucket>`.

    Nothing is contacted here; call `await store.ensure_ready()` at start-up.
    """
    if endpoint:
        from storage.s3_store import S3Store

        if not access_key or not secret_key:
            raise ValueError("S3 endpoint configured without access key and secret key")
        return S3Store(
            endpoint=endpoint,
            access_key=access_key,
            secret_key=secret_key,
            bucket=bucket,
            secure=secure,
            region=region,
            connect_timeout_s=connect_timeout_s,
            read_timeout_s=read_timeout_s,
        )
    from storage.local_store import LocalStore

    return LocalStore(data_dir=data_dir, bucket=bucket)
