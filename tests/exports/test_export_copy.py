"""The coverage CSV two ways on PostgreSQL: written by the server (COPY, what the API sends) and by Python's csv
module from the streamed rows (what SQLite gets). Randomized households with hostile text — formula starts,
quotes, commas, line breaks, empty strings — must read back the same through a CSV reader."""

from __future__ import annotations

import asyncio
import csv
import dataclasses
import io
import random
import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import func, insert, literal, select, text, update
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession
from sqlmodel import col

from service.areas.models import Area
from service.assessments.models import Assessment
from service.db.engine import utcnow
from service.exports import formats, households
from service.exports.rows import copy_csv
from service.people.models import User
from service.tallies.form_info import FormInfo, resolve_form
from service.visits.models import Visit
from tests.support.world import World, add_area, add_household
from tests.visits.conftest import form  # noqa: F401
from tests.visits.support import answers

HOSTILE = [
    '=HYPERLINK("http://evil.example","x")',
    "+84 912 345 678",
    "-1",
    "@SUM(A1)",
    "\tthụt lề",
    "\rđầu dòng",
    "hai\ndòng",
    "ba\r\ndòng",
    'nói "chào"',
    "Số 5, ngõ 3",
    "",
    " ",
    "'",
    "\\.",
    "\\",
    "Nguyễn Thị Ánh Tuyết",
    "Hộ ông Đặng Văn Lâm (đã chuyển)",
]
LAT_LON = [None, 21.0, -0.0, 19.8075, 105.776, 20.123456789012, 1e-05, 8.5]


def _text(rng: random.Random, limit: int = 50) -> str | None:
    if rng.random() < 0.15:
        return None
    return "".join(rng.choice(HOSTILE) for _ in range(rng.randint(1, 2)))[:limit]


async def _populate(db: AsyncSession, world: World, form_ref: tuple[str, str], rng: random.Random) -> Area:
    province = await add_area(db, "99", _text(rng) or "Tỉnh", "province", None)
    communes = [await add_area(db, f"99-{c}", _text(rng) or "Xã", "commune", province) for c in "AB"]
    villages = [
        await add_area(db, f"99-{c.code[-1]}-{n}", _text(rng) or "Thôn", "village", c) for c in communes for n in (1, 2)
    ]
    await db.execute(update(Area).where(col(Area.id) == villages[-1].id).values(closed_at=utcnow()))
    members = [world["member_a1"], world["leader_a1"], world["member_b1"]]
    for member in members:  # the visitor's name is a text cell too
        await db.execute(update(User).where(col(User.id) == member.user.id).values(full_name=_text(rng) or "Tên"))
    now = utcnow()
    versions = [form_ref[1], "0"]  # "0": an older version that asked only some indicators
    for n in range(240):
        village = villages[n % len(villages)]
        household = await add_household(
            db,
            village,
            head_name=_text(rng),
            commit=False,
            official_code=_text(rng),
            address=_text(rng),
            lat=rng.choice(LAT_LON),
            lon=rng.choice(LAT_LON),
            elderly_only=rng.random() < 0.3,
            temporary_resident=rng.random() < 0.2,
            status="merged" if rng.random() < 0.05 else "active",
        )
        if rng.random() < 0.35:
            continue  # never visited
        member = rng.choice(members)
        assessed_at = datetime(2026, 11, 1, 16, 30, tzinfo=UTC) + timedelta(minutes=rng.randrange(0, 20_000))
        visit_id = uuid.uuid4()
        await db.execute(
            insert(Visit).values(
                id=visit_id,
                form_id=form_ref[0],
                form_version=form_ref[1],
                household_id=household.id,
                submitted_by=member.user.id,
                team_id=member.user.team_id,
                area_id=village.id,
                area_path=village.path,
                finished_at=assessed_at,
                received_at=assessed_at,
                is_mock=False,
                answers=answers(),
                payload_hash=uuid.uuid4().hex * 2,
                status="complete",
                review_status="pending",
            )
        )
        await db.execute(
            insert(Assessment).values(
                household_id=household.id,
                form_id=form_ref[0],
                form_version=rng.choice(versions),
                visit_id=visit_id,
                level=rng.choice([None, 0, 1, 2, 3, 9]),
                indicators={},
                indicator_bits=rng.getrandbits(12),
                assessed_at=assessed_at,
                assessed_by=member.user.id,
                review_status=rng.choice(["pending", "approved", "has_issues", "odd"]),
                area_id=village.id,
                elderly_only=False,
                temporary_resident=False,
                updated_at=now,
            )
        )
    await db.commit()
    return province


