"""The production layout, run: Debian's nginx with the repository's own configuration in front of two `gocua serve`
instances sharing one PostgreSQL and one S3 server (SeaweedFS).

Sixteen phones send visits with a photo through nginx; one instance is killed with SIGKILL mid-load and started
again. Every acknowledged visit is stored with its photo, a session and a device token work on both instances,
the two instances' background tally refreshers leave cells equal to a count from scratch, and `/ready` behind
nginx names the instance that is down.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
import msgspec
from sqlalchemy import select

from service.app import build_store
from service.db.engine import create_engine
from service.tallies.models import TallyDirty
from tests.faults.nginx import nginx_in_front
from tests.faults.phones import PhoneFleet, Target, check_durability
from tests.faults.serving import gocua_serve
from tests.faults.test_service_killed import _kill_hard
from tests.support.live_server import free_port
from tests.support.world import PASSWORD
from tests.tallies.test_cells import _cells, _counted_afresh
from tests.visits.conftest import s3_settings

PHONES, VISITS_EACH = 16, 3
INSTANCE_ENV = {"GOCUA_TALLY_REFRESH_S": "0.5", "GOCUA_TRUSTED_PROXIES": "127.0.0.1"}


def _ready_answers(url: str, polls: int) -> dict[str, set[int]]:
    """Which instance answered `/ready` through nginx, and with what: {upstream address: {statuses}}."""
    seen: dict[str, set[int]] = {}
    for _ in range(polls):
        response = httpx.get(url + "/ready", timeout=10)
        seen.setdefault(response.headers.get("x-gocua-upstream", "?"), set()).add(response.status_code)
    return seen


def _works_on(instance_url: str, headers: dict[str, str], cookies: dict[str, str] | None = None) -> str:
    response = httpx.get(instance_url + "/api/v1/me", headers=headers, cookies=cookies, timeout=10)
    assert response.status_code == 200, (instance_url, response.status_code, response.text)
    return response.json()["username"]


async def _marks_left(database_url: str) -> bool:
    engine = create_engine(database_url, pool_size=1)
    try:
        async with engine.connect() as connection:
            return (await connection.execute(select(TallyDirty.__table__.c.id).limit(1))).first() is not None
    finally:
        await engine.dispose()


async def test_two_instances_behind_nginx_one_killed_mid_load(
    settings, world, form, homes, db, s3_server, s3_bucket_name, tmp_path: Path
):
    shared = s3_settings(settings, s3_server, s3_bucket_name)
    first_port, second_port = free_port(), free_port()
    addresses = {"first": f"127.0.0.1:{first_port}", "second": f"127.0.0.1:{second_port}"}
    with (
        gocua_serve(shared, tmp_path, port=second_port, extra_env=INSTANCE_ENV) as second,
        nginx_in_front(list(addresses.values()), tmp_path / "nginx") as nginx,
    ):
        first = gocua_serve(shared, tmp_path, port=first_port, extra_env=INSTANCE_ENV)
        first_server = first.__enter__()
        try:
            # A session made through nginx, and a member's device token, work on either instance.
            login = httpx.post(
                nginx.url + "/api/v1/auth/login", json={"username": "admin", "password": PASSWORD}, timeout=10
            )
            assert login.status_code == 200, login.text
            session = {"Authorization": f"Bearer {login.json()['token']}"}
            for instance in (first_server.url, second.url):
                assert _works_on(instance, session) == "admin"
                assert _works_on(instance, {}, cookies=dict(login.cookies)) == "admin"
                assert _works_on(instance, world["member_a1"].headers) == world["member_a1"].user.username

            fleet = PhoneFleet(
                Target(nginx.url), world["member_a1"].headers, form, homes.located.id, PHONES, VISITS_EACH
            ).start()
            while fleet.sent() < 10:
                assert time.monotonic() < fleet.deadline, fleet.errors
                time.sleep(0.02)
            _kill_hard(first_server.process.pid)
            first_server.process.wait(timeout=10)
            acknowledged_at_kill = fleet.sent()

            answers = _ready_answers(nginx.url, polls=6)
            assert answers.get(addresses["first"]) == {502}, answers  # nginx: that instance is down
            assert answers.get(addresses["second"]) == {200}, answers
        finally:
            first.__exit__(None, None, None)

        # Started again on its port, as a supervisor (or systemd) would; nginx finds it again.
        with gocua_serve(shared, tmp_path, port=first_port, extra_env=INSTANCE_ENV):
            fleet.join()
            assert not fleet.errors, fleet.errors
            assert fleet.max_in_flight >= 8, fleet.max_in_flight  # the phones were in flight together
            assert len(fleet.acknowledged) == PHONES * VISITS_EACH
            answers = _ready_answers(nginx.url, polls=6)
            assert answers == {addresses["first"]: {200}, addresses["second"]: {200}}, answers

            store = build_store(shared)
            try:
                counts = await check_durability(shared.resolved_database_url, store, set(fleet.acknowledged))
            finally:
                await store.aclose()
            assert counts["visits"] == PHONES * VISITS_EACH and counts["photo_rows"] == PHONES * VISITS_EACH

            # Both instances' background refreshers consume the villages' marks, neither counting twice.
            deadline = time.monotonic() + 30
            while await _marks_left(shared.resolved_database_url):
                assert time.monotonic() < deadline, "the refreshers never consumed the marks"
                await asyncio.sleep(0.2)
            assert await _cells(db) == await _counted_afresh(db)
            tallies = [
                httpx.get(nginx.url + "/api/v1/tallies", params={"area": "38", **period}, headers=session, timeout=30)
                for period in ({}, {"from": "2000-01-01", "to": "2099-12-31"})
            ]
            assert all(t.status_code == 200 for t in tallies), [t.text for t in tallies]
            current, everything = (msgspec.json.decode(t.content) for t in tallies)
            for key in ("households", "assessed", "levels", "visits"):
                assert current["area"][key] == everything["area"][key], key
            assert sum(current["area"]["visits"].values()) >= PHONES * VISITS_EACH, current["area"]["visits"]
    print(f"killed after {acknowledged_at_kill} acknowledged; {fleet.retries} retries; {counts}")
