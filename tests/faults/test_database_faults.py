"""PostgreSQL crashed and restarted under load: the pool recovers by itself, without a service restart."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from service.app import build_store
from service.db.engine import migrate
from tests.faults.phones import PhoneFleet, Target, check_durability
from tests.support.live_server import live_server
from tests.support.own_postgres import OwnPostgres, remove, start_own_postgres


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = start_own_postgres()
    try:
        yield server
    finally:
        remove(server)


@pytest.fixture
def database_url(own_postgres: OwnPostgres) -> str:
    """The test world lives on our own server, the one this test crashes."""
    url = own_postgres.create_database("gocua_faults")
    migrate(url)
    return url


async def test_postgres_crashed_and_restarted_under_load(settings, world, form, homes, own_postgres, tmp_path: Path):
    with live_server(settings, tmp_path) as server:
        fleet = PhoneFleet(
            Target(server.url), world["member_a1"].headers, form, homes.located.id, phones=6, visits_each=5
        ).start()
        while fleet.sent() < 8:
            assert time.monotonic() < fleet.deadline, fleet.errors
            time.sleep(0.05)
        own_postgres.crash()
        time.sleep(1.0)  # requests meanwhile find no database at all
        own_postgres.start()
        fleet.join()
        assert not fleet.errors, fleet.errors
        assert fleet.max_in_flight >= 2
        assert len(fleet.acknowledged) == 30
        assert server.process.poll() is None  # the same server process throughout
        store = build_store(settings)
        try:
            counts = await check_durability(settings.resolved_database_url, store, set(fleet.acknowledged))
        finally:
            await store.aclose()
    assert counts["visits"] == 30
    print(f"PostgreSQL crashed under load: {fleet.retries} retries, {counts}")
