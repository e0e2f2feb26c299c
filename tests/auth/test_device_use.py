"""A device token's first use of the hour is written down (the "last used" a leader sees in the member's token
list), also when many phones start up at the same moment and their writes share one transaction."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from tests.support.live_server import live_server

PHONES = 16


async def test_every_token_used_together_shows_when_it_was_last_used(settings, world, tmp_path):
    member, admin = world["member_a1"], world["admin"]
    with live_server(settings, tmp_path, workers=1) as server:
        async with httpx.AsyncClient(base_url=server.url, headers=admin.headers) as client:
            issued = [
                (await client.post(f"/api/v1/members/{member.user.id}/device-tokens", json={"label": f"phone {n}"}))
                for n in range(PHONES)
            ]
        assert {response.status_code for response in issued} == {201}
        before = datetime.now(UTC) - timedelta(seconds=1)

        async def start_up(token: str) -> int:
            # One connection per phone, as phones have: the requests are in flight together.
            async with httpx.AsyncClient(base_url=server.url, headers={"Authorization": f"Bearer {token}"}) as phone:
                return (await phone.get("/api/v1/me")).status_code

        answers = await asyncio.gather(*(start_up(response.json()["token"]) for response in issued))
        assert answers == [200] * PHONES
        async with httpx.AsyncClient(base_url=server.url, headers=admin.headers) as client:
            listed = (await client.get(f"/api/v1/members/{member.user.id}/device-tokens", params={"limit": 100})).json()
    used = {item["id"]: item["last_used_at"] for item in listed["items"]}
    for response in issued:
        last_used = used[response.json()["id"]]
        assert last_used is not None and datetime.fromisoformat(last_used) >= before, listed
