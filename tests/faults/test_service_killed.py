"""The service killed with SIGKILL under concurrent phones, then started again: nothing acknowledged is lost,
no row points at a missing object, orphans are swept, and the phones' retries complete."""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

from service.app import build_store
from tests.faults.phones import PhoneFleet, Target, check_durability
from tests.faults.serving import children
from tests.support.live_server import live_server
from tests.visits.conftest import s3_settings


def _kill_hard(pid: int) -> None:
    """SIGKILL granian's main process and its workers at once: no shutdown, no flush, no goodbye."""
    for victim in [*children(pid), pid]:
        try:
            os.kill(victim, signal.SIGKILL)
        except ProcessLookupError:
            pass


async def test_sigkill_under_concurrent_phones_loses_nothing_acknowledged(
    settings, world, form, homes, s3_server, s3_bucket_name, tmp_path: Path
):
    store_settings = s3_settings(settings, s3_server, s3_bucket_name)
    first_log, second_log = tmp_path / "first", tmp_path / "second"
    first_log.mkdir()
    second_log.mkdir()
    with live_server(store_settings, first_log, workers=2) as first:
        target = Target(first.url)
        fleet = PhoneFleet(target, world["member_a1"].headers, form, homes.located.id, phones=6, visits_each=5).start()
        while fleet.sent() < 10:
            assert time.monotonic() < fleet.deadline, fleet.errors
            time.sleep(0.02)
        acknowledged_before_kill = fleet.sent()
        _kill_hard(first.process.pid)
        first.process.wait(timeout=10)
    # A new service (as a supervisor would restart it); the phones' retries find it.
    with live_server(store_settings, second_log, workers=2) as second:
        target.url = second.url
        fleet.join()
        assert not fleet.errors, fleet.errors
        assert fleet.max_in_flight >= 2
        assert len(fleet.acknowledged) == 30
        store = build_store(store_settings)
        try:
            counts = await check_durability(store_settings.resolved_database_url, store, set(fleet.acknowledged))
        finally:
            await store.aclose()
    assert counts["visits"] == 30 and counts["photo_rows"] == 30
    print(f"SIGKILL after {acknowledged_before_kill} acknowledged: {fleet.retries} retries, {counts}")
