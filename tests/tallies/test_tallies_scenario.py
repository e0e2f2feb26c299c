"""Tallies against hand-counted expectations (tests/support/scenario.py), at every level of the tree."""

from __future__ import annotations

from typing import Any

from litestar.testing import AsyncTestClient
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.assessments.cli import rescore
from service.assessments.models import Assessment
from service.settings import Settings
from tests.support.scenario import Scenario


async def tally(client: AsyncTestClient, who: Any, area: str, **params: str) -> dict[str, Any]:
    response = await client.get("/api/v1/tallies", params={"area": area, **params}, headers=who.headers)
    assert response.status_code == 200, response.text
    return response.json()


def levels(entry: dict[str, Any]) -> dict[int | None, int]:
    return {item["value"]: item["households"] for item in entry["levels"]}


def indicator(entry: dict[str, Any], name: str) -> tuple[int, int]:
    found = next(item for item in entry["indicators"] if item["name"] == name)
    if found["denominator"]:
        assert found["rate"] == found["numerator"] / found["denominator"]
    return found["numerator"], found["denominator"]


def summary(entry: dict[str, Any]) -> dict[str, Any]:
    """The hand-countable figures of one area."""
    hard = entry["hard_to_reach"]
    return {
        "households": (entry["households"]["total"], entry["households"]["visited"]),
        "levels": levels(entry),
        "smartphone": indicator(entry, "has_smartphone"),
        "email": indicator(entry, "email"),
        "visits": {k: entry["visits"][k] for k in ("total", "approved", "rejected", "unreviewed")},
        "people": (entry["teams"], entry["members"], entry["active_members"]),
        "flags": entry["open_flags"],
        "elderly": (hard["elderly_only"]["total"], hard["elderly_only"]["visited"]),
        "temporary": (hard["temporary_resident"]["total"], hard["temporary_resident"]["visited"]),
        "no_smartphone": hard["no_smartphone_households"],
    }


EXPECTED = {
    "38-A-1": {
        "households": (3, 2),
        "levels": {0: 0, 1: 1, 2: 1, 3: 0},
        "smartphone": (2, 2),
        "email": (0, 2),
        "visits": {"total": 5, "approved": 1, "rejected": 1, "unreviewed": 3},
        "people": (1, 2, 1),
        "flags": {},
        "elderly": (1, 1),
        "temporary": (1, 0),
        "no_smartphone": 0,
    },
    "38-A-2": {
        "households": (2, 1),
        "levels": {0: 1, 1: 0, 2: 0, 3: 0},
        "smartphone": (0, 1),
        "email": (0, 1),
        "visits": {"total": 1, "approved": 1, "rejected": 0, "unreviewed": 0},
        "people": (1, 1, 1),
        "flags": {},
        "elderly": (0, 0),
        "temporary": (0, 0),
        "no_smartphone": 1,
    },
    "38-B-1": {
        "households": (2, 1),
        "levels": {0: 0, 1: 0, 2: 1, 3: 0},
        "smartphone": (1, 1),
        "email": (0, 1),
        "visits": {"total": 2, "approved": 0, "rejected": 1, "unreviewed": 1},
        "people": (1, 1, 1),
        "flags": {"gps.mock": 1},
        "elderly": (1, 0),
        "temporary": (0, 0),
        "no_smartphone": 0,
    },
}
EXPECTED["38-A"] = {
    "households": (5, 3),
    "levels": {0: 1, 1: 1, 2: 1, 3: 0},
    "smartphone": (2, 3),
    "email": (0, 3),
    "visits": {"total": 6, "approved": 2, "rejected": 1, "unreviewed": 3},
    "people": (2, 3, 2),
    "flags": {},
    "elderly": (1, 1),
    "temporary": (1, 0),
    "no_smartphone": 1,
}
EXPECTED["38-B"] = EXPECTED["38-B-1"]  # its other village, B-9, is closed
EXPECTED["38"] = {
    "households": (7, 4),
    "levels": {0: 1, 1: 1, 2: 2, 3: 0},
    "smartphone": (3, 4),
    "email": (0, 4),
    "visits": {"total": 8, "approved": 2, "rejected": 2, "unreviewed": 4},
    "people": (3, 4, 3),
    "flags": {"gps.mock": 1},
    "elderly": (2, 1),
    "temporary": (1, 0),
    "no_smartphone": 1,
}
CHILDREN = {
    "38": ["38-A", "38-B"],
    "38-A": ["38-A-1", "38-A-2"],
    "38-B": ["38-B-1"],
    "38-A-1": [],
    "38-A-2": [],
    "38-B-1": [],
}


