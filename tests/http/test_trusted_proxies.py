"""Behind nginx every login reaches the service from the proxy's address: with GOCUA_TRUSTED_PROXIES the limit
is kept per real caller (X-Forwarded-For, read from the right), without it the header is never believed."""

from __future__ import annotations

from pathlib import Path

import httpx
import msgspec
import pytest

from service.app import create_app
from service.settings import Settings
from tests.support.live_server import live_server
from tests.support.world import PASSWORD, World

GUESSER, OWNER = "203.0.113.7", "198.51.100.20"


async def _login(client: httpx.AsyncClient, password: str, forwarded_for: str) -> int:
    headers = {"X-Forwarded-For": forwarded_for}
    body = {"username": "admin", "password": password}
    return (await client.post("/api/v1/auth/login", json=body, headers=headers)).status_code


async def _guess_until_locked(client: httpx.AsyncClient, settings: Settings, forwarded_for: str) -> None:
    answers = [await _login(client, f"guess {n}", forwarded_for) for n in range(settings.login_max_failures + 1)]
    assert answers == [401] * settings.login_max_failures + [429]


async def test_behind_a_trusted_proxy_the_forwarded_caller_is_limited_not_the_proxy(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    trusted = msgspec.structs.replace(settings, trusted_proxies="127.0.0.1, 10.0.0.0/8")
    with live_server(trusted, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url) as proxy:  # the "proxy" connects from 127.0.0.1
            # The guesser (a client-written hop on the left, then nginx's own entry) is locked out ...
            await _guess_until_locked(proxy, settings, f"6.6.6.6, {GUESSER}")
            assert await _login(proxy, PASSWORD, GUESSER) == 429
            # ... a second trusted hop (10.1.2.3) is looked past; the owner at home gets in.
            assert await _login(proxy, PASSWORD, f"{OWNER}, 10.1.2.3") == 200
            # A guesser writing the owner's address on the left changes nothing: the right-most untrusted counts.
            assert await _login(proxy, PASSWORD, f"{OWNER}, {GUESSER}") == 429


async def test_without_trusted_proxies_a_forwarded_header_changes_nothing(
    settings: Settings, world: World, tmp_path: Path
) -> None:
    with live_server(settings, tmp_path) as server:
        async with httpx.AsyncClient(base_url=server.url) as client:
            await _guess_until_locked(client, settings, GUESSER)
            # Claiming to be somebody else does not escape the lock on this socket address.
            assert await _login(client, PASSWORD, OWNER) == 429


def test_a_bad_trusted_proxy_entry_stops_the_start(settings: Settings) -> None:
    with pytest.raises(ValueError, match="not-an-address"):
        create_app(msgspec.structs.replace(settings, trusted_proxies="10.0.0.1, not-an-address"))
