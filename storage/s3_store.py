"""Objects in an S3-compatible bucket, through the (synchronous) minio SDK run in worker threads.

The minio client gets its own urllib3 pool with short timeouts and few retries: the SDK's
default (5-minute timeouts, 5 retries) would leave a phone's upload hanging for many minutes
when the store is down, where we want a quick 503 so the phone keeps its queue and retries.
"""

from __future__ import annotations

import io
import itertools
import os
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from functools import partial
from typing import TypeVar
from urllib.parse import urlsplit

import anyio.to_thread
import certifi
import urllib3
from minio import Minio
from minio.datatypes import Object
from minio.deleteobjects import DeleteObject
from minio.error import InvalidResponseError, S3Error, ServerError

from storage.errors import ObjectNotFound, StoreAuthError, StoreError, StoreUnavailable
from storage.keys import validate_bucket, validate_key, validate_prefix
from storage.objects import ObjectInfo

_T = TypeVar("_T")

CONNECT_TIMEOUT_S = 2.0
# Per socket operation, not per request: a 15 MB PUT may take longer in total. A frozen server (SIGSTOP, a hung
# disk) accepts the connection and never answers, so this bounds how long a phone waits for its 503.
READ_TIMEOUT_S = 5.0
LIST_PAGE_SIZE = 1000  # S3's maximum page; one worker-thread hop per page
# Keys under this prefix are ours, not the service's (and outside the sweep's "photos/").
READY_PROBE_KEY = "_gocua/ready"

_AUTH_CODES = frozenset(
    {
        "InvalidAccessKeyId",
        "SignatureDoesNotMatch",
        "AccessDenied",
        "AllAccessDisabled",
        "InvalidToken",
        "ExpiredToken",
        "AccountProblem",
        "AuthorizationHeaderMalformed",  # usually a wrong region
        "RequestTimeTooSkewed",  # our clock is off: signatures are rejected until it is fixed
    }
)
_TRANSIENT_CODES = frozenset(
    {"ServiceUnavailable", "SlowDown", "InternalError", "RequestTimeout", "XMinioServerNotInitialized"}
)
_MISSING_OBJECT_CODES = frozenset({"NoSuchKey", "NoSuchObject", "ResourceNotFound"})
_MIN_PART_SIZE = 5 * 1024 * 1024


def parse_endpoint(endpoint: str, secure: bool) -> tuple[str, bool]:
    """`host:port` keeps `secure`; `http(s)://host:port` decides it by the scheme."""
    endpoint = endpoint.strip()
    if "://" not in endpoint:
        return endpoint.rstrip("/"), secure
    parts = urlsplit(endpoint)
    if parts.scheme not in ("http", "https") or not parts.netloc:
        raise ValueError(f"S3 endpoint must be host:port or http(s)://host:port, not {endpoint!r}")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise ValueError(f"S3 endpoint must not contain a path: {endpoint!r}")
    return parts.netloc, parts.scheme == "https"


def _http_pool(connect_timeout_s: float, read_timeout_s: float) -> urllib3.PoolManager:
    retries = urllib3.Retry(
        total=2,
        connect=1,
        # A read timeout is not retried: the server that did not answer once will not in the next seconds, and a
        # retry would double the phone's wait (it keeps the photo and retries itself).
        read=0,
        status=1,
        backoff_factor=0.2,
        status_forcelist=(500, 502, 503, 504),
        allowed_methods=None,  # our PUTs are idempotent overwrites, so retrying them is safe
        respect_retry_after_header=False,  # a "Retry-After: 120" must not stall an upload
    )
    return urllib3.PoolManager(
        timeout=urllib3.Timeout(connect=connect_timeout_s, read=read_timeout_s),
        retries=retries,
        maxsize=16,
        cert_reqs="CERT_REQUIRED",
        ca_certs=os.environ.get("SSL_CERT_FILE") or certifi.where(),
    )


