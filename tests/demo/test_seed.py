"""Demo data: deterministic, realistic enough to click through, and safe to start twice."""

from __future__ import annotations

import json
import math

import pytest
from sqlalchemy import func, select

from service.areas.models import Area
from service.auth.models import DeviceToken
from service.cli.demo import prepare_demo
from service.demo.seed import SCALES, household_rows, plan_areas, plan_people, seed
from service.errors import DomainError
from service.households.models import Household
from service.people.models import Team, User


def test_the_same_scale_always_gives_the_same_world():
    first, second = plan_areas("district"), plan_areas("district")
    assert first.areas == second.areas
    assert plan_people("district", first) == plan_people("district", second)
    assert next(household_rows("district", first)) == next(household_rows("district", second))
    # Thọ Xuân's scale (FIELD.md), with real commune names of Thanh Hóa.
    assert (len(first.communes), len(first.villages)) == (30, 274)
    assert sum(1 for u in plan_people("district", first) if u["role"] in ("member", "leader")) == 1267
    assert all(c["name"].startswith("Xã ") for c in first.communes)


def test_households_are_near_their_village():
    plan = plan_areas("small")
    villages = {v["id"]: v for v in plan.villages}
    rows = [row for batch in household_rows("small", plan) for row in batch]
    assert len(rows) == SCALES["small"].households
    for row in rows:
        village = villages[row["area_id"]]
        d_lat = (row["lat"] - village["lat"]) * 111_320
        d_lon = (row["lon"] - village["lon"]) * 111_320 * math.cos(math.radians(village["lat"]))
        assert math.hypot(d_lat, d_lon) < 3_000


async def test_small_seed_fills_an_empty_database_and_its_credentials_work(client, db):
    result = await seed(db, "small")
    await db.commit()
    counts = {
        model.__tablename__: (await db.execute(select(func.count()).select_from(model))).scalar_one()
        for model in (Area, Team, User, Household, DeviceToken)
    }
    await db.commit()  # end the read: SQLite lets one transaction at a time hold the database
    assert counts == {"areas": 10, "teams": 6, "users": 29, "households": 600, "device_tokens": 24}
    creds = result.credentials
    assert set(creds) == {"admin", "supervisors", "members"}
    assert len(creds["supervisors"]) == 4 and len(creds["members"]) == 24
    assert set(creds["members"][0]) == {"username", "password", "token", "role", "team_id", "area_code"}

    login = await client.post("/api/v1/auth/login", json=creds["admin"])
    assert login.status_code == 200
    phone = next(m for m in creds["members"] if m["token"] and m["role"] == "member")
    headers = {"Authorization": f"Bearer {phone['token']}"}
    expected = (
        await db.execute(
            select(func.count())
            .select_from(Household)
            .join(Area, Area.id == Household.area_id)
            .where(Area.code == phone["area_code"])
        )
    ).scalar_one()
    await db.commit()
    synced = (await client.get("/api/v1/households", params={"limit": 1000}, headers=headers)).json()
    assert 60 <= len(synced["items"]) == expected <= 140
    assert {h["area_code"] for h in synced["items"]} == {phone["area_code"]}
    # New changes continue above the seeded sequence.
    created = await client.post(
        "/api/v1/households",
        headers=headers,
        json={"id": "0b5a7c1e-0000-4000-8000-000000000001", "head_name": "Hộ mới"},
    )
    assert created.json()["seq"] == 601

    with pytest.raises(DomainError) as refused:
        await seed(db, "small")
    assert refused.value.kind.code == "demo.database_not_empty"


def test_serve_demo_seeds_once_and_restarts_cleanly(settings, capsys):
    prepare_demo(settings)
    path = settings.data_dir / "demo-credentials.json"
    first = json.loads(path.read_text(encoding="utf-8"))
    prepare_demo(settings)  # a restart: nothing new, the same credentials
    assert json.loads(path.read_text(encoding="utf-8")) == first
    assert "already present" in capsys.readouterr().out
