"""Province tally on PostgreSQL against a hand-written GROUP BY over the same tables, in the same run.

    python bench/tallies.py                       # uses gocua_bench_tallies as bench/field_data.py left it
    python bench/tallies.py --prepare             # first: province demo seed + form + 1 M visits (~8 min)

Floors (issue 10): the province tally (~1 M households, 1 M visits) within 1 s, and within 1.2x the
hand-written SQL. "Ours" is the service function behind GET /api/v1/tallies (scope check, subtree, bringing
the per-village cells up to date for the villages that changed, reading the cells, the Python roll-up, the JSON
encoding). Before each timed tally, CHURN pending visits are approved (untimed) as supervisors would between two
tallies, so each timed tally recounts the villages those touched; the same tally again with nothing changed,
and the first one after the bulk load (every village counted), are reported too. The baseline is what an
analyst would type: the same figures per child area, grouped in SQL on `split_part(area.path, ...)`, fetched
raw through asyncpg. Runs alternate (ours, baseline, ...) and the medians are compared; see `load_before`.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import subprocess
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import msgspec

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.auth.actor import Actor, Role  # noqa: E402
from service.db.engine import create_engine, session_factory  # noqa: E402
from service.tallies import services as tallies  # noqa: E402

DATABASE = "gocua_bench_tallies"
PG = "postgresql://postgres@127.0.0.1:5432"
FLOOR_S = 1.0
FLOOR_RATIO = 1.2
FORM_ID = "household-digital-skills"
CHURN = 300  # visits reviewed between two timed tallies (--churn)

BASELINE = {
    "households": """
        SELECT split_part(v.path, '/', $2::int) AS child, a.level, count(*) AS households,
               sum(h.elderly_only::int) AS elderly, sum(h.temporary_resident::int) AS temporary,
               count(a.household_id) AS visited,
               sum((h.elderly_only AND a.household_id IS NOT NULL)::int) AS elderly_visited,
               sum((h.temporary_resident AND a.household_id IS NOT NULL)::int) AS temporary_visited,
               {bits}
        FROM households h
        JOIN areas v ON v.id = h.area_id
        LEFT JOIN assessments a ON a.household_id = h.id AND a.form_id = $3
        WHERE h.status <> 'merged' AND v.path LIKE $1 || '%' AND v.closed_at IS NULL
        GROUP BY 1, 2""",
    "visits": """
        SELECT split_part(area_path, '/', $2::int) AS child, review_status, count(*) AS n,
               count(DISTINCT coalesce(on_behalf_of, submitted_by)) AS members
        FROM visits WHERE area_path LIKE $1 || '%' AND form_id = $3 GROUP BY 1, 2""",
    "flags": """
        SELECT split_part(v.area_path, '/', $2::int) AS child, f.code, count(*) AS n
        FROM visit_flags f JOIN visits v ON v.id = f.visit_id
        WHERE v.area_path LIKE $1 || '%' AND v.form_id = $3 AND v.review_status IN ('pending', 'has_issues')
        GROUP BY 1, 2""",
    "people": """
        SELECT split_part(a.path, '/', $2::int) AS child, count(DISTINCT t.id) AS teams, count(u.id) AS members,
               sum((NOT u.has_smartphone)::int) AS without_phone
        FROM areas a LEFT JOIN teams t ON t.area_id = a.id
        LEFT JOIN users u ON u.area_id = a.id AND u.role IN ('member', 'leader') AND u.active
        WHERE a.path LIKE $1 || '%' AND a.closed_at IS NULL GROUP BY 1""",
}


def prepare() -> None:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}",
    }
    subprocess.run(
        [
            "psql",
            "-h",
            "127.0.0.1",
            "-U",
            "postgres",
            "-c",
            f"DROP DATABASE IF EXISTS {DATABASE} WITH (FORCE)",
            "-c",
            f"CREATE DATABASE {DATABASE}",
        ],
        check=True,
    )
    work = Path("/tmp/gocua-bench-tallies")
    work.mkdir(exist_ok=True)
    cli = [sys.executable, "-m", "service.cli.main", "--data-dir", str(work)]
    subprocess.run([*cli, "demo-seed", "--scale", "province", "--out", str(work / "creds.json")], env=env, check=True)
    subprocess.run(
        [*cli, "forms", "publish", str(ROOT / "forms/bundled/household_digital_skills_v2.json")], env=env, check=True
    )
    subprocess.run([sys.executable, str(ROOT / "bench/field_data.py"), "--database", DATABASE], env=env, check=True)


async def main_async(runs: int, churn: int = CHURN) -> dict[str, object]:
    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{DATABASE}", pool_size=2)
    raw = await asyncpg.connect(f"{PG}/{DATABASE}")
    # As typed into psql: planned for its parameters every time (asyncpg's prepared statements would otherwise
    # fall back to generic plans after five runs, which took the baseline from 1.3 s to 3.4 s).
    await raw.execute("SET plan_cache_mode = force_custom_plan")
    admin = Actor(
        user_id=0,
        username="bench",
        full_name="bench",
        role=Role.ADMIN,
        team_id=None,
        area_id=None,
        area_path=None,
        via="session",
    )
    root = await raw.fetchrow("SELECT code, path FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1")
    depth = len(root["path"].strip("/").split("/"))
    households = await raw.fetchval("SELECT count(*) FROM households")
    visits = await raw.fetchval("SELECT count(*) FROM visits")
    baseline_sql = dict(BASELINE)
    baseline_sql["households"] = baseline_sql["households"].format(
        bits=", ".join(f"sum(((a.indicator_bits >> {i}) & 1)::int) AS bit{i}" for i in range(9))
    )

    async def ours() -> tuple[float, bytes]:
        started = time.perf_counter()
        async with session_factory(engine)() as session:
            body = msgspec.json.encode(await tallies.get_tally(session, admin, root["code"]))
            await session.commit()
        return time.perf_counter() - started, body

    async def baseline() -> tuple[float, int]:
        started = time.perf_counter()
        rows = 0
        for sql in baseline_sql.values():
            arguments = (root["path"], depth + 2, FORM_ID)
            rows += len(await raw.fetch(sql, *arguments[: 3 if "$3" in sql else 2]))
        return time.perf_counter() - started, rows

    load_before = os.getloadavg()
    # Every village out of date, as after the bulk load (or the migration that adds the cells): the first
    # tally counts them all.
    await raw.execute("INSERT INTO tally_dirty (area_id) SELECT id FROM areas")
    marked = await raw.fetchval("SELECT count(DISTINCT area_id) FROM tally_dirty")
    first_s, body = await ours()
    await baseline()  # warm: plans and caches for the baseline too
    pending = [r["id"] for r in await raw.fetch("SELECT id FROM visits WHERE review_status = 'pending' LIMIT 20000")]
    random.Random(3).shuffle(pending)
    ours_s: list[float] = []
    quiet_s: list[float] = []
    baseline_s: list[float] = []
    churned: list[int] = []
    for run in range(runs):
        # Between two tallies, supervisors approve CHURN visits (untimed): their villages' cells go out of date.
        batch = pending[run * churn : (run + 1) * churn]
        await raw.execute("UPDATE visits SET review_status = 'approved' WHERE id = ANY($1::uuid[])", batch)
        churned.append(await raw.fetchval("SELECT count(DISTINCT area_id) FROM tally_dirty"))
        elapsed, body = await ours()
        ours_s.append(elapsed)
        elapsed, _rows = await baseline()
        baseline_s.append(elapsed)
        elapsed, _body = await ours()  # nothing changed since: the cells are read as they are
        quiet_s.append(elapsed)
    await raw.execute("UPDATE visits SET review_status = 'pending' WHERE id = ANY($1::uuid[])", pending[: runs * churn])
    await ours()  # leave the cells current for the next run
    await raw.close()
    await engine.dispose()
    area = json.loads(body)["area"]
    ours_median, baseline_median = statistics.median(ours_s), statistics.median(baseline_s)
    return {
        "bench": "tallies",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "households": households,
        "visits": visits,
        "children": len(json.loads(body)["children"]),
        "visited": area["households"]["visited"],
        "runs": runs,
        "first_after_bulk_load_s": round(first_s, 4),
        "villages_marked_at_first": marked,
        "churn_visits_reviewed_between_tallies": churn,
        "villages_refreshed_per_tally": churned,
        "ours_s": [round(x, 4) for x in ours_s],
        "ours_unchanged_s": [round(x, 4) for x in quiet_s],
        "ours_unchanged_median_s": round(statistics.median(quiet_s), 4),
        "baseline_s": [round(x, 4) for x in baseline_s],
        "ours_median_s": round(ours_median, 4),
        "baseline_median_s": round(baseline_median, 4),
        "ratio_to_baseline": round(ours_median / baseline_median, 3),
        "floor_ratio": FLOOR_RATIO,
        "ratio_to_floor_s": round(ours_median / FLOOR_S, 3),
        "floor_s": FLOOR_S,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prepare", action="store_true", help="seed the province and load 1 M visits first")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--churn", type=int, default=CHURN, help=f"visits reviewed between timed tallies ({CHURN})")
    args = parser.parse_args()
    if args.prepare:
        prepare()
    result = asyncio.run(main_async(args.runs, args.churn))
    out = ROOT / "bench/results" / f"tallies-{result['at'].replace(':', '')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(
        f"province tally, {result['churn_visits_reviewed_between_tallies']} visits reviewed since the last: "
        f"{result['ours_median_s']} s "
        f"(floor {FLOOR_S} s: x{result['ratio_to_floor_s']}); hand-written GROUP BY {result['baseline_median_s']} s: "
        f"ratio {result['ratio_to_baseline']} (floor {FLOOR_RATIO}); nothing changed: "
        f"{result['ours_unchanged_median_s']} s; first after the bulk load: {result['first_after_bulk_load_s']} s; "
        f"load {result['load_before']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
