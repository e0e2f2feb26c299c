"""Fixtures for the pages: the visits fixtures, cheap password hashing, signing in through the page form."""

from __future__ import annotations

import re

import pytest
from litestar.testing import AsyncTestClient

from tests.support.world import PASSWORD, use_fast_password_hashing
from tests.visits.conftest import form, homes  # noqa: F401  (fixtures)


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
    response = await client.post("/login", data={"csrf": hidden(page.text, "csrf"), "username": username,
                                                 "password": password, "next": "/"})
    assert response.status_code == 303, response.text
    home = await client.get("/")
    assert home.status_code == 200
    return hidden(home.text, "csrf")
