"""The demo's eight weeks of history: what a newcomer opens has data of every kind, written as the service's own
write paths would have written it (the same assessments, flags, photo objects and tally cells)."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import openpyxl
from litestar.testing import AsyncTestClient
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from service.app import build_store
from service.assessments.models import Assessment
from service.assessments.services import rebuild
from service.common.clock import as_utc
from service.db.tables import table_of
from service.demo.history import DAYS, own_photo_days
from service.demo.seed import seed, seed_with_history
from service.households.models import Household
from service.reviews.models import VisitReview
from service.settings import Settings
from service.visits.models import FLAGS, PHOTOS, VISITS
from storage import process_photo

NOW = datetime(2026, 12, 5, 4, 0, tzinfo=UTC)  # 11:00 in Vietnam
ASSESSMENTS = table_of(Assessment)
HOUSEHOLDS = table_of(Household)


async def _rows(db: AsyncSession, table: Any) -> list[dict[str, Any]]:
    return [dict(row) for row in (await db.execute(select(table))).mappings()]


async def test_history_has_every_kind_of_data_a_page_shows(db: AsyncSession, settings: Settings) -> None:
    store = build_store(settings)
    await store.ensure_ready()
    result = await seed(db, "small", store, now=NOW)
    await db.commit()
    visits = await _rows(db, VISITS)
    assert result.counts["visits"] == len(visits) > 200

    finished = [as_utc(v["finished_at"]) for v in visits]
    assert min(finished) >= NOW - timedelta(days=DAYS + 1) and max(finished) <= NOW
    assert max(finished) >= NOW - timedelta(days=2), "recent work, for the queue"
    statuses = Counter(v["review_status"] for v in visits)
    assert set(statuses) == {"pending", "approved", "has_issues", "rejected"}
    assert statuses["pending"] >= 20
    corrections = [v for v in visits if v["corrects"] is not None]
    assert corrections, "return visits after a review asked for one"
    by_id = {v["id"]: v for v in visits}
    assert all(by_id[v["corrects"]]["household_id"] == v["household_id"] for v in corrections)
    assert all(by_id[v["corrects"]]["review_status"] in ("has_issues", "rejected") for v in corrections)

    reviews = await _rows(db, table_of(VisitReview))
    assert {r["decision"] for r in reviews} == {"approved", "has_issues", "rejected"}
    assert all(r["comment"] for r in reviews if r["decision"] != "approved"), "a comment wherever one is required"
    latest: dict[Any, dict[str, Any]] = {}
    for review in sorted(reviews, key=lambda r: r["at"]):
        latest[review["visit_id"]] = review
    for visit_id, review in latest.items():  # a visit's status is its latest decision
        assert by_id[visit_id]["review_status"] == review["decision"]
        assert as_utc(review["at"]) > as_utc(by_id[visit_id]["received_at"])

    flags = Counter(f["code"] for f in await _rows(db, FLAGS))
    for code in ("gps.far_from_household", "gps.low_accuracy", "photo.reused"):
        assert flags[code] >= 1, flags
    flagged_visits = len({f["visit_id"] for f in await _rows(db, FLAGS)})
    assert 0.05 < flagged_visits / len(visits) < 0.3, "a realistic share of visits is flagged"

    merged = (await db.execute(select(HOUSEHOLDS).where(HOUSEHOLDS.c.status == "merged"))).all()
    assert merged and all(m.merged_into_id is not None for m in merged)

    # Villages differ: some barely started, some nearly done.
    visited = Counter(a["area_id"] for a in await _rows(db, ASSESSMENTS))
    households = Counter(
        row.area_id
        for row in (await db.execute(select(HOUSEHOLDS.c.area_id).where(HOUSEHOLDS.c.status == "active"))).all()
    )
    shares = sorted(visited[area] / households[area] for area in households)
    assert shares[0] < 0.25 and shares[-1] > 0.75, shares
    await store.aclose()


async def test_history_is_what_the_write_paths_would_have_written(
    client: AsyncTestClient, db: AsyncSession, settings: Settings
) -> None:
    credentials = (await seed_with_history(db, settings, "small")).credentials
    await db.commit()

    # Assessments: a rebuild from the visits (the rescore path) changes nothing.
    def comparable(rows: list[dict[str, Any]]) -> dict[Any, tuple[Any, ...]]:
        return {
            r["household_id"]: (r["visit_id"], r["level"], r["indicator_bits"], r["review_status"], r["area_id"])
            for r in rows
        }

    before = comparable(await _rows(db, ASSESSMENTS))
    households = [row[0] for row in (await db.execute(select(HOUSEHOLDS.c.id))).all()]
    connection = await db.connection()
    await rebuild(connection, households)
    after = comparable(await _rows(db, ASSESSMENTS))
    await db.rollback()
    assert after == before and len(before) > 200

    # Photos: each stored original is a real JPEG whose EXIF the service reads back as the row says, and whose
    # derivatives are what the service's own processing makes of it.
    store = build_store(settings)
    photos = await _rows(db, PHOTOS)
    await db.rollback()
    for row in photos[:: max(1, len(photos) // 25)]:
        original = await store.get(row["original_key"])
        processed = process_photo(original)
        assert processed.sha256 == row["sha256"]
        assert (processed.width, processed.height) == (row["width"], row["height"])
        assert await store.get(row["thumb_key"]) == processed.thumb_jpeg
        assert await store.get(row["large_key"]) == processed.large_jpeg
        assert processed.exif_gps is not None and processed.exif_time is not None
        assert (
            abs(processed.exif_gps[0] - row["exif_lat"]) < 1e-4 and abs(processed.exif_gps[1] - row["exif_lon"]) < 1e-4
        )
        taken = processed.exif_time.replace(tzinfo=UTC) - timedelta(hours=7)
        assert abs(taken - as_utc(row["exif_time"])) < timedelta(seconds=1)
    await store.aclose()
    assert own_photo_days(600) == DAYS, "at small scale every photo is its own"

    # Tally cells (kept by the seed) equal a count from the tables (a tally with a period covering everything).
    login = await client.post("/api/v1/auth/login", json=credentials["admin"])
    admin = {"Authorization": f"Bearer {login.json()['token']}"}
    client.cookies.clear()
    cells = (await client.get("/api/v1/tallies", params={"area": "38"}, headers=admin)).json()
    everything = {"area": "38", "from": "2000-01-01", "to": (date.today() + timedelta(days=1)).isoformat()}
    tables = (await client.get("/api/v1/tallies", params=everything, headers=admin)).json()
    for key in ("households", "visits", "levels", "indicators", "open_flags", "hard_to_reach"):
        assert cells["area"][key] == tables["area"][key], key
    (visits_total,) = (await db.execute(select(func.count()).select_from(VISITS))).one()
    await db.rollback()
    assert cells["area"]["visits"]["total"] == visits_total

    # Every export has data on first open.
    for path in (
        "/api/v1/exports/households.csv",
        "/api/v1/exports/households.xlsx",
        "/api/v1/exports/households.geojson",
        "/api/v1/exports/visits.csv",
        "/api/v1/exports/visits.xlsx",
    ):
        export = await client.get(path, params={"area": "38"}, headers=admin)
        assert export.status_code == 200, (path, export.text[:300])
        if path.endswith(".csv"):
            assert export.content.count(b"\r\n") > 200, path
        elif path.endswith(".geojson"):
            assert len(export.json()["features"]) > 200, path
        else:
            book = openpyxl.load_workbook(io.BytesIO(export.content), read_only=True)
            sheet = book.worksheets[0]
            assert sum(1 for _ in sheet.iter_rows(values_only=True)) > 200, path


async def test_the_same_scale_gives_the_same_history(tmp_path: Any) -> None:
    from service.db.engine import create_engine, migrate, session_factory

    seen = []
    for run in ("one", "two"):
        url = f"sqlite+aiosqlite:///{tmp_path / run}.sqlite3"
        migrate(url)
        engine = create_engine(url, pool_size=1)
        store = build_store(Settings(data_dir=tmp_path / run))
        await store.ensure_ready()
        async with session_factory(engine)() as session:
            result = await seed(session, "small", store, now=NOW)
            await session.commit()
            ids = (await session.execute(select(VISITS.c.id, VISITS.c.review_status).order_by(VISITS.c.id))).all()
        await engine.dispose()
        await store.aclose()
        seen.append((result.counts, ids))
    assert seen[0] == seen[1]
