"""The world the authorization matrix runs in, and helpers its request builders use.

One database per backend for the whole matrix: builders whose request changes state (delete, revoke, merge,
close, log out…) create a fresh object for each cell, so cells never depend on each other's order.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.areas.models import Area
from service.auth.models import DeviceToken, LoginSession
from service.auth.tokens import DEVICE_PREFIX, SESSION_PREFIX, new_token, token_hash
from service.db.engine import utcnow
from service.households.models import Household
from service.people.models import Team, User
from tests.support.world import PASSWORD, World, add_area, add_household, add_person

__all__ = ["PASSWORD", "Call", "Scene"]

ROLES = ("anonymous", "member", "leader", "supervisor", "admin")
SCOPES = ("in", "out")
# Who plays each role. Everything "in scope" lives in village 38-A-1 (seen by all four), everything "out of
# scope" in village 38-B-1 (seen only by the admin).
PLAYERS = {"member": "member_a1", "leader": "leader_a1", "supervisor": "supervisor_a", "admin": "admin"}
VILLAGE = {"in": "village_a1", "out": "village_b1"}
COMMUNE = {"in": "commune_a", "out": "commune_b"}
TEAM = {"in": "a1", "out": "b1"}
MEMBER = {"in": "member_a1", "out": "member_b1"}


@dataclass
class Call:
    """A concrete request. `headers` replaces the role's credentials when given (e.g. a fresh token to revoke)."""

    path: str
    json: Any = None
    content: bytes | None = None
    content_type: str | None = None
    files: dict[str, Any] | None = None
    params: dict[str, Any] | None = None
    headers: dict[str, str] | None = None


@dataclass
class Scene:
    world: World
    sessions: async_sessionmaker[AsyncSession]
    form_id: str = ""
    form_version: str = ""
    store: Any = None  # the app's object store, set once the app under test has started
    _counter: itertools.count = field(default_factory=lambda: itertools.count(1))

    def unique(self, prefix: str) -> str:
        return f"{prefix}{next(self._counter)}"

    def player(self, role: str):
        return self.world[PLAYERS[role]]

    def village(self, scope: str) -> Area:
        return self.world.areas[VILLAGE[scope]]

    def commune(self, scope: str) -> Area:
        return self.world.areas[COMMUNE[scope]]

    def team(self, scope: str) -> Team:
        return self.world.teams[TEAM[scope]]

    def member(self, scope: str) -> User:
        return self.world[MEMBER[scope]].user

    async def household(self, scope: str, **fields: Any) -> Household:
        async with self.sessions() as session:
            return await add_household(session, self.village(scope), **fields)

    async def fresh_member(self, scope: str, role: str = "member") -> User:
        async with self.sessions() as session:
            person = await add_person(session, self.unique("matrix_user_"), role, self.village(scope), self.team(scope))
            await session.commit()
            return person.user

    async def fresh_village(self, scope: str) -> Area:
        async with self.sessions() as session:
            area = await add_area(
                session, self.unique(f"{self.commune(scope).code}-m"), "Thôn thử", "village", self.commune(scope)
            )
            await session.commit()
            return area

    async def fresh_team(self, scope: str) -> Team:
        village = await self.fresh_village(scope)
        async with self.sessions() as session:
            team = Team(area_id=village.id, name="Tổ thử", created_at=utcnow())
            session.add(team)
            await session.commit()
            return team

    async def device_token(self, user_id: int) -> tuple[int, str]:
        token = new_token(DEVICE_PREFIX)
        async with self.sessions() as session:
            row = DeviceToken(user_id=user_id, token_hash=token_hash(token), created_at=utcnow())
            session.add(row)
            await session.commit()
            return row.id, token

    async def fresh_credentials(self, role: str) -> dict[str, str]:
        """A new token for the role's player, for requests that revoke the credential they came with."""
        user = self.player(role).user
        if role in ("member", "leader"):
            _, token = await self.device_token(user.id)
        else:
            token = new_token(SESSION_PREFIX)
            async with self.sessions() as session:
                now = utcnow()
                session.add(
                    LoginSession(
                        user_id=user.id,
                        token_hash=token_hash(token),
                        created_at=now,
                        expires_at=now + timedelta(hours=1),
                    )
                )
                await session.commit()
        return {"Authorization": f"Bearer {token}"}

    def username(self, role: str) -> str:
        return self.player(role).user.username if role != "anonymous" else "admin"