async def test_every_level_matches_the_hand_count(client: AsyncTestClient, scenario: Scenario) -> None:
    admin = scenario.world["admin"]
    for code, expected in EXPECTED.items():
        body = await tally(client, admin, code)
        assert body["area"]["code"] == code
        assert summary(body["area"]) == expected, code
        assert [child["code"] for child in body["children"]] == CHILDREN[code]
        for child in body["children"]:  # a child's row in its parent's tally is that child's own tally
            assert summary(child) == EXPECTED[child["code"]], child["code"]
    province = await tally(client, admin, "38")
    assert province["area"]["households"]["coverage"] == 4 / 7
    assert province["form"]["id"] == "household-digital-skills"


async def test_a_period_counts_only_its_visits(client: AsyncTestClient, scenario: Scenario) -> None:
    body = await tally(client, scenario.world["admin"], "38-A", **{"from": "2026-11-12", "to": "2026-11-14"})
    entry = body["area"]
    assert (entry["households"]["total"], entry["households"]["visited"]) == (5, 1)  # H2 only (v3, v5)
    assert levels(entry) == {0: 0, 1: 1, 2: 0, 3: 0}
    assert {k: entry["visits"][k] for k in ("total", "rejected", "unreviewed")} == {
        "total": 3,
        "rejected": 1,
        "unreviewed": 2,
    }
    assert body["period"] == {"from": "2026-11-12", "to": "2026-11-14"}


async def test_tallies_are_scoped_and_checked(client: AsyncTestClient, scenario: Scenario) -> None:
    world = scenario.world
    supervisor = world["supervisor_a"]
    response = await client.get("/api/v1/tallies", params={"area": "38"}, headers=supervisor.headers)
    assert response.status_code == 404
    assert response.headers["content-type"].startswith("application/problem+json")
    own = await tally(client, supervisor, "38-A")
    assert [child["code"] for child in own["children"]] == ["38-A-1", "38-A-2"]
    for area in ("38-B", "nowhere"):
        assert (
            await client.get("/api/v1/tallies", params={"area": area}, headers=supervisor.headers)
        ).status_code == 404
    member = await client.get("/api/v1/tallies", params={"area": "38-A"}, headers=world["member_a1"].headers)
    assert member.status_code == 404
    backwards = await client.get(
        "/api/v1/tallies",
        params={"area": "38", "from": "2026-11-14", "to": "2026-11-12"},
        headers=world["admin"].headers,
    )
    assert backwards.status_code == 400
    unknown_form = await client.get(
        "/api/v1/tallies", params={"area": "38", "form": "no_such_form"}, headers=world["admin"].headers
    )
    assert unknown_form.status_code == 404


async def _assessments(db: AsyncSession) -> dict[Any, tuple[Any, ...]]:
    rows = (await db.execute(select(Assessment))).scalars().all()
    await db.commit()
    return {
        (r.household_id, r.form_id): (
            str(r.visit_id),
            r.level,
            r.indicators,
            r.indicator_bits,
            r.review_status,
            r.assessed_by,
        )
        for r in rows
    }


async def test_assessments_hold_the_latest_counting_visit_and_a_rescore_agrees(
    db: AsyncSession,
    settings: Settings,
    scenario: Scenario,
) -> None:
    kept = await _assessments(db)
    h, v = scenario.households, scenario.visits
    form_id = "household-digital-skills"
    by_household = {key[0]: value for key, value in kept.items() if key[1] == form_id}
    assert by_household[h["H2"]][0] == v["v5"]  # the merged duplicate's later visit moved with it
    assert by_household[h["H2"]][1] == 1
    assert by_household[h["H1"]][4] == "approved"
    assert by_household[h["H1"]][2]["has_smartphone"] is True
    assert h["H3"] not in by_household and h["H8"] not in by_household  # rejected only
    assert h["H4"] not in by_household  # merged away
    assert await rescore(settings.resolved_database_url, None, batch=3, show_progress=False) == len(kept)
    assert await _assessments(db) == kept


async def test_a_household_edit_reaches_the_tally(client: AsyncTestClient, scenario: Scenario) -> None:
    """Tallies read the assessments' copies of a household's flags: editing the household updates them."""
    supervisor = scenario.world["supervisor_b"]
    before = await tally(client, supervisor, "38-B-1")
    assert summary(before["area"])["elderly"] == (1, 0)
    response = await client.patch(
        f"/api/v1/households/{scenario.households['H7']}", json={"elderly_only": True}, headers=supervisor.headers
    )
    assert response.status_code == 200, response.text
    after = await tally(client, supervisor, "38-B-1")
    assert summary(after["area"])["elderly"] == (2, 1)  # H7 is visited
    period = await tally(client, supervisor, "38-B-1", **{"from": "2026-11-01", "to": "2026-11-30"})
    assert summary(period["area"])["elderly"] == (2, 1)  # the period's join agrees
