"""`gocua demo-seed`: a deterministic demo world in an empty database, with bulk inserts.

The same scale always gives the same areas, teams, people and households (seeded RNG). Only the secrets
differ per run: one demo password for every demo user (hashed once with argon2id — hashing 1,267 or 20,000
distinct passwords would take minutes; a leaked demo database shows they share it), and one random device token
per member with a smartphone. Both are written to the credentials file and nowhere else.
"""

from __future__ import annotations

import bisect
import itertools
import math
import random
import secrets
import time
import uuid
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import func, insert, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.activities.demo import seed_activities
from service.areas.importer import VN_LEVELS
from service.areas.models import Area
from service.auth.models import DeviceToken
from service.auth.passwords import hash_password
from service.auth.tokens import DEVICE_PREFIX, token_hash
from service.db.tables import table_of
from service.demo.bulk import BATCH
from service.demo.bulk import bulk as _bulk
from service.demo.history import HISTORY_TABLES, History
from service.demo.names import (
    GIVEN_FEMALE,
    GIVEN_MALE,
    MIDDLE_FEMALE,
    MIDDLE_MALE,
    SURNAMES,
    VILLAGE_NAMES,
)
from service.households import changes
from service.households.models import Household
from service.people.models import Team, User
from service.settings import Settings
from storage import ObjectStore

PROVINCE = 38  # Thanh Hóa
BASE_TIME = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # fixed, so a seed is the same whenever it runs
# Inland Thanh Hóa (plains and midlands), where the synthetic commune centres are placed.
LAT_RANGE, LON_RANGE = (19.60, 20.30), (105.30, 105.85)
METRES_PER_DEG_LAT = 111_320.0


@dataclass(frozen=True)
class Scale:
    communes: int | None  # None: every commune/ward of the province
    villages: int
    members: int
    households: int


SCALES = {
    "small": Scale(communes=3, villages=6, members=24, households=600),
    # Thọ Xuân district, September 2024 (FIELD.md): 30 communes, 274 teams, 1,267 members, ~60,000 households.
    "district": Scale(communes=30, villages=274, members=1267, households=60_000),
    "province": Scale(communes=None, villages=4_560, members=21_000, households=1_000_000),
}


@dataclass
class SeedResult:
    scale: str
    credentials: dict[str, Any]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)


def _rng(scale: str, part: str) -> random.Random:
    return random.Random(f"gocua-demo/{scale}/{part}")


def _split(total: int, parts: int, rng: random.Random, spread: float = 0.0) -> list[int]:
    """`total` over `parts` buckets, each ≥ 1, varying by ±spread, summing exactly to `total`."""
    weights = [1.0 + rng.uniform(-spread, spread) for _ in range(parts)]
    scale = total / sum(weights)
    counts = [max(1, int(w * scale)) for w in weights]
    order = sorted(range(parts), key=lambda i: (weights[i] * scale) - counts[i], reverse=True)
    i = 0
    while sum(counts) < total:
        counts[order[i % parts]] += 1
        i += 1
    while sum(counts) > total:
        j = max(range(parts), key=lambda k: counts[k])
        counts[j] -= 1
    return counts


_SURNAME_NAMES = [name for name, _ in SURNAMES]
_SURNAME_CUMULATIVE = list(itertools.accumulate(weight for _, weight in SURNAMES))
_MEMBER_COUNTS = (1, 2, 3, 4, 5, 6, 7)
_MEMBER_COUNT_CUMULATIVE = list(itertools.accumulate((8, 17, 20, 25, 17, 8, 5)))


def _weighted(rng: random.Random, values: Sequence[Any], cumulative: Sequence[float]) -> Any:
    return values[bisect.bisect_right(cumulative, rng.random() * cumulative[-1])]


def _person_name(rng: random.Random) -> str:
    surname = _weighted(rng, _SURNAME_NAMES, _SURNAME_CUMULATIVE)
    if rng.random() < 0.5:
        return f"{surname} {rng.choice(MIDDLE_MALE)} {rng.choice(GIVEN_MALE)}"
    return f"{surname} {rng.choice(MIDDLE_FEMALE)} {rng.choice(GIVEN_FEMALE)}"


def _near(rng: random.Random, lat: float, lon: float, sigma_m: float) -> tuple[float, float]:
    d_lat = rng.gauss(0, sigma_m) / METRES_PER_DEG_LAT
    d_lon = rng.gauss(0, sigma_m) / (METRES_PER_DEG_LAT * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)


@dataclass
class Plan:
    areas: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    villages: list[dict[str, Any]]  # area rows of the villages, in order
    communes: list[dict[str, Any]]


