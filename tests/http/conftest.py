from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from litestar.testing import AsyncTestClient

from service.settings import Settings
from tests.support.live_server import LiveServer, live_server
from tests.support.world import World, use_fast_password_hashing


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)


@pytest.fixture
async def client(client: AsyncTestClient) -> AsyncIterator[AsyncTestClient]:
    yield client
    await client.app.state.engine.dispose()


@pytest.fixture
def live(settings: Settings, world: World, tmp_path: Path) -> Iterator[LiveServer]:
    """granian serving the world's database on a real socket."""
    with live_server(settings, tmp_path) as server:
        yield server
