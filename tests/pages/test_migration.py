"""Migration 0003: decisions made before the history existed become its first entries; it downgrades cleanly."""

from __future__ import annotations

import asyncio
import uuid

from alembic import command
from sqlalchemy import text

from service.db.engine import alembic_config, create_engine, session_factory, utcnow
from tests.support.world import add_household, build_world


async def _old_decision(url: str) -> tuple[uuid.UUID, int]:
    """A world, and a visit rejected under revision 0002 (no history table, no `corrects`)."""
    engine = create_engine(url, pool_size=1)
    try:
        async with session_factory(engine)() as session:
            world = await build_world(session)
            village = world.areas["village_a1"]
            household = await add_household(session, village, head_name="Hộ cũ")
            visit_id, reviewer = uuid.uuid4(), world["supervisor_a"].user.id
            now = utcnow()
            await session.execute(
                text(
                    "INSERT INTO visits (id, form_id, form_version, household_id, submitted_by, area_id, area_path, "
                    "received_at, is_mock, answers, payload_hash, status, review_status, reviewed_by, reviewed_at, "
                    "review_note) VALUES (:id, 'f', '1', :household, :member, :area, :path, :now, false, '{}', :hash, "
                    "'complete', 'rejected', :reviewer, :now, 'Ảnh mờ')"
                ),
                {
                    "id": visit_id if engine.dialect.name == "postgresql" else visit_id.hex,
                    "household": household.id if engine.dialect.name == "postgresql" else household.id.hex,
                    "member": world["member_a1"].user.id,
                    "area": village.id,
                    "path": village.path,
                    "now": now,
                    "hash": "0" * 64,
                    "reviewer": reviewer,
                },
            )
            await session.commit()
        return visit_id, reviewer
    finally:
        await engine.dispose()


async def _history(url: str) -> list[tuple[str, str | None, int]]:
    engine = create_engine(url, pool_size=1)
    try:
        async with engine.connect() as connection:
            rows = await connection.execute(text("SELECT decision, comment, reviewer_id FROM visit_reviews"))
            return [tuple(row) for row in rows.all()]
    finally:
        await engine.dispose()


def test_old_decisions_become_history_and_the_migration_goes_down_and_up(database_url: str) -> None:
    config = alembic_config(database_url)
    command.downgrade(config, "0002")
    _, reviewer = asyncio.run(_old_decision(database_url))
    command.upgrade(config, "head")
    assert asyncio.run(_history(database_url)) == [("rejected", "Ảnh mờ", reviewer)]
    command.downgrade(config, "0002")
    command.upgrade(config, "head")
