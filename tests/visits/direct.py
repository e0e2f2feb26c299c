"""The visit write path driven in-process, without HTTP: what the submit route does, for tests that gather many
visits at once on the batcher (cheap enough for hundreds of randomized streams)."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker

from service.app import build_store
from service.auth.actor import Actor, Role
from service.db.engine import create_engine, session_factory
from service.registry.services import compiled_version
from service.settings import Settings
from service.visits import services
from service.visits.batch import VisitBatcher
from service.visits.intake import Intake
from service.visits.schemas import VisitReceipt
from service.visits.write_path import service_writer
from storage import ObjectStore
from tests.support.world import Person, World


def actor_of(world: World, key: str) -> Actor:
    person: Person = world[key]
    user = person.user
    assert user.id is not None
    path = next(area.path for area in world.areas.values() if area.id == user.area_id)
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=Role(user.role),
        team_id=user.team_id,
        area_id=user.area_id,
        area_path=path,
        via="device",
    )


@dataclass
class Service:
    """The parts of the running app the submit route uses."""

    settings: Settings
    engine: AsyncEngine
    sessions: async_sessionmaker[AsyncSession]
    batcher: VisitBatcher
    store: ObjectStore

    @property
    def intake(self) -> Intake:
        return Intake(self.settings, self.store, None, self.batcher, self.sessions)

    async def load_form(self, form: tuple[str, str]) -> None:
        """Compile the form into this process's cache, as the first visit on a form does in a server."""
        async with self.sessions() as session:
            assert await compiled_version(session, *form) is not None

    async def submit(self, actor: Actor, body: dict[str, Any]) -> tuple[VisitReceipt, bool]:
        """As `POST /api/v1/visits` with a JSON body: the batcher first, the single-visit path otherwise."""
        raw = json.dumps(body).encode()
        return await services.receive(actor, raw, None, self.intake)


@asynccontextmanager
async def running_service(settings: Settings) -> AsyncIterator[Service]:
    engine = create_engine(settings.resolved_database_url, pool_size=20)
    try:
        yield Service(
            settings,
            engine,
            session_factory(engine),
            VisitBatcher(engine, service_writer(settings)),
            build_store(settings),
        )
    finally:
        await engine.dispose()