def _read(data: bytes) -> list[list[Any]]:
    assert data.startswith(formats.BOM.encode())
    assert data.count(b"\n") == data.count(b"\r\n"), "every line ends CRLF, and no cell holds a line break"
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"), newline="")))
    lat = len(rows[0]) + households.LAT_COLUMN
    # A number is the same number however it is spelt (PostgreSQL writes 21, Python 21.0).
    return [rows[0]] + [
        [float(cell) if index in (lat, lat + 1) and cell else cell for index, cell in enumerate(row)]
        for row in rows[1:]
    ]


async def _both(engine: AsyncEngine, db: AsyncSession, root: Area, info: FormInfo, visited: str) -> tuple[bytes, bytes]:
    found = await households.lookups(await db.connection(), root.path)
    await db.commit()
    rows = households.household_rows(engine, root.path, info, visited, found)
    python = b"".join(
        [c async for c in formats.csv_bytes(households.titles(info), rows, households.TEXT_COLUMNS, one_line=True)]
    )
    server = b"".join([c async for c in households.copy_household_csv(engine, root.path, info, visited)])
    return python, server


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
@pytest.mark.parametrize("seed", range(4))
async def test_server_written_csv_reads_back_as_the_python_one(
    db: AsyncSession, world: World, form: tuple[str, str], seed: int
) -> None:
    rng = random.Random(seed)
    province = await _populate(db, world, form, rng)
    info = await resolve_form(db, form[0])
    assert info is not None
    names = info.names_by_version[form[1]]
    info = dataclasses.replace(info, names_by_version={**info.names_by_version, "0": rng.sample(names, 4)})
    engine = db.bind
    assert isinstance(engine, AsyncEngine)
    commune = await db.get(Area, province.id + 1)
    assert commune is not None
    for root, visited in [(province, "all"), (province, "yes"), (province, "no"), (commune, "all")]:
        python, server = await _both(engine, db, root, info, visited)
        python_rows, server_rows = _read(python), _read(server)
        assert len(server_rows) > 1
        for line, (ours, theirs) in enumerate(zip(python_rows, server_rows, strict=True)):
            assert ours == theirs, f"{root.code} visited={visited} line {line}"
    # Some rows of each kind were compared: formula cells made inert, a version that did not ask an indicator.
    text = server.decode("utf-8-sig")
    assert "'=HYPERLINK" in text and "'+84" in text and ",Có," in text


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_client_that_hangs_up_stops_the_copy_and_leaves_the_pool_usable(db: AsyncSession) -> None:
    engine = db.bind
    assert isinstance(engine, AsyncEngine)
    marker = f"copy-{uuid.uuid4().hex}"  # finds this COPY among the server's queries
    endless = select(func.generate_series(1, 50_000_000).label("n"), literal(marker).label("marker"))
    body = copy_csv(engine, endless, chunk_bytes=1 << 16)
    first = [await anext(body), await anext(body)]
    assert first[0].startswith(b"1," + marker.encode()) and len(first[1]) >= 1 << 16
    await body.aclose()  # the client hung up after two chunks of fifty million rows
    running = text("SELECT count(*) FROM pg_stat_activity WHERE query LIKE '%COPY%' AND query LIKE :marker")
    deadline = asyncio.get_running_loop().time() + 10
    while (await db.execute(running, {"marker": f"%{marker}%"})).scalar_one():
        await db.commit()
        assert asyncio.get_running_loop().time() < deadline, "the COPY went on after the client left"
        await asyncio.sleep(0.05)
    # The export's connection went back to the pool in a state the next export can use.
    again = b"".join([c async for c in copy_csv(engine, select(func.generate_series(1, 3).label("n")))])
    assert again == b"1\n2\n3\n"
