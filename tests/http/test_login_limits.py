"""Login limits under a real burst: concurrent wrong passwords get at most `login_max_failures` real password
checks (counted in the server's log, one line per argon2 verification), and the owner still gets in from
another address."""

from __future__ import annotations

import asyncio
import time

import httpx

from tests.support.world import PASSWORD

BURST = 60


async def _login(client: httpx.AsyncClient, password: str) -> httpx.Response:
    return await client.post("/api/v1/auth/login", json={"username": "admin", "password": password})


def most_in_flight(spans: list[tuple[float, float]]) -> int:
    events = sorted([(start, 1) for start, _ in spans] + [(end, -1) for _, end in spans])
    level = peak = 0
    for _, step in events:
        level += step
        peak = max(peak, level)
    return peak


async def test_a_burst_of_wrong_passwords_gets_only_the_allowed_checks(live, settings):
    limits = httpx.Limits(max_connections=BURST)
    async with httpx.AsyncClient(base_url=live.url, limits=limits, timeout=60) as attacker:
        # Open the connections first, so the guesses are truly in flight together.
        await asyncio.gather(*(attacker.get("/health") for _ in range(BURST)))
        spans: list[tuple[float, float]] = []

        async def guess(i: int) -> httpx.Response:
            started = time.monotonic()
            answer = await _login(attacker, f"guess {i}")
            spans.append((started, time.monotonic()))
            return answer

        answers = await asyncio.gather(*(guess(i) for i in range(BURST)))
    assert most_in_flight(spans) >= BURST // 2  # the guesses were in flight together
    statuses = [a.status_code for a in answers]
    checks = live.output().count("password check: username='admin'")
    assert checks == statuses.count(401) <= settings.login_max_failures, (checks, statuses)
    assert statuses.count(429) == BURST - checks
    assert all(int(a.headers["retry-after"]) >= 1 for a in answers if a.status_code == 429)

    # The owner at another address (another loopback address: another client IP) is not locked out ...
    owner = httpx.AsyncHTTPTransport(local_address="127.0.0.2")
    async with httpx.AsyncClient(base_url=live.url, transport=owner) as client:
        assert (await _login(client, PASSWORD)).status_code == 200
    # ... while the guesser's address must wait, even with the right password.
    async with httpx.AsyncClient(base_url=live.url) as again:
        assert (await _login(again, PASSWORD)).status_code == 429
