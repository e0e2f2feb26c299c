"""Fixtures for the pages: the visits fixtures, cheap password hashing, signing in through the page form."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from litestar.testing import AsyncTestClient

from service.app import create_app
from service.settings import Settings
from tests.support.world import PASSWORD, use_fast_password_hashing
from tests.visits.conftest import form, homes  # noqa: F401  (fixtures)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[AsyncTestClient]:
    """The app as a browser meets it: redirects are answers to check, not to follow."""
    app = create_app(settings)
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as test_client:
        test_client.follow_redirects = False
        yield test_client
        await app.state.engine.dispose()


@pytest.fixture(autouse=True)
def _fast_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    use_fast_password_hashing(monkeypatch)


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


async def sign_in(client: AsyncTestClient, username: str, password: str = PASSWORD) -> str:
    """Signs in through the page; returns the CSRF token of the signed-in pages."""
    page = await client.get("/")
    response = await client.post(
        "/login", data={"csrf": hidden(page.text, "csrf"), "username": username, "password": password, "next": "/"}
    )
    assert response.status_code == 303, response.text
    home = await client.get("/")
    assert home.status_code in (200, 403)  # 403: a member, whose tool is the phone
    return hidden(home.text, "csrf")
