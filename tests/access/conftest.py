from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from tests.support.world import use_fast_password_hashing


@pytest.fixture(autouse=True)
def _fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)


@pytest.fixture
async def client(client: AsyncTestClient) -> AsyncIterator[AsyncTestClient]:
    """The root `client`, plus closing the app's pooled connections on the test's event loop.

    AsyncTestClient runs the app's lifespan (which disposes the engine) on another loop than the requests that
    opened the connections; aiosqlite connections then escape unclosed and warn (an error here) whenever the
    garbage collector finds them, in some later test.
    """
    yield client
    await client.app.state.engine.dispose()
