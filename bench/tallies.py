"""Province tally as users get it: GET /api/v1/tallies over HTTP, after supervisors' reviews through the API.

    python bench/tallies.py --prepare             # first: a new province database (its name is printed; ~8+ min):
                                                  # demo seed, the bundled form, 1 M visits
    python bench/tallies.py --database NAME       # that database again (bench/exports.py and bench/reads.py too)

Floors: the province tally (~1 M households, 1 M visits) within 0.5 s (issue 20, median), and within 1.2x a
hand-written GROUP BY over the same tables in the same run (issue 10).

"Ours" is what the province supervisor's browser waits for: `gocua serve` (one worker) answering
GET /api/v1/tallies?area=<province> to the supervisor's login session (Bearer), timed by the client from the
request to the last byte. Before each timed tally, CHURN pending visits are decided (untimed) through
POST /api/v1/visits/{id}/review, the endpoint the review screen and the phones' supervisors use, four at a time
as several supervisors would: mostly approved, some "has issues" or rejected with a comment. Their villages'
tally cells go out of date, so the timed tally recounts them. The background refresher
(GOCUA_TALLY_REFRESH_S) is off by default (--refresh-s 0), so the tally itself recounts every village the
reviews touched: the reader's worst case. The same tally again with nothing changed, and the first one after
marking every village out of date (as after the bulk load), are reported too. The baseline is what an analyst
would type: the same figures per child area, grouped in SQL on `split_part(area.path, ...)`, fetched raw through
asyncpg. Runs alternate (ours, baseline, ...) and medians are compared.

Reviews cannot be undone through the API, so every run decides CHURN x runs more of the ~300,000 pending
visits for good. The load average is recorded before each timed tally: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Server, pg_admin, prepared_dir, unique_database  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432"
FLOOR_S = 0.5
FLOOR_RATIO = 1.2
FORM_ID = "household-digital-skills"
CHURN = 300  # visits reviewed between two timed tallies (--churn)
REVIEWERS = 4  # reviews in flight together

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


def prepare() -> str:
    """A new province database (its own unique name, printed): demo seed, the bundled form, 1 M visits."""
    database = unique_database("gocua_bench_province")
    print(f"preparing database {database} (reuse it: --database {database})", flush=True)
    pg_admin(f"CREATE DATABASE {database}")
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
    }
    work = prepared_dir(database)
    work.mkdir(exist_ok=True)
    cli = [sys.executable, "-m", "service.cli.main", "--data-dir", str(work)]
    subprocess.run([*cli, "demo-seed", "--scale", "province", "--out", str(work / "creds.json")], env=env, check=True)
    subprocess.run(
        [*cli, "forms", "publish", str(ROOT / "forms/bundled/household_digital_skills_v2.json")], env=env, check=True
    )
    subprocess.run([sys.executable, str(ROOT / "bench/field_data.py"), "--database", database], env=env, check=True)
    print(f"prepared database {database}", flush=True)
    return database


async def review(client: httpx.AsyncClient, headers: dict[str, str], ids: list[str]) -> dict[int, int]:
    """Decides `ids` through the review API, REVIEWERS at a time: 8 in 10 approved, the rest split between
    "has issues" and rejected (both need a comment). Returns the count per HTTP status."""
    statuses: dict[int, int] = {}
    queue = list(enumerate(ids))

    async def reviewer() -> None:
        while queue:
            n, visit_id = queue.pop()
            decision = ("approved",) * 8 + ("has_issues", "rejected")
            body: dict[str, str] = {"decision": decision[n % 10]}
            if body["decision"] != "approved":
                body["comment"] = "Ảnh chưa rõ cửa nhà / the photo does not show the door"
            response = await client.post(f"/api/v1/visits/{visit_id}/review", json=body, headers=headers)
            statuses[response.status_code] = statuses.get(response.status_code, 0) + 1

    await asyncio.gather(*(reviewer() for _ in range(REVIEWERS)))
    return statuses


async def main_async(database: str, runs: int, churn: int, refresh_s: float) -> dict[str, object]:
    raw = await asyncpg.connect(f"{PG}/{database}")
    # As typed into psql: planned for its parameters every time (asyncpg's prepared statements would otherwise
    # fall back to generic plans after five runs, which took the baseline from 1.3 s to 3.4 s).
    await raw.execute("SET plan_cache_mode = force_custom_plan")
    root = await raw.fetchrow("SELECT code, path FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1")
    depth = len(root["path"].strip("/").split("/"))
    households = await raw.fetchval("SELECT count(*) FROM households")
    visits = await raw.fetchval("SELECT count(*) FROM visits")
    baseline_sql = dict(BASELINE)
    baseline_sql["households"] = baseline_sql["households"].format(
        bits=", ".join(f"sum(((a.indicator_bits >> {i}) & 1)::int) AS bit{i}" for i in range(9))
    )
    creds = json.loads((prepared_dir(database) / "creds.json").read_text())
    officer = next(s for s in creds["supervisors"] if s["area_code"] == root["code"])  # the province's
    # Which visits to decide: what the queue would show the supervisors (pending ones), picked at random from
    # all of them (a plain LIMIT takes them in the table's physical order, which after a VACUUM or a new index
    # came from fewer villages: 300 reviews then touched ~207 villages instead of ~265, a cheaper recount).
    pending = [
        str(r["id"])
        for r in await raw.fetch(
            "SELECT id FROM visits WHERE review_status = 'pending' AND form_id = $1 ORDER BY random() LIMIT 40000",
            FORM_ID,
        )
    ]
    if len(pending) < runs * churn:
        raise SystemExit(f"only {len(pending)} pending visits left; prepare a new database (--prepare)")

    async def baseline() -> tuple[float, int]:
        started = time.perf_counter()
        rows = 0
        for sql in baseline_sql.values():
            arguments = (root["path"], depth + 2, FORM_ID)
            rows += len(await raw.fetch(sql, *arguments[: 3 if "$3" in sql else 2]))
        return time.perf_counter() - started, rows

    with tempfile.TemporaryDirectory(prefix="gocua-bench-tallies-") as data_dir:
        env = {
            **os.environ,
            "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
            "GOCUA_DATA_DIR": data_dir,
            "GOCUA_TALLY_REFRESH_S": str(refresh_s),
        }
        server = Server(env)
        try:
            async with httpx.AsyncClient(base_url=server.url, timeout=120) as client:
                login = await client.post(
                    "/api/v1/auth/login", json={"username": officer["username"], "password": officer["password"]}
                )
                login.raise_for_status()
                headers = {"Authorization": f"Bearer {login.json()['token']}"}

                async def ours() -> tuple[float, bytes]:
                    started = time.perf_counter()
                    response = await client.get("/api/v1/tallies", params={"area": root["code"]}, headers=headers)
                    elapsed = time.perf_counter() - started
                    response.raise_for_status()
                    return elapsed, response.content

                # Every village out of date, as after the bulk load (or the migration that adds the cells).
                await raw.execute("INSERT INTO tally_dirty (area_id) SELECT id FROM areas")
                marked = await raw.fetchval("SELECT count(DISTINCT area_id) FROM tally_dirty")
                load_first = os.getloadavg()[0]
                first_s, body = await ours()
                await ours()  # warm: the server's plans and caches
                await baseline()  # and the baseline's
                ours_s: list[float] = []
                quiet_s: list[float] = []
                baseline_s: list[float] = []
                churned: list[int] = []
                review_s: list[float] = []
                loads: list[float] = []
                statuses: dict[int, int] = {}
                for run in range(runs):
                    started = time.perf_counter()
                    for status, n in (await review(client, headers, pending[run * churn : (run + 1) * churn])).items():
                        statuses[status] = statuses.get(status, 0) + n
                    review_s.append(time.perf_counter() - started)
                    churned.append(await raw.fetchval("SELECT count(DISTINCT area_id) FROM tally_dirty"))
                    loads.append(os.getloadavg()[0])
                    elapsed, body = await ours()
                    ours_s.append(elapsed)
                    elapsed, _rows = await baseline()
                    baseline_s.append(elapsed)
                    elapsed, _body = await ours()  # nothing changed since: the cells are read as they are
                    quiet_s.append(elapsed)
        finally:
            server.stop()
    await raw.close()
    tally = json.loads(body)
    area = tally["area"]
    ours_median, baseline_median = statistics.median(ours_s), statistics.median(baseline_s)
    return {
        "bench": "tallies",
        "path": "HTTP: GET /api/v1/tallies?area=<province>, gocua serve --workers 1, province supervisor's session",
        "at": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": "postgresql",
        "households": households,
        "visits": visits,
        "children": len(tally["children"]),
        "visited": area["households"]["visited"],
        "runs": runs,
        "refresh_s": refresh_s,
        "first_after_bulk_load_s": round(first_s, 4),
        "load_at_first": round(load_first, 2),
        "villages_marked_at_first": marked,
        "churn_visits_reviewed_between_tallies": churn,
        "reviews_http_statuses": statuses,
        "reviews_s": [round(x, 2) for x in review_s],
        "reviews_per_s_median": round(churn / statistics.median(review_s), 1),
        "villages_refreshed_per_tally": churned,
        "load_1m_before_each_tally": [round(x, 2) for x in loads],
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
        "cpus": os.cpu_count(),
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--prepare", action="store_true", help="a new province database with 1 M visits first")
    which.add_argument("--database", help="a province database an earlier --prepare created (its printed name)")
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--churn", type=int, default=CHURN, help=f"visits reviewed between timed tallies ({CHURN})")
    parser.add_argument(
        "--refresh-s", type=float, default=0.0, help="GOCUA_TALLY_REFRESH_S for the server (0: the tally recounts)"
    )
    args = parser.parse_args()
    database = prepare() if args.prepare else args.database
    result = asyncio.run(main_async(database, args.runs, args.churn, args.refresh_s))
    out = ROOT / "bench/results" / f"tallies-{result['at'].replace(':', '')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(
        f"province tally over HTTP, {result['churn_visits_reviewed_between_tallies']} visits reviewed through the "
        f"API since the last: {result['ours_median_s']} s (floor {FLOOR_S} s: x{result['ratio_to_floor_s']}); "
        f"hand-written GROUP BY {result['baseline_median_s']} s: ratio {result['ratio_to_baseline']} "
        f"(floor {FLOOR_RATIO}); nothing changed: {result['ours_unchanged_median_s']} s; first after marking every "
        f"village: {result['first_after_bulk_load_s']} s; load (1 min) {result['load_1m_before_each_tally']}"
    )
    print(
        f"the database stays for the next run (--database {database}); drop it with: dropdb -h 127.0.0.1 "
        f"-U postgres {database}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