class S3Store:
    def __init__(
        self,
        *,
        endpoint: str,
        access_key: str,
        secret_key: str,
        bucket: str,
        secure: bool,
        region: str | None = None,
        connect_timeout_s: float | None = None,
        read_timeout_s: float | None = None,
    ) -> None:
        self._bucket = validate_bucket(bucket)
        self._host, self._secure = parse_endpoint(endpoint, secure)
        self._region = region
        self._http = _http_pool(connect_timeout_s or CONNECT_TIMEOUT_S, read_timeout_s or READ_TIMEOUT_S)
        self._client = Minio(
            self._host,
            access_key=access_key,
            secret_key=secret_key,
            secure=self._secure,
            region=region,
            http_client=self._http,
        )

    def __repr__(self) -> str:
        return f"S3Store({self.location})"

    @property
    def location(self) -> str:
        scheme = "https" if self._secure else "http"
        return f"s3://{self._bucket} at {scheme}://{self._host}"

    async def aclose(self) -> None:
        self._http.clear()

    def _translate(self, exc: Exception, key: str | None) -> StoreError:
        where = f"{self.location}" + (f" key {key!r}" if key else "")
        if isinstance(exc, S3Error):
            if exc.code in _AUTH_CODES:
                return StoreAuthError(f"{where}: {exc.code}: {exc.message}")
            if key is not None and exc.code in _MISSING_OBJECT_CODES:
                return ObjectNotFound(key)
            if exc.code in _TRANSIENT_CODES:
                return StoreUnavailable(f"{where}: {exc.code}: {exc.message}")
            if exc.code == "NoSuchBucket":
                return StoreError(f"{where}: bucket missing (was ensure_ready() called?)")
            return StoreError(f"{where}: {exc.code}: {exc.message}")
        if isinstance(exc, ServerError) and exc.status_code < 500:
            return StoreError(f"{where}: {exc}")
        # ServerError 5xx, a non-S3 answer (a proxy's HTML page), refused or timed-out connections.
        return StoreUnavailable(f"{where}: {type(exc).__name__}: {exc}")

    async def _call(self, func: Callable[[], _T], key: str | None = None) -> _T:
        try:
            return await anyio.to_thread.run_sync(func)
        except (S3Error, ServerError, InvalidResponseError, urllib3.exceptions.HTTPError, OSError) as exc:
            raise self._translate(exc, key) from exc

    async def ensure_ready(self) -> None:
        # HEAD bucket is signed, so wrong keys fail here and not at the first upload.
        if not await self._call(partial(self._client.bucket_exists, self._bucket)):
            await self._call(self._create_bucket)
        # Read-only credentials pass the HEAD; prove we can write and delete (the sweep
        # deletes), and leave nothing behind that a listing would show.
        await self.put(READY_PROBE_KEY, b"ok", "text/plain")
        await self.delete(READY_PROBE_KEY)

    def _create_bucket(self) -> None:
        try:
            if self._region:
                self._client.make_bucket(self._bucket, location=self._region)
            else:
                self._client.make_bucket(self._bucket)
        except S3Error as exc:
            if exc.code != "BucketAlreadyOwnedByYou":  # another worker created it meanwhile
                raise

    async def ping(self, timeout_s: float = 2.0) -> bool:
        """Does the bucket answer within `timeout_s`? A health probe must not wait out the read timeout."""
        try:
            with anyio.fail_after(timeout_s):
                return await anyio.to_thread.run_sync(self._client.bucket_exists, self._bucket, abandon_on_cancel=True)
        except Exception:  # TimeoutError included: any failure means "not ready"
            return False

    async def put(self, key: str, data: bytes, content_type: str) -> None:
        validate_key(key)

        def upload() -> None:
            # One part up to the object's size: a single PUT is one round trip, where the
            # SDK's default would split a 15 MB photo into three multipart requests.
            self._client.put_object(
                self._bucket,
                key,
                io.BytesIO(data),
                len(data),
                content_type=content_type,
                part_size=max(_MIN_PART_SIZE, len(data)),
            )

        await self._call(upload, key)

    async def exists(self, key: str) -> bool:
        return await self.stat(key) is not None

    async def stat(self, key: str) -> ObjectInfo | None:
        validate_key(key)
        try:
            result = await self._call(partial(self._client.stat_object, self._bucket, key), key)
        except ObjectNotFound:
            return None
        assert result.last_modified is not None and result.size is not None
        return ObjectInfo(key=key, size=result.size, last_modified=_utc(result.last_modified))

    async def get(self, key: str) -> bytes:
        validate_key(key)

        def download() -> bytes:
            response = self._client.get_object(self._bucket, key)
            try:
                return response.read()
            finally:
                response.close()
                response.release_conn()

        return await self._call(download, key)

    async def delete(self, key: str) -> None:
        validate_key(key)
        try:
            await self._call(partial(self._client.remove_object, self._bucket, key), key)
        except ObjectNotFound:
            pass

    async def delete_many(self, keys: list[str]) -> None:
        for key in keys:
            validate_key(key)
        if not keys:
            return

        def remove_all() -> list[tuple[str, str]]:
            # The SDK batches 1000 keys per DeleteObjects request; errors come back per key.
            errors = self._client.remove_objects(self._bucket, (DeleteObject(k) for k in keys))
            return [
                (error.name or "?", error.code or "?") for error in errors if error.code not in _MISSING_OBJECT_CODES
            ]

        failures = await self._call(remove_all)
        if failures:
            first_key, first_code = failures[0]
            message = f"{self.location}: {len(failures)} deletions failed, first: {first_key!r}: {first_code}"
            if first_code in _AUTH_CODES:
                raise StoreAuthError(message)
            raise StoreError(message)

    async def iter_objects(self, prefix: str = "") -> AsyncIterator[ObjectInfo]:
        validate_prefix(prefix)
        pages = self._client.list_objects(self._bucket, prefix=prefix or None, recursive=True)
        while True:
            # The SDK's iterator fetches the next page lazily, so each slice is at most one
            # request, run in a worker thread.
            page: list[Object] = await self._call(lambda: list(itertools.islice(pages, LIST_PAGE_SIZE)))
            if not page:
                return
            for item in page:
                if item.is_dir or item.object_name is None:
                    continue
                assert item.last_modified is not None
                yield ObjectInfo(
                    key=item.object_name,
                    size=item.size or 0,
                    last_modified=_utc(item.last_modified),
                )

    async def list_keys(self, prefix: str = "") -> list[str]:
        return [info.key async for info in self.iter_objects(prefix)]


def _utc(moment: datetime) -> datetime:
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
