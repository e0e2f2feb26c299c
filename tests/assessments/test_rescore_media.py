"""`gocua assessments rescore` scores a form version whose calculations read its CSV media (pulldata()) with those
files, as visit intake does: a rescore in a fresh process gives the level and indicators the visit got."""

from __future__ import annotations

import os
import sys
import uuid
from pathlib import Path
from typing import Any

import anyio
import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.assessments.models import Assessment
from service.households.models import Household
from service.settings import Settings
from service.visits.models import Visit
from tests.support.forms_data import label
from tests.support.world import World, add_household
from tests.visits.support import HOME, visit

ROOT = Path(__file__).resolve().parents[2]
FORM: dict[str, Any] = {
    "id": "market",
    "version": "1",
    "title": label("Chợ", "Market"),
    "questions": [
        {"type": "select_one", "name": "item", "label": label("Hàng"), "required": True,
         "choices": [{"value": "rice", "label": label("Gạo")}, {"value": "salt", "label": label("Muối")}]},
        {"type": "calculate", "name": "price", "calculation": "pulldata('prices', 'price', 'item', ${item})"},
    ],
    "rubric": {
        "indicators": [
            {"name": "priced", "label": label("Có giá"), "condition": "${price} != ''"},
            {"name": "dear", "label": label("Đắt"), "condition": "${price} > 5"},
        ],
        "levels": [
            {"value": 0, "name": label("Không"), "condition": "true"},
            {"value": 1, "name": label("Có giá"), "condition": "priced"},
            {"value": 2, "name": label("Đắt"), "condition": "priced and dear"},
        ],
    },
}  # fmt: skip
PRICES = b"item,price\nrice,10\nsalt,3\n"


@pytest.fixture
async def home(db: AsyncSession, world: World) -> Household:
    return await add_household(db, world.areas["village_a1"], head_name="Phạm Văn Ba", lat=HOME[0], lon=HOME[1])


async def held(db: AsyncSession, household_id: uuid.UUID) -> tuple[int | None, dict[str, Any]]:
    statement = select(Assessment.level, Assessment.indicators).where(Assessment.household_id == household_id)
    row = (await db.execute(statement.execution_options(populate_existing=True))).one()
    return row.level, row.indicators


async def test_a_rescore_reads_the_versions_csv_media_as_intake_does(
    client, world, db: AsyncSession, settings: Settings, home: Household
) -> None:
    admin, home_id = world["admin"].headers, home.id
    assert (await client.post("/api/v1/forms", json=FORM, headers=admin)).status_code == 201
    uploaded = await client.post(
        "/api/v1/forms/market/versions/1/media", files={"f": ("prices.csv", PRICES)}, headers=admin
    )
    assert uploaded.status_code == 201, uploaded.text
    body = visit(("market", "1"), home_id)
    body["answers"] = {"item": "rice"}
    sent = await client.post("/api/v1/visits", json=body, headers=world["member_a1"].headers)
    assert sent.status_code == 201, sent.text
    stored = (await db.execute(select(Visit.skill_level, Visit.answers).where(Visit.id == uuid.UUID(body["id"])))).one()
    assert stored.skill_level == 2 and str(stored.answers["price"]) == "10"  # pulldata read prices.csv
    at_intake = await held(db, home_id)
    assert at_intake == (2, {"priced": True, "dear": True})

    # A fresh process, as an operator runs it: nothing of the form version is cached there.
    await db.rollback()  # SQLite: this session's read must not hold the database while the command writes
    env = {**os.environ, "GOCUA_DATABASE_URL": settings.resolved_database_url, "PYTHONPATH": str(ROOT)}
    with anyio.fail_after(120):
        done = await anyio.run_process(
            [sys.executable, "-m", "service.cli.main", "assessments", "rescore", "--form", "market"],
            env=env,
            cwd=ROOT,
            check=False,
        )
    assert done.returncode == 0, done.stderr.decode()
    assert "1 assessment(s) held" in done.stdout.decode()
    assert await held(db, home_id) == at_intake