def plan_areas(scale_name: str) -> Plan:
    from vietnam_provinces import Province, ProvinceCode, Ward

    scale = SCALES[scale_name]
    rng = _rng(scale_name, "areas")
    province = Province.from_code(ProvinceCode(PROVINCE))
    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    if scale.communes is not None:
        # Rural communes first (the teams' home ground), a deterministic sample of them.
        rural = [w for w in wards if w.division_type.value == "xã"]
        wards = sorted(rng.sample(rural, scale.communes), key=lambda w: int(w.code))
    areas: list[dict[str, Any]] = []
    next_id = iter(range(1, 10_000_000))

    def add(code: str, name: str, level: str, parent: dict | None, lat: float | None, lon: float | None) -> dict:
        area_id = next(next_id)
        row = {
            "id": area_id,
            "code": code,
            "name": name,
            "level": level,
            "parent_id": parent["id"] if parent else None,
            "path": f"{parent['path'] if parent else '/'}{area_id}/",
            "depth": parent["depth"] + 1 if parent else 0,
            "lat": lat,
            "lon": lon,
            "closed_at": None,
        }
        areas.append(row)
        return row

    root = add(str(PROVINCE), province.name, "province", None, 19.8075, 105.7764)
    communes = []
    for ward in wards:
        lat, lon = round(rng.uniform(*LAT_RANGE), 6), round(rng.uniform(*LON_RANGE), 6)
        communes.append(
            add(str(int(ward.code)), ward.name, VN_LEVELS.get(ward.division_type.value, "commune"), root, lat, lon)
        )
    villages: list[dict[str, Any]] = []
    for commune, count in zip(communes, _split(scale.villages, len(communes), rng), strict=True):
        urban = commune["level"] == "ward"
        names = rng.sample(VILLAGE_NAMES, min(count, len(VILLAGE_NAMES)))
        for j in range(1, count + 1):
            if urban:
                name = f"Tổ dân phố {j}"
            elif j <= len(names):
                name = f"Thôn {names[j - 1]}"
            else:
                name = f"Thôn {j}"
            lat, lon = _near(rng, commune["lat"], commune["lon"], 1500)
            villages.append(
                add(f"{commune['code']}-{j:02d}", name, "neighbourhood" if urban else "village", commune, lat, lon)
            )
    teams = [
        {"id": i, "area_id": v["id"], "name": f"Tổ CNSCĐ {v['name']}, {_short(communes, v)}", "created_at": BASE_TIME}
        for i, v in enumerate(villages, start=1)
    ]
    return Plan(areas=areas, teams=teams, villages=villages, communes=communes)


def _short(communes: list[dict[str, Any]], village: dict[str, Any]) -> str:
    parent = next(c for c in communes if c["id"] == village["parent_id"])
    return parent["name"]


def plan_people(scale_name: str, plan: Plan) -> list[dict[str, Any]]:
    scale = SCALES[scale_name]
    rng = _rng(scale_name, "people")
    users: list[dict[str, Any]] = []

    def add(username: str, role: str, area: dict | None, team_id: int | None, smartphone: bool = True) -> None:
        users.append(
            {
                "id": len(users) + 1,
                "username": username,
                "full_name": _person_name(rng),
                "phone": f"09{rng.randrange(10**8):08d}",
                "role": role,
                "team_id": team_id,
                "area_id": area["id"] if area else None,
                "has_smartphone": smartphone,
                "active": True,
                "created_at": BASE_TIME,
            }
        )

    add("admin", "admin", None, None)
    users[0]["full_name"] = "Quản trị hệ thống"
    add(f"gs.{PROVINCE}", "supervisor", next(a for a in plan.areas if a["depth"] == 0), None)
    for commune in plan.communes:
        add(f"gs.{commune['code']}", "supervisor", commune, None)
    sizes = _split(scale.members, len(plan.villages), rng, spread=0.2)
    for village, team, size in zip(plan.villages, plan.teams, sizes, strict=True):
        add(f"tt.{village['code']}", "leader", village, team["id"])
        for k in range(1, size):
            # About one member in eight has no smartphone: the leader submits on their behalf.
            add(f"tv.{village['code']}.{k}", "member", village, team["id"], smartphone=rng.random() >= 0.125)
    return users


def household_rows(scale_name: str, plan: Plan) -> Iterator[list[dict[str, Any]]]:
    """Batches of household rows, numbered 1..N in the change sequence."""
    scale = SCALES[scale_name]
    rng = _rng(scale_name, "households")
    sizes = _split(scale.households, len(plan.villages), rng, spread=0.3)
    batch: list[dict[str, Any]] = []
    seq = 0
    for village, size in zip(plan.villages, sizes, strict=True):
        for n in range(1, size + 1):
            seq += 1
            lat, lon = _near(rng, village["lat"], village["lon"], 350)
            created = BASE_TIME + timedelta(seconds=seq)
            batch.append(
                {
                    "id": uuid.UUID(int=rng.getrandbits(128), version=4),
                    "official_code": f"{village['code']}-{n:04d}" if rng.random() < 0.8 else None,
                    "area_id": village["id"],
                    "head_name": _person_name(rng),
                    "address": f"Số {n}, {village['name']}",
                    "lat": lat,
                    "lon": lon,
                    "member_count": _weighted(rng, _MEMBER_COUNTS, _MEMBER_COUNT_CUMULATIVE),
                    "elderly_only": rng.random() < 0.08,
                    "temporary_resident": rng.random() < 0.06,
                    "status": "active",
                    "merged_into_id": None,
                    "created_by": None,
                    "created_at": created,
                    "updated_at": created,
                    "change_seq": seq,
                    "create_hash": None,
                }
            )
            if len(batch) >= BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


