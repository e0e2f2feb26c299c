"""The object store frozen or killed under the service: phones get a quick 503, then their retry succeeds."""

from __future__ import annotations

import os
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from service.app import build_store
from tests.faults.phones import PhoneFleet, Target, check_durability, frozen, photo_visit, post_with_photo
from tests.support.live_server import live_server
from tests.support.s3server import RunningS3, _s3_answers, start_seaweedfs
from tests.visits.conftest import s3_settings


def test_a_frozen_object_store_answers_503_in_seconds_and_recovers(
    settings, world, form, homes, s3_server, s3_bucket_name, tmp_path
):
    store_settings = s3_settings(settings, s3_server, s3_bucket_name)  # the default timeouts
    phone = world["member_a1"].headers
    with live_server(store_settings, tmp_path) as server, httpx.Client(timeout=60) as client:
        before, photo = photo_visit(form, homes.located.id, 1)
        assert post_with_photo(client, server.url, phone, before, photo).status_code == 201
        body, photo = photo_visit(form, homes.located.id, 2)
        with frozen(s3_server):
            started = time.monotonic()
            refused = post_with_photo(client, server.url, phone, body, photo)
            upload_wait = time.monotonic() - started
            started = time.monotonic()
            ready = client.get(server.url + "/ready")
            ready_wait = time.monotonic() - started
        assert refused.status_code == 503, refused.text
        assert refused.json()["code"] == "storage.unavailable"
        assert refused.headers.get("content-type", "").startswith("application/problem+json")
        assert upload_wait < 8, upload_wait  # was ~61 s: the SDK's retries of a 30 s read timeout
        assert ready.status_code == 503 and ready.json()["extra"]["object_store"] is False
        assert ready_wait < 4, ready_wait
        # Thawed: the phone's retry of the same visit goes through, and the service is ready again.
        deadline = time.monotonic() + 20
        while (retried := post_with_photo(client, server.url, phone, body, photo)).status_code == 503:
            assert time.monotonic() < deadline, retried.text
            time.sleep(0.5)
        assert retried.status_code == 201, retried.text
        assert client.get(server.url + "/ready").status_code == 200
        print(f"frozen store: upload 503 after {upload_wait:.1f} s, /ready 503 after {ready_wait:.1f} s")


def _restart(server: RunningS3) -> None:
    """SIGKILL the S3 server, then start it again on the same folder, ports and credentials."""
    os.killpg(server.process.pid, signal.SIGKILL)
    server.process.wait(timeout=10)
    with open(server.log_path, "ab") as log:
        server.process = subprocess.Popen(
            server.process.args,
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            cwd=server.workdir,
            start_new_session=True,
        )
    deadline = time.monotonic() + 60
    while not _s3_answers(server.endpoint, server.access_key, server.secret_key):
        assert server.process.poll() is None and time.monotonic() < deadline, server.log_tail()
        time.sleep(0.25)


@pytest.fixture
def own_s3_server() -> Iterator[RunningS3]:
    """A SeaweedFS of this test's own: it is killed, and the session's server serves other tests."""
    server = start_seaweedfs(Path(tempfile.mkdtemp(prefix="gocua-weed-kill-")))
    try:
        yield server
    finally:
        server.stop()


async def test_the_object_store_killed_mid_upload_and_restarted(settings, world, form, homes, own_s3_server, tmp_path):
    store_settings = s3_settings(settings, own_s3_server, "gocua-faults")
    with live_server(store_settings, tmp_path) as server:
        fleet = PhoneFleet(
            Target(server.url), world["member_a1"].headers, form, homes.located.id, phones=6, visits_each=4
        ).start()
        while fleet.sent() < 6:  # uploads are under way
            assert time.monotonic() < fleet.deadline, fleet.errors
            time.sleep(0.05)
        _restart(own_s3_server)
        fleet.join()
        assert not fleet.errors, fleet.errors
        assert fleet.max_in_flight >= 2
        assert len(fleet.acknowledged) == 24
        store = build_store(store_settings)
        try:
            counts = await check_durability(store_settings.resolved_database_url, store, set(fleet.acknowledged))
        finally:
            await store.aclose()
    assert counts["visits"] == 24 and counts["photo_rows"] == 24
    print(f"S3 killed mid-upload: {fleet.retries} retries, {counts}")
