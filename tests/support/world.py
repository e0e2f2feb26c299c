"""A small, fully known world for tests: a province, two communes, three villages, people of every role."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from functools import lru_cache

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from service.areas.models import Area
from service.auth.models import DeviceToken, LoginSession
from service.auth.tokens import DEVICE_PREFIX, SESSION_PREFIX, new_token, token_hash
from service.db.engine import utcnow
from service.households.models import Household
from service.people.models import Team, User

# Every person of the world can also log in with this password (hashed once per test process: argon2 is slow
# on purpose).
PASSWORD = "mật khẩu thử 123"


@lru_cache(maxsize=1)
def fast_hasher():
    """Still argon2id, with tiny cost parameters: for tests only (production uses RFC 9106's profile)."""
    from argon2 import PasswordHasher

    return PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)


@lru_cache(maxsize=1)
def password_hash() -> str:
    return fast_hasher().hash(PASSWORD)


def use_fast_password_hashing(monkeypatch) -> None:
    """Tests that log in many times swap the service's hasher for the cheap one (argon2 is slow on purpose)."""
    from service.auth import passwords

    monkeypatch.setattr(passwords, "_hasher", fast_hasher())


@pytest.fixture(autouse=True)
def fast_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Imported into a folder's conftest.py, every test there logs in with the cheap hasher."""
    use_fast_password_hashing(monkeypatch)


@dataclass
class Person:
    user: User
    token: str

    @property
    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.token}"}


@dataclass
class World:
    areas: dict[str, Area] = field(default_factory=dict)
    teams: dict[str, Team] = field(default_factory=dict)
    people: dict[str, Person] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Person:
        return self.people[key]


async def add_area(session: AsyncSession, code: str, name: str, level: str, parent: Area | None) -> Area:
    area = Area(
        code=code,
        name=name,
        level=level,
        parent_id=parent.id if parent else None,
        path="",
        depth=(parent.depth + 1) if parent else 0,
    )
    session.add(area)
    await session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    await session.flush()
    return area


async def add_person(
    session: AsyncSession,
    username: str,
    role: str,
    area: Area | None,
    team: Team | None = None,
    *,
    device: bool | None = None,
) -> Person:
    now = utcnow()
    user = User(
        username=username,
        full_name=username.replace("_", " ").title(),
        role=role,
        team_id=team.id if team else None,
        area_id=area.id if area else None,
        created_at=now,
        password_hash=password_hash(),
    )
    session.add(user)
    await session.flush()
    use_device = role in ("member", "leader") if device is None else device
    if use_device:
        token = new_token(DEVICE_PREFIX)
        session.add(DeviceToken(user_id=user.id, token_hash=token_hash(token), created_at=now))
    else:
        token = new_token(SESSION_PREFIX)
        from datetime import timedelta

        session.add(
            LoginSession(
                user_id=user.id, token_hash=token_hash(token), created_at=now, expires_at=now + timedelta(hours=1)
            )
        )
    await session.flush()
    return Person(user, token)


async def build_world(session: AsyncSession) -> World:
    world = World()
    province = await add_area(session, "38", "Thanh Hóa", "province", None)
    commune_a = await add_area(session, "38-A", "Xã Xuân Lập", "commune", province)
    commune_b = await add_area(session, "38-B", "Xã Thọ Lập", "commune", province)
    village_a1 = await add_area(session, "38-A-1", "Thôn Một", "village", commune_a)
    village_a2 = await add_area(session, "38-A-2", "Thôn Hai", "village", commune_a)
    village_b1 = await add_area(session, "38-B-1", "Thôn Ba", "village", commune_b)
    world.areas.update(
        province=province,
        commune_a=commune_a,
        commune_b=commune_b,
        village_a1=village_a1,
        village_a2=village_a2,
        village_b1=village_b1,
    )
    for key, village in (("a1", village_a1), ("a2", village_a2), ("b1", village_b1)):
        team = Team(area_id=village.id, name=f"Tổ CNSCĐ {village.name}", created_at=utcnow())
        session.add(team)
        await session.flush()
        world.teams[key] = team
    people = world.people
    people["admin"] = await add_person(session, "admin", "admin", None)
    people["supervisor_a"] = await add_person(session, "giam_sat_a", "supervisor", commune_a)
    people["supervisor_b"] = await add_person(session, "giam_sat_b", "supervisor", commune_b)
    people["leader_a1"] = await add_person(session, "to_truong_a1", "leader", village_a1, world.teams["a1"])
    people["member_a1"] = await add_person(session, "thanh_vien_a1", "member", village_a1, world.teams["a1"])
    people["member_a2"] = await add_person(session, "thanh_vien_a2", "member", village_a2, world.teams["a2"])
    people["member_b1"] = await add_person(session, "thanh_vien_b1", "member", village_b1, world.teams["b1"])
    await session.commit()
    return world


async def add_household(
    session: AsyncSession,
    village: Area,
    *,
    head_name: str | None = None,
    commit: bool = True,
    **fields: object,
) -> Household:
    """A household in `village`, numbered in the sync sequence like any other change."""
    from service.households import changes

    now = utcnow()
    household = Household(
        id=uuid.uuid4(),
        area_id=village.id,
        head_name=head_name,
        created_at=now,
        updated_at=now,
        change_seq=await changes.bump(session),
        **fields,
    )
    session.add(household)
    await session.flush()
    if commit:
        await session.commit()
    return household
