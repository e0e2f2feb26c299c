"""A small, hand-counted scenario built through the API, for tallies, exports and the report.

Province 38 → commune A (villages A-1, A-2), commune B (village B-1, and B-9 which gets closed).

    A-1  H1 elderly-only   v1 level 2, approved
         H2                v2 level 2 (Nov 10), then v3 level 3 (Nov 12): unreviewed
         H3 temporary      v4 rejected: not visited
         H4 duplicate      v5 level 1 (Nov 14), then merged into H2: H2 ends at level 1
    A-2  H5                v6 level 0 (no smartphone), unreviewed, later approved
         H6                never visited
    B-1  H7                v7 level 2, mock GPS (an open flag)
         H8 elderly-only   v8 level 2, mock GPS, rejected (its flag is closed)
    B-9  H9                v9 level 3, then the village is closed: left out everywhere
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from service.db.engine import utcnow
from service.people.models import Team
from tests.support.world import Person, World, add_area, add_household, add_person
from tests.visits.conftest import form  # noqa: F401  (the bundled form, published)
from tests.visits.support import FINISHED, answers, visit

LEVEL_0 = {"has_smartphone": False, "has_mobile_data": None}
LEVEL_1 = {"vneid_level": "level1"}
LEVEL_3 = {"has_email": True, "public_services": "self", "health_book": True}


@dataclass
class Scenario:
    world: World
    households: dict[str, uuid.UUID] = field(default_factory=dict)
    visits: dict[str, str] = field(default_factory=dict)
    member_b9: Person | None = None


async def _submit(
    client: AsyncTestClient,
    person: Person,
    form: tuple[str, str],
    household: uuid.UUID,
    day: int,
    overrides: dict[str, Any],
    **fields: Any,
) -> str:
    finished = FINISHED.replace(day=day)
    body = visit(form, household, finished_at=finished, **fields)
    body["answers"] = answers(**overrides, location=body["answers"]["location"])
    response = await client.post("/api/v1/visits/", json=body, headers=person.headers)
    assert response.status_code == 201, response.text
    return body["id"]


async def _review(client: AsyncTestClient, person: Person, visit_id: str, decision: str) -> None:
    body = {"decision": decision, "note": "Ảnh không rõ" if decision == "reject" else None}
    response = await client.post(f"/api/v1/visits/{visit_id}/review", json=body, headers=person.headers)
    assert response.status_code == 200, response.text


@pytest.fixture
async def scenario(client: AsyncTestClient, db: AsyncSession, world: World, form: tuple[str, str]) -> Scenario:
    areas = world.areas
    village_b9 = await add_area(db, "38-B-9", "Thôn Chín", "village", areas["commune_b"])
    team_b9 = Team(area_id=village_b9.id, name="Tổ CNSCĐ Thôn Chín", created_at=utcnow())
    db.add(team_b9)
    await db.flush()
    member_b9 = await add_person(db, "thanh_vien_b9", "member", village_b9, team_b9)
    await db.commit()
    s = Scenario(world=world, member_b9=member_b9)
    h = s.households
    a1, a2, b1 = areas["village_a1"], areas["village_a2"], areas["village_b1"]
    h["H1"] = (await add_household(db, a1, head_name="Lê Thị Một", elderly_only=True, official_code="A1-001")).id
    h["H2"] = (await add_household(db, a1, head_name="Trần Văn Hai", official_code="A1-002")).id
    h["H3"] = (await add_household(db, a1, head_name="Phạm Ba", temporary_resident=True)).id
    h["H4"] = (await add_household(db, a1, head_name="Trần Văn Hai (trùng)")).id
    h["H5"] = (await add_household(db, a2, head_name="Đỗ Thị Năm")).id
    h["H6"] = (await add_household(db, a2, head_name='=HYPERLINK("http://evil.example","bấm")')).id
    h["H7"] = (await add_household(db, b1, head_name="Vũ Bảy")).id
    h["H8"] = (await add_household(db, b1, head_name="Ngô Tám", elderly_only=True)).id
    h["H9"] = (await add_household(db, village_b9, head_name="Hộ Chín")).id
    await db.commit()
    member_a1, member_a2, member_b1 = world["member_a1"], world["member_a2"], world["member_b1"]
    sup_a, sup_b, admin = world["supervisor_a"], world["supervisor_b"], world["admin"]
    v = s.visits
    v["v1"] = await _submit(client, member_a1, form, h["H1"], 9, {})
    v["v2"] = await _submit(client, member_a1, form, h["H2"], 10, {})
    v["v3"] = await _submit(client, member_a1, form, h["H2"], 12, LEVEL_3)
    v["v4"] = await _submit(client, member_a1, form, h["H3"], 13, {})
    v["v5"] = await _submit(client, member_a1, form, h["H4"], 14, LEVEL_1)
    v["v6"] = await _submit(client, member_a2, form, h["H5"], 11, LEVEL_0)
    v["v7"] = await _submit(client, member_b1, form, h["H7"], 15, {}, is_mock=True)
    v["v8"] = await _submit(client, member_b1, form, h["H8"], 16, {}, is_mock=True)
    v["v9"] = await _submit(client, member_b9, form, h["H9"], 17, LEVEL_3)
    await _review(client, sup_a, v["v1"], "approve")
    await _review(client, sup_a, v["v4"], "reject")
    await _review(client, sup_a, v["v6"], "approve")
    await _review(client, sup_b, v["v8"], "reject")
    merged = await client.post(
        f"/api/v1/households/{h['H4']}/merge", json={"into": str(h["H2"])}, headers=sup_a.headers
    )
    assert merged.status_code == 200, merged.text
    closed = await client.post("/api/v1/areas/38-B-9/close", headers=admin.headers)
    assert closed.status_code == 200, closed.text
    return s
