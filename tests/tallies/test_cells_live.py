"""Tallies read while visits arrive, all in flight together on a real socket: the refreshers take turns on the
cells' lock, none fails, and once the writes are done a tally counts every visit (cells and tables agree)."""

from __future__ import annotations

import asyncio

from tests.support.live_server import live_server
from tests.visits.conftest import homes  # noqa: F401  (households of the test world)
from tests.visits.live import socket_client
from tests.visits.support import visit

VISITS = 24
TALLIES = 12


async def test_tallies_in_flight_with_visits_all_succeed_and_end_up_counting_every_visit(
    settings, tmp_path, world, form, homes
):
    phone, admin = world["member_a1"].headers, world["admin"].headers
    with live_server(settings, tmp_path) as server:
        async with socket_client(server.url) as (client, in_flight):
            posts = [
                client.post("/api/v1/visits", json=visit(form, home.id), headers=phone)
                for home in [homes.located, homes.unlocated] * (VISITS // 2)
            ]
            reads = [client.get("/api/v1/tallies", params={"area": "38"}, headers=admin) for _ in range(TALLIES)]
            mixed = [request for pair in zip(posts[::2], reads, posts[1::2], strict=True) for request in pair]
            responses = await asyncio.gather(*mixed)
            assert in_flight.most > 1
            assert sorted({r.status_code for r in responses}) == [200, 201], [r.text for r in responses if r.is_error]
            current = (await client.get("/api/v1/tallies", params={"area": "38"}, headers=admin)).json()
            period = {"area": "38", "from": "2000-01-01", "to": "2099-12-31"}
            everything = (await client.get("/api/v1/tallies", params=period, headers=admin)).json()
    assert current["area"]["visits"]["total"] == VISITS
    assert current["area"]["households"] == everything["area"]["households"]
    assert current["area"]["households"]["visited"] == 2
    assert [c["visits"] for c in current["children"]] == [c["visits"] for c in everything["children"]]
