"""The demo seed logs team activities, so the first report a newcomer opens has its I.2 sections filled."""

from __future__ import annotations

from litestar.testing import AsyncTestClient
from sqlalchemy.ext.asyncio import AsyncSession

from service.demo.seed import seed


async def test_the_seeded_report_has_every_activity_section_filled(client: AsyncTestClient, db: AsyncSession) -> None:
    result = await seed(db, "small")
    await db.commit()
    assert result.counts["activities"] > result.counts["teams"]
    login = await client.post("/api/v1/auth/login", json=result.credentials["admin"])
    headers = {"Authorization": f"Bearer {login.json()['token']}"}
    report = (await client.get("/api/v1/reports/summary", params={"area": "38"}, headers=headers)).json()
    acts = report["activities"]["area"]
    assert acts["zalo_groups"] == result.counts["teams"]  # a Zalo group per team
    for figure in ("trainings", "training_attendees", "conferences", "guidance_sessions", "wifi_points"):
        assert acts[figure] > 0, figure
    assert acts["ecommerce_households"] + acts["ecommerce_businesses"] > 0 and acts["people_helped"] > 0
    assert report["activities"]["by_partner"] and report["activities"]["by_service"]
    drafted = {s["key"]: s["text"] for s in report["sections"]}
    assert all(drafted[key] for key in ("I.1", "I.2.a", "I.2.b", "I.2.c", "II.1", "II.2"))
