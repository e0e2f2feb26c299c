"""A seeded district for the filed report: visits (through the API, as phones send them) and a team-activity log
of every kind, in two communes. Import `district` (and `form`) into a test module to use it.

    38-A Xã Xuân Lập   A-1: H1 elderly-only (visited), H2 (visited, has email), H3 temporary (not visited)
                       A-2: H4 (visited, no smartphone)
                       trainings with VNPT Thọ Xuân (24) and Viettel Thọ Xuân (30), a conference, a guidance
                       session, a Zalo group, 3 broadcasts, 5 posts, 2 wifi points, a household on voso, a business
                       on postmart, one-stop help (12 online public services, 5 VNeID)
    38-B Xã Thọ Lập    B-1: H5 (visited with mock GPS: an open flag); a training with Agribank (18), a wifi point
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from litestar.testing import AsyncTestClient
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from service.people.models import User
from tests.support.world import Person, World, add_household
from tests.visits.conftest import form  # noqa: F401  (the bundled form, published)
from tests.visits.support import answers, visit

ACTIVITIES: list[tuple[str, dict[str, Any]]] = [
    ("leader_a1", {"kind": "training", "held_on": "2026-11-03", "place": "Nhà văn hóa thôn Một",
                   "partner": "VNPT Thọ Xuân", "topic": "Cài đặt VNeID mức 2", "attendees": 24}),
    ("supervisor_a", {"kind": "training", "held_on": "2026-11-04", "area": "38-A-2", "partner": "Viettel Thọ Xuân",
                      "topic": "Thanh toán không dùng tiền mặt", "attendees": 30}),
    ("supervisor_a", {"kind": "conference", "held_on": "2026-11-05", "area": "38-A",
                      "topic": "Hội nghị triển khai chuyển đổi số", "attendees": 80}),
    ("supervisor_a", {"kind": "guidance", "held_on": "2026-11-06", "area": "38-A-2", "topic": "Sổ sức khỏe điện tử"}),
    ("leader_a1", {"kind": "communication", "held_on": "2026-11-02", "channel": "zalo_group"}),
    ("leader_a1", {"kind": "communication", "held_on": "2026-11-07", "channel": "loudspeaker", "quantity": 3}),
    ("supervisor_a", {"kind": "communication", "held_on": "2026-11-08", "area": "38-A", "channel": "post",
                      "quantity": 5}),
    ("leader_a1", {"kind": "wifi_point", "held_on": "2026-11-09", "place": "Nhà văn hóa thôn Một"}),
    ("supervisor_a", {"kind": "wifi_point", "held_on": "2026-11-09", "area": "38-A-2", "place": "Chợ Hai"}),
    ("leader_a1", {"kind": "ecommerce", "held_on": "2026-11-10", "beneficiary_kind": "household",
                   "beneficiary": "Hộ bà Lê Thị Một", "platform": "voso", "product": "Mật ong"}),
    ("supervisor_a", {"kind": "ecommerce", "held_on": "2026-11-11", "area": "38-A", "beneficiary_kind": "business",
                      "beneficiary": "HTX Nông nghiệp Xuân Lập", "platform": "postmart", "product": "Gạo OCOP"}),
    ("supervisor_a", {"kind": "one_stop_help", "held_on": "2026-11-12", "area": "38-A",
                      "services": {"public_services": 12, "vneid": 5}}),
    ("supervisor_b", {"kind": "training", "held_on": "2026-11-04", "area": "38-B-1",
                      "partner": "Ngân hàng Nông nghiệp và PTNT Thọ Xuân", "topic": "Ví điện tử", "attendees": 18}),
    ("supervisor_b", {"kind": "wifi_point", "held_on": "2026-11-13", "area": "38-B-1", "place": "Trạm y tế xã"}),
]  # fmt: skip


@dataclass
class District:
    world: World
    activity_ids: dict[str, list[str]]


async def _visit(
    client: AsyncTestClient, person: Person, form: tuple[str, str], household: uuid.UUID, **kw: Any
) -> None:
    overrides = kw.pop("answers", {})
    body = visit(form, household, **kw)
    body["answers"] = answers(**overrides, location=body["answers"]["location"])
    response = await client.post("/api/v1/visits/", json=body, headers=person.headers)
    assert response.status_code == 201, response.text


@pytest.fixture
async def district(client: AsyncTestClient, db: AsyncSession, world: World, form: tuple[str, str]) -> District:
    a1, a2, b1 = world.areas["village_a1"], world.areas["village_a2"], world.areas["village_b1"]
    h1 = await add_household(db, a1, head_name="Lê Thị Một", elderly_only=True)
    h2 = await add_household(db, a1, head_name="Trần Văn Hai")
    await add_household(db, a1, head_name="Phạm Ba", temporary_resident=True)
    h4 = await add_household(db, a2, head_name="Đỗ Thị Bốn")
    h5 = await add_household(db, b1, head_name="Vũ Năm")
    await db.execute(update(User).where(User.id == world["member_a2"].user.id).values(has_smartphone=False))
    await db.commit()
    await _visit(client, world["member_a1"], form, h1.id)
    await _visit(client, world["member_a1"], form, h2.id, answers={"has_email": True})
    await _visit(client, world["member_a2"], form, h4.id, answers={"has_smartphone": False, "has_mobile_data": None})
    await _visit(client, world["member_b1"], form, h5.id, is_mock=True)
    ids: dict[str, list[str]] = {}
    for who, fields in ACTIVITIES:
        body = {"id": str(uuid.uuid4()), **fields}
        response = await client.post("/api/v1/activities", json=body, headers=world[who].headers)
        assert response.status_code == 201, response.text
        ids.setdefault(fields["kind"], []).append(body["id"])
    return District(world=world, activity_ids=ids)
