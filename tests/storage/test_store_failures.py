"""Misconfiguration and outages must surface as the right error, quickly and at start-up."""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from storage import (
    LocalStore,
    S3Store,
    StoreAuthError,
    StoreUnavailable,
    open_store,
)
from storage.s3_store import parse_endpoint
from tests.support.s3_fixtures import make_s3_store
from tests.support.s3server import RunningS3


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def hang_up_server() -> Iterator[str]:
    """A TCP server that accepts connections and closes them without answering."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(16)
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                connection, _ = listener.accept()
            except TimeoutError:
                continue
            connection.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        listener.close()


async def test_wrong_access_key_fails_at_ensure_ready(s3_server: RunningS3, s3_bucket_name: str) -> None:
    store = make_s3_store(s3_server, s3_bucket_name, access_key="not-a-key")
    with pytest.raises(StoreAuthError, match="InvalidAccessKeyId"):
        await store.ensure_ready()
    assert await store.ping() is False
    await store.aclose()


async def test_wrong_secret_fails_at_ensure_ready(s3_server: RunningS3, s3_bucket_name: str) -> None:
    store = make_s3_store(s3_server, s3_bucket_name, secret_key="wrong-secret")
    with pytest.raises(StoreAuthError, match="SignatureDoesNotMatch"):
        await store.ensure_ready()
    await store.aclose()


async def test_wrong_keys_fail_even_when_bucket_exists(s3_server: RunningS3, s3_bucket_name: str) -> None:
    good = make_s3_store(s3_server, s3_bucket_name)
    await good.ensure_ready()
    bad = make_s3_store(s3_server, s3_bucket_name, secret_key="wrong-secret")
    with pytest.raises(StoreAuthError):
        await bad.ensure_ready()
    with pytest.raises(StoreAuthError):
        await bad.put("photos/a.jpg", b"x", "image/jpeg")
    await good.aclose()
    await bad.aclose()


async def test_read_only_keys_fail_at_ensure_ready(s3_server: RunningS3, s3_bucket_name: str) -> None:
    # Reading works with these keys, so only the write probe in ensure_ready() catches them.
    await make_s3_store(s3_server, s3_bucket_name).ensure_ready()
    read_only = make_s3_store(
        s3_server,
        s3_bucket_name,
        access_key=s3_server.readonly_access_key,
        secret_key=s3_server.readonly_secret_key,
    )
    assert await read_only.list_keys() == []
    with pytest.raises(StoreAuthError):
        await read_only.ensure_ready()
    with pytest.raises(StoreAuthError):
        await read_only.put("photos/a.jpg", b"x", "image/jpeg")
    with pytest.raises(StoreAuthError):
        await read_only.delete_many(["photos/a.jpg"])
    await read_only.aclose()


async def test_closed_port_is_unavailable_within_seconds(s3_bucket_name: str) -> None:
    store = S3Store(
        endpoint=f"127.0.0.1:{closed_port()}",
        access_key="key",
        secret_key="secret",
        bucket=s3_bucket_name,
        secure=False,
    )
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await store.ensure_ready()
    with pytest.raises(StoreUnavailable):
        await store.put("photos/a.jpg", b"x", "image/jpeg")
    with pytest.raises(StoreUnavailable):
        await store.get("photos/a.jpg")
    assert await store.ping() is False
    assert time.monotonic() - started < 5
    await store.aclose()


async def test_server_hanging_up_is_unavailable(hang_up_server: str, s3_bucket_name: str) -> None:
    store = S3Store(endpoint=hang_up_server, access_key="k", secret_key="s", bucket=s3_bucket_name, secure=False)
    started = time.monotonic()
    with pytest.raises(StoreUnavailable):
        await store.ensure_ready()
    assert time.monotonic() - started < 5
    await store.aclose()


async def test_endpoint_with_scheme(s3_server: RunningS3, s3_bucket_name: str) -> None:
    # The scheme decides TLS; `secure=True` must not turn this into an HTTPS attempt.
    store = S3Store(
        endpoint=f"http://{s3_server.endpoint}/",
        access_key=s3_server.access_key,
        secret_key=s3_server.secret_key,
        bucket=s3_bucket_name,
        secure=True,
    )
    await store.ensure_ready()
    await store.put("k", b"v", "text/plain")
    assert await store.get("k") == b"v"
    await store.aclose()


def test_parse_endpoint() -> None:
    assert parse_endpoint("s3.example.vn:9000", True) == ("s3.example.vn:9000", True)
    assert parse_endpoint("s3.example.vn:9000", False) == ("s3.example.vn:9000", False)
    assert parse_endpoint("https://s3.example.vn", False) == ("s3.example.vn", True)
    assert parse_endpoint("http://127.0.0.1:8333/", True) == ("127.0.0.1:8333", False)
    with pytest.raises(ValueError):
        parse_endpoint("http://s3.example.vn/bucket", False)
    with pytest.raises(ValueError):
        parse_endpoint("ftp://s3.example.vn", False)


def test_open_store_picks_the_backend(tmp_path: Path) -> None:
    local = open_store(data_dir=tmp_path, endpoint=None, access_key=None, secret_key=None, bucket="gocua", secure=False)
    assert isinstance(local, LocalStore)
    assert local.location.startswith("file://")
    remote = open_store(
        data_dir=tmp_path,
        endpoint="127.0.0.1:9",
        access_key="k",
        secret_key="s",
        bucket="gocua",
        secure=False,
        region="ap-southeast-1",
    )
    assert isinstance(remote, S3Store)
    assert "k" not in remote.location.replace("gocua", "")  # no credentials in logs
    with pytest.raises(ValueError, match="access key"):
        open_store(
            data_dir=tmp_path, endpoint="127.0.0.1:9", access_key=None, secret_key=None, bucket="gocua", secure=False
        )
    with pytest.raises(ValueError, match="bucket"):
        open_store(data_dir=tmp_path, endpoint=None, access_key=None, secret_key=None, bucket="../up", secure=False)


async def test_local_store_unwritable_dir_fails_at_ensure_ready(tmp_path: Path) -> None:
    blocker = tmp_path / "file-not-dir"
    blocker.write_text("x")
    store = LocalStore(data_dir=blocker, bucket="gocua")
    with pytest.raises((StoreUnavailable, StoreAuthError)):
        await store.ensure_ready()
    assert await store.ping() is False