async def database_is_empty(session: AsyncSession) -> bool:
    for table in (Area, User, Household):
        if (await session.execute(select(func.count()).select_from(table))).scalar_one():
            return False
    return True


async def _fix_sequences(session: AsyncSession) -> None:
    connection = await session.connection()
    if connection.dialect.name != "postgresql":
        return
    for table in ("areas", "teams", "users"):
        await session.execute(
            text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT COALESCE(MAX(id), 1) FROM {table}))")
        )


async def seed(
    session: AsyncSession, scale_name: str, store: ObjectStore | None = None, now: datetime | None = None
) -> SeedResult:
    """The demo world; with an object store, also its last eight weeks of field work (service/demo/history.py)."""
    if scale_name not in SCALES:
        raise errors.DomainError(
            errors.BAD_REQUEST,
            f"Quy mô không hợp lệ: {scale_name}.",
            f"Unknown scale {scale_name}; one of {sorted(SCALES)}.",
        )
    if not await database_is_empty(session):
        raise errors.DomainError(
            errors.DEMO_NOT_EMPTY,
            "Chỉ nạp dữ liệu mẫu vào cơ sở dữ liệu trống.",
            "Demo data goes only into an empty database.",
        )
    result = SeedResult(scale=scale_name, credentials={})
    connection = await session.connection()
    if connection.dialect.name == "sqlite":
        # A million random UUID keys thrash SQLite's default 2 MB page cache; 256 MB keeps the indexes in memory.
        await session.execute(text("PRAGMA cache_size=-262144"))
    started = clock = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal clock
        now = time.perf_counter()
        result.seconds[name] = round(now - clock, 3)
        clock = now

    plan = plan_areas(scale_name)
    users = plan_people(scale_name, plan)
    password = "demo-" + secrets.token_urlsafe(9)
    password_hash = await hash_password(password)
    for user in users:
        user["password_hash"] = password_hash
    lap("plan")
    await _bulk(session, Area, plan.areas)
    await _bulk(session, Team, plan.teams)
    await _bulk(session, User, users)
    await _fix_sequences(session)
    codes = {a["id"]: a["code"] for a in plan.areas}
    tokens: dict[int, str] = {}
    device_rows = []
    for user in users:
        if user["role"] in ("member", "leader") and user["has_smartphone"]:
            token = DEVICE_PREFIX + secrets.token_urlsafe(32)
            tokens[user["id"]] = token
            device_rows.append(
                {
                    "user_id": user["id"],
                    "token_hash": token_hash(token),
                    "label": "demo",
                    "created_at": BASE_TIME,
                    "created_by": None,
                    "revoked_at": None,
                    "last_used_at": None,
                }
            )
    for start in range(0, len(device_rows), BATCH):
        await connection.execute(insert(table_of(DeviceToken)), device_rows[start : start + BATCH])
    lap("areas_people")
    history = (
        await History.begin(session, store, scale_name, plan, users, SCALES[scale_name].households, now)
        if store
        else None
    )
    total = 0
    for batch in household_rows(scale_name, plan):
        await _bulk(session, Household, batch)
        total += len(batch)
        if history is not None:
            await history.add(batch)
    await changes.set_at_least(session, total)
    if connection.dialect.name == "postgresql":
        # Statistics for what was just bulk-loaded: without them PostgreSQL guesses two areas under a path and
        # plans a million index probes where a hash join takes a second (a province tally went 12.9 s → ~1 s).
        for table in ("areas", "teams", "users", "device_tokens", "households", *HISTORY_TABLES):
            await session.execute(text(f"ANALYZE {table}"))
    lap("households")
    if history is not None:
        history_counts = await history.finish()
        lap("history")
    result.counts = {
        "areas": len(plan.areas),
        "communes": len(plan.communes),
        "villages": len(plan.villages),
        "teams": len(plan.teams),
        "users": len(users),
        "device_tokens": len(device_rows),
        "households": total,
        **(history_counts if history is not None else {}),
    }
    result.counts["activities"] = await seed_activities(session, scale_name, plan, users)
    result.credentials = {
        "admin": {"username": "admin", "password": password},
        "supervisors": [
            {"username": u["username"], "password": password, "area_code": codes[u["area_id"]]}
            for u in users
            if u["role"] == "supervisor"
        ],
        "members": [
            {
                "username": u["username"],
                "password": password,
                "token": tokens.get(u["id"]),
                "role": u["role"],
                "team_id": u["team_id"],
                "area_code": codes[u["area_id"]],
            }
            for u in users
            if u["role"] in ("member", "leader")
        ],
    }
    result.seconds["total"] = round(time.perf_counter() - started, 3)
    return result


async def seed_with_history(session: AsyncSession, settings: Settings, scale_name: str) -> SeedResult:
    """`seed` with the configured object store, for the commands (`demo-seed`, `serve --demo`)."""
    from service.app import build_store

    store = build_store(settings)
    try:
        await store.ensure_ready()
        return await seed(session, scale_name, store)
    finally:
        await store.aclose()
