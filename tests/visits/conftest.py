"""Fixtures for visits: the bundled form published, households of the test world, the API on S3."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any

import msgspec
import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from forms.bundled import bundled_form_paths
from service.app import create_app
from service.households.models import Household
from service.registry import services as registry
from service.settings import Settings
from service.visits.models import Visit, VisitFlag, VisitPhoto
from tests.support.s3server import RunningS3
from tests.support.world import World, add_household
from tests.visits.support import HOME, offset_point


@pytest.fixture
async def form(db: AsyncSession, world: World) -> tuple[str, str]:
    """The bundled form, published: (form_id, version)."""
    published = await registry.publish(db, registry.parse_definition(bundled_form_paths()[0].read_bytes()), None)
    await db.commit()
    return published.form_id, published.version


@dataclass
class Homes:
    located: Household  # village 38-A-1, at HOME
    unlocated: Household  # village 38-A-1, no location yet
    other_village: Household  # village 38-A-2 (same commune)
    other_commune: Household  # village 38-B-1


@pytest.fixture
async def homes(db: AsyncSession, world: World) -> Homes:
    far = offset_point(HOME, north_m=9_000)
    return Homes(
        located=await add_household(db, world.areas["village_a1"], head_name="Lê Văn Một", lat=HOME[0], lon=HOME[1]),
        unlocated=await add_household(db, world.areas["village_a1"], head_name="Trần Thị Hai"),
        other_village=await add_household(db, world.areas["village_a2"], head_name="Phạm Ba", lat=far[0], lon=far[1]),
        other_commune=await add_household(db, world.areas["village_b1"], head_name="Đỗ Bốn"),
    )


def s3_settings(settings: Settings, server: RunningS3, bucket: str, **overrides: str) -> Settings:
    values = {
        "s3_endpoint": server.endpoint,
        "s3_access_key": server.access_key,
        "s3_secret_key": server.secret_key,
        "s3_bucket": bucket,
        "s3_secure": False,
    }
    values.update(overrides)
    return msgspec.structs.replace(settings, **values)


@pytest.fixture
async def client_s3(settings: Settings, s3_server: RunningS3, s3_bucket_name: str) -> AsyncIterator[AsyncTestClient]:
    """The API with photos going to the SeaweedFS S3 server (a fresh bucket), through the minio SDK."""
    app = create_app(s3_settings(settings, s3_server, s3_bucket_name))
    async with AsyncTestClient(app=app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture(params=["local", "s3"])
def photo_client(request: pytest.FixtureRequest) -> AsyncTestClient:
    """The API on the local object folder and on the real S3 server."""
    return request.getfixturevalue("client" if request.param == "local" else "client_s3")


async def count_rows(db: AsyncSession) -> dict[str, int]:
    counts = {}
    for name, model in (("visits", Visit), ("photos", VisitPhoto), ("flags", VisitFlag)):
        counts[name] = (await db.execute(select(func.count()).select_from(model))).scalar_one()
    await db.commit()
    return counts


async def fetch(db: AsyncSession, query: Any) -> list[Any]:
    """Rows of `query` as they are now in the database, read in a transaction that ends at once (on SQLite an
    open one blocks the API's writes)."""
    try:
        return list((await db.execute(query.execution_options(populate_existing=True))).scalars())
    finally:
        await db.commit()  # not rollback: that would expire the rows just read


async def object_keys(client: AsyncTestClient) -> list[str]:
    return await client.app.state.store.list_keys("photos/")
