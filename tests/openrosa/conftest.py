"""Fixtures for OpenRosa: the bundled form published through the API (so its XForm is generated at publish),
households of the test world, and Collect's base URL for a member."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from forms.bundled import bundled_form_paths
from tests.support.world import World, add_household
from tests.visits.support import HOME


@dataclass
class Published:
    definition: forms.FormDefinition

    @property
    def key(self) -> tuple[str, str]:
        return self.definition.id, self.definition.version


@pytest.fixture
async def published(client: AsyncTestClient, world: World) -> Published:
    content = bundled_form_paths()[0].read_bytes()
    response = await client.post(
        "/api/v1/forms", content=content, headers={**world["admin"].headers, "Content-Type": "application/json"}
    )
    assert response.status_code == 201, response.text
    assert response.json()["warnings"] == []
    return Published(forms.load_definition(content))


@pytest.fixture
async def home(db: AsyncSession, world: World) -> uuid.UUID:
    """A located household in member_a1's village: its id (the ORM row expires when a test reads afresh)."""
    household = await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một", lat=HOME[0], lon=HOME[1])
    return household.id


def base(world: World, who: str = "member_a1") -> str:
    """Collect's server URL for a member: the device token in the path."""
    return f"/openrosa/key/{world[who].token}"
