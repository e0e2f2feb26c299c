"""R1, long profile: schemathesis against the served OpenAPI document, every operation, as member, leader,
commune supervisor and admin, on SQLite and PostgreSQL.

    python3 bench/fuzz_api.py --cases 5000                   # ≥ 5,000 cases on each database
    python3 bench/fuzz_api.py --cases 500 --database sqlite  # quicker
    python3 bench/fuzz_api.py --seed 42                      # replay a run

Each database gets a fresh world (tests/support/world.py, the bundled form, three households), the service on
a socket (granian, one worker, tests/support/live_server.py) and `--cases` requests spread over the roles and
operations, half positive and half negative, plus positive ones on real objects. Checks: no 5xx, documented
status codes, content types, headers and response schemas. Failures are grouped into classes and printed; the
raw result goes to bench/results/fuzz_api-<database>.json. Exit status 1 when a class is not one of the known
5xx (tests/support/api_fuzz.py KNOWN_5XX). The short profile of the same run is tests/test_api_contract.py.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx
import psycopg
from harness import unique_database

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from service.db.engine import migrate
from service.settings import Settings
from tests.support.api_fuzz import ROLES, add_visit, build_world_sync, fuzz, new_seed
from tests.support.live_server import live_server

RESULTS = Path(__file__).resolve().parent / "results"
PG_ADMIN = os.environ.get("GOCUA_TEST_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg_database(name: str) -> str:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"CREATE DATABASE {name}")
    base = PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{name}"


def _drop_pg(name: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def _operations(base_url: str) -> int:
    document = httpx.get(f"{base_url}/schema/openapi.json", timeout=30).json()
    return sum(
        1
        for item in document["paths"].values()
        for method in item
        if method in ("get", "post", "put", "patch", "delete")
    )


def run(database: str, cases: int, seed: int) -> tuple[dict, bool]:
    workdir = Path(tempfile.mkdtemp(prefix=f"gocua-fuzz-{database}-"))
    pg_name = unique_database("gocua_fuzz")
    url = _pg_database(pg_name) if database == "postgresql" else f"sqlite+aiosqlite:///{workdir}/gocua.sqlite3"
    try:
        migrate(url)
        world = build_world_sync(url)
        settings = Settings(data_dir=workdir / "data", database_url=url, photo_workers=0)
        with live_server(settings, workdir) as server:
            add_visit(server.url, world)
            # Some generated cases repeat and are sent once: aim ~15 % above the requested count.
            per_operation = max(2, math.ceil(1.15 * cases / (len(ROLES) * _operations(server.url))))
            result = fuzz(
                server.url,
                world,
                url,
                cases_per_operation=per_operation,
                seed=seed,
                progress=lambda line: print(f"  [{database}] {line}", flush=True),
            )
            log_tail = server.output()[-4000:]
    finally:
        if database == "postgresql":
            _drop_pg(pg_name)
        shutil.rmtree(workdir, ignore_errors=True)
    report = {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "database": database,
        "seed": seed,
        "cases_per_operation": per_operation,
        "machine": f"{platform.machine()}, {os.cpu_count()} cores, {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f} at the end (shared with other jobs)",
        **result.as_dict(),
    }
    if result.unknown():
        report["server_log_tail"] = log_tail
    print(
        f"{database}: {result.cases} cases in {result.seconds:.0f} s ({result.cases / result.seconds:.0f}/s), "
        f"statuses {report['statuses']}"
    )
    for finding in sorted(result.findings.values(), key=lambda f: (f.known is not None, f.operation)):
        print("  " + finding.line())
    print(f"  {len(result.unknown())} unknown failure classes, {len(result.known())} known (being fixed)")
    return report, not result.unknown()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", type=int, default=5000, help="requests per database (about)")
    parser.add_argument("--database", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--seed", type=int, default=None)
    args = parser.parse_args()
    seed = args.seed if args.seed is not None else new_seed()
    print(f"seed {seed}; the machine is shared with other jobs, so cases/s is only indicative", flush=True)
    RESULTS.mkdir(exist_ok=True)
    ok = True
    for database in ["sqlite", "postgresql"] if args.database == "both" else [args.database]:
        started = time.monotonic()
        report, passed = run(database, args.cases, seed)
        report["wall_seconds"] = round(time.monotonic() - started, 1)
        (RESULTS / f"fuzz_api-{database}.json").write_text(json.dumps(report, indent=1, ensure_ascii=False) + "\n")
        ok = ok and passed
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
