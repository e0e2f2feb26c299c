"""Litestar dependencies shared by every controller: settings, one transaction per request, store, caller."""

from __future__ import annotations

from collections.abc import AsyncGenerator, AsyncIterator, Callable
from contextlib import asynccontextmanager

from litestar import Request
from litestar.datastructures import State
from litestar.di import NamedDependency, Provide
from sqlalchemy.ext.asyncio import AsyncSession

from service.auth.actor import Actor
from service.auth.authn import authenticate
from service.settings import Settings
from storage import ObjectStore

# Handlers and providers annotate injected values with these (Litestar 3 drops inferred dependencies);
# the parameter names must still be the keys of DEPENDENCIES: db_session, actor, settings, store.
DbSession = NamedDependency[AsyncSession]
CurrentActor = NamedDependency[Actor]
AppSettings = NamedDependency[Settings]
Store = NamedDependency[ObjectStore]


@asynccontextmanager
async def request_transaction(sessions: Callable[[], AsyncSession]) -> AsyncIterator[AsyncSession]:
    """Committed when the block succeeds, rolled back when it raises; no transaction is opened until used."""
    async with sessions() as session:
        try:
            yield session
        except BaseException:
            await session.rollback()
            raise
        else:
            if session.in_transaction():
                await session.commit()


async def provide_db_session(state: State) -> AsyncGenerator[AsyncSession, None]:
    """One transaction per request: committed when the handler succeeds, before the response is sent."""
    async with request_transaction(state.sessions) as session:
        yield session


def provide_settings(state: State) -> Settings:
    return state.settings


def provide_store(state: State) -> ObjectStore:
    return state.store


async def provide_actor(request: Request, state: State) -> Actor:
    # Usually resolved already by the guard (service/http/guard.py) from the headers; no request session needed.
    return await authenticate(request, None, state.token_lookup)


DEPENDENCIES = {
    "db_session": Provide(provide_db_session),
    "settings": Provide(provide_settings, sync_to_thread=False),
    "store": Provide(provide_store, sync_to_thread=False),
    "actor": Provide(provide_actor),
}
