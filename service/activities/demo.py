"""Demo activities for the seeded province, so the first report a newcomer opens has every section filled: a Zalo
group per team, training classes with the district's partners, a conference, guidance sessions, loudspeaker
broadcasts and posts, public wifi points, households and cooperatives put on e-commerce platforms, and help at
the communes' one-stop offices. Deterministic per scale (seeded RNG), like the rest of the demo."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections import defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import insert
from sqlalchemy.ext.asyncio import AsyncSession

from service.activities.services import ACTIVITIES

PARTNERS = (
    "VNPT Thọ Xuân - Thường Xuân",
    "Viettel Thọ Xuân",
    "Ngân hàng Nông nghiệp và PTNT Thọ Xuân",
    "Ngân hàng Nông nghiệp và PTNT Lam Sơn",
    "Bưu điện huyện Thọ Xuân",
)
TOPICS = (
    "Dịch vụ công trực tuyến trên Cổng dịch vụ công",
    "Kích hoạt tài khoản định danh điện tử VNeID mức 2",
    "Thanh toán không dùng tiền mặt, mô hình 3 Không",
    "Cài đặt và sử dụng sổ sức khỏe điện tử",
    "Đưa sản phẩm lên sàn thương mại điện tử",
)
PRODUCTS = ("Gạo thơm Thọ Xuân", "Mật ong rừng", "Chè xanh", "Bánh gai Tứ Trụ", "Nem chua", "Mía tím")
BUSINESSES = ("HTX Nông nghiệp", "HTX Dịch vụ", "Công ty TNHH Nông sản")
WIFI_PLACES = ("Nhà văn hóa thôn", "Trạm y tế xã", "Chợ", "Trường tiểu học", "Sân vận động")
SERVICES = ("public_services", "vneid", "cashless", "health_book", "school_apps", "email")
FIRST_DAY = date(2026, 1, 12)
DAYS = 320


def _row(rng: random.Random, area: dict[str, Any], user_id: int, team_id: int | None, **fields: Any) -> dict[str, Any]:
    activity_id = uuid.UUID(int=rng.getrandbits(128), version=4)
    held_on = FIRST_DAY + timedelta(days=rng.randrange(DAYS))
    row = dict.fromkeys(ACTIVITIES.c.keys())
    row.update(
        id=activity_id,
        held_on=held_on,
        area_id=area["id"],
        area_path=area["path"],
        team_id=team_id,
        # Demo rows were never sent by a phone: the hash only has to be a hash.
        payload_hash=hashlib.sha256(activity_id.bytes).hexdigest(),
        recorded_by=user_id,
        recorded_at=datetime.combine(held_on, time(3), tzinfo=UTC),
        **fields,
    )
    return row


def plan_activities(scale_name: str, plan: Any, users: list[dict[str, Any]]) -> list[dict[str, Any]]:
    rng = random.Random(f"gocua-demo:{scale_name}:activities")
    leader_of = {u["area_id"]: u["id"] for u in users if u["role"] == "leader"}
    supervisor_of = {u["area_id"]: u["id"] for u in users if u["role"] == "supervisor"}
    team_of = {t["area_id"]: t["id"] for t in plan.teams}
    villages_of: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for village in plan.villages:
        villages_of[village["parent_id"]].append(village)
    root = next(a for a in plan.areas if a["depth"] == 0)
    rows = [
        _row(rng, root, supervisor_of[root["id"]], None, kind="conference", topic="Hội nghị triển khai chuyển đổi số",
             place="Hội trường UBND", attendees=180),
    ]  # fmt: skip
    for commune in plan.communes:
        officer = supervisor_of[commune["id"]]
        if rng.random() < 0.7 or commune is plan.communes[0]:  # Thọ Xuân: 21 classes in 30 communes
            attendees = rng.randrange(20, 46)
            rows.append(_row(rng, commune, officer, None, kind="training", partner=rng.choice(PARTNERS),
                             topic=rng.choice(TOPICS), place="Hội trường UBND xã", attendees=attendees))  # fmt: skip
        rows.append(_row(rng, commune, officer, None, kind="guidance", topic=rng.choice(TOPICS), attendees=40))
        rows.append(
            _row(rng, commune, officer, None, kind="communication", channel="post", quantity=rng.randrange(2, 7))
        )
        for _ in range(2):
            counts = {code: rng.randrange(0, 15) for code in rng.sample(SERVICES, 3)}
            counts[SERVICES[0]] = counts.get(SERVICES[0], 0) + 1
            rows.append(_row(rng, commune, officer, None, kind="one_stop_help", services=counts,
                             people_helped=sum(counts.values())))  # fmt: skip
        if rng.random() < 0.5 or commune is plan.communes[0]:
            rows.append(_row(rng, commune, officer, None, kind="ecommerce", beneficiary_kind="business",
                             beneficiary=f"{rng.choice(BUSINESSES)} {commune['name']}", platform="postmart",
                             product=rng.choice(PRODUCTS), partner=PARTNERS[0]))  # fmt: skip
        for village in villages_of[commune["id"]]:
            leader, team = leader_of.get(village["id"], officer), team_of.get(village["id"])
            rows.append(_row(rng, village, leader, team, kind="communication", channel="zalo_group", quantity=1))
            if rng.random() < 0.5:
                rows.append(_row(rng, village, leader, team, kind="communication", channel="loudspeaker",
                                 quantity=rng.randrange(1, 5)))  # fmt: skip
            points = 1 + (rng.random() < 0.4)  # Thọ Xuân: 377 free wifi points for 274 villages
            rows.extend(
                _row(
                    rng, village, leader, team, kind="wifi_point", place=f"{rng.choice(WIFI_PLACES)} {village['name']}"
                )
                for _ in range(points)
            )
            if rng.random() < 0.15:
                rows.append(_row(rng, village, leader, team, kind="ecommerce", beneficiary_kind="household",
                                 beneficiary=f"Hộ {village['name']}", platform=rng.choice(("voso", "postmart")),
                                 product=rng.choice(PRODUCTS)))  # fmt: skip
    return rows


async def seed_activities(session: AsyncSession, scale_name: str, plan: Any, users: list[dict[str, Any]]) -> int:
    """Insert the demo activities (a district: ~1,000 rows); returns how many."""
    rows = plan_activities(scale_name, plan, users)
    connection = await session.connection()
    for start in range(0, len(rows), 1000):
        await connection.execute(insert(ACTIVITIES), rows[start : start + 1000])
    return len(rows)
