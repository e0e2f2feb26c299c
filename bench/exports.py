"""Household coverage CSV: rows per second, and peak memory at 100k against 1M rows, on PostgreSQL.

    python bench/tallies.py --prepare                # prints the name of the province database it created
    python bench/exports.py --database NAME          # that database, as bench/tallies.py left it

Floors (issue 10): at least 250,000 rows/s, and peak memory (the process's max RSS) at 1M rows within 10 % of
the peak at 100k rows — memory must not grow with the rows. ODK Central on this kind of machine: ~14,000
rows/s, memory growing with rows.

Two measures of the same export:
- over HTTP (the figure held against the floor): `gocua serve`, one worker, the province supervisor's
  GET /api/v1/exports/households.csv?area=<province> read to the end by a client, as sent (identity), and
  with `Accept-Encoding: gzip` and `br` (the response compression a browser asks for);
- the service function in a fresh process per size (what `gocua export` runs: scope, access log, then on
  PostgreSQL the CSV written by the server's COPY — every cell spelt in SQL, formula cells made inert — with
  the BOM and CRLF line ends added on the way) into a file, for peak memory at 100k rows (it stops reading
  there) against 1M. The clocks include each request's setup.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from harness import Server, prepared_dir  # noqa: E402

FLOOR_ROWS_S = 250_000
FLOOR_MEMORY_GROWTH = 0.10


async def one(database: str, rows_wanted: int, out: Path) -> dict[str, float]:
    import service.db.all_tables  # noqa: F401
    from service.db.engine import create_engine, session_factory
    from service.exports import services

    engine = create_engine(f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}", pool_size=2)
    try:
        started = time.perf_counter()
        async with session_factory(engine)() as session:
            root = await session.scalar(text("SELECT code FROM areas WHERE parent_id IS NULL ORDER BY id LIMIT 1"))
            # What GET /api/v1/exports/households.csv and `gocua export` run (actor None: the command line).
            export = await services.prepare_households(session, engine, None, area=root, fmt="csv")
            await session.commit()
        lines = 0
        size = 0
        with out.open("wb") as sink:
            async for data in export.body:
                sink.write(data)
                size += len(data)
                lines += data.count(b"\n")
                if lines > rows_wanted:
                    await export.body.aclose()  # type: ignore[attr-defined]
                    break
        elapsed = time.perf_counter() - started
    finally:
        await engine.dispose()
    counted = lines - 1  # the title row
    return {
        "rows": counted,
        "seconds": round(elapsed, 3),
        "rows_per_s": round(counted / elapsed),
        "bytes": size,
        "max_rss_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def run_child(database: str, rows: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        done = subprocess.run(
            [sys.executable, __file__, "--database", database, "--child", str(rows), "--out", str(Path(tmp) / "x.csv")],
            capture_output=True,
            text=True,
            env={**os.environ, "PYTHONPATH": str(ROOT)},
        )
        if done.returncode != 0:
            raise SystemExit(done.stderr)
        return json.loads(done.stdout.strip().splitlines()[-1])


def over_http(database: str, repeat: int) -> dict[str, list[dict[str, float]]]:
    creds = json.loads((prepared_dir(database) / "creds.json").read_text())
    supervisor = creds["supervisors"][0]  # the province's
    with tempfile.TemporaryDirectory() as data_dir:
        env = {
            **os.environ,
            "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
            "GOCUA_DATA_DIR": data_dir,
        }
        server = Server(env)
        try:
            login = urllib.request.Request(
                server.url + "/api/v1/auth/login",
                data=json.dumps({"username": supervisor["username"], "password": supervisor["password"]}).encode(),
                headers={"Content-Type": "application/json"},
            )
            token = json.load(urllib.request.urlopen(login))["token"]
            url = f"{server.url}/api/v1/exports/households.csv?area={supervisor['area_code']}"
            runs: dict[str, list[dict[str, float]]] = {"identity": [], "gzip": [], "br": []}
            rows = 0
            for _ in range(repeat):
                for encoding, results in runs.items():
                    headers = {"Authorization": f"Bearer {token}", "Accept-Encoding": encoding}
                    started = time.perf_counter()
                    response = urllib.request.urlopen(urllib.request.Request(url, headers=headers))
                    size = lines = 0
                    while chunk := response.read(1 << 20):
                        size += len(chunk)
                        lines += chunk.count(b"\n") if encoding == "identity" else 0
                    elapsed = time.perf_counter() - started
                    assert response.headers.get("Content-Encoding", "identity") == encoding
                    rows = lines - 1 if encoding == "identity" else rows  # the same rows, compressed
                    results.append(
                        {"rows": rows, "seconds": round(elapsed, 3), "rows_per_s": round(rows / elapsed), "bytes": size}
                    )
            return runs
        finally:
            server.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument(
        "--database", required=True, help="a province prepared by `bench/tallies.py --prepare` (it prints the name)"
    )
    parser.add_argument("--child", type=int)
    parser.add_argument("--out")
    parser.add_argument("--repeat", type=int, default=2)
    args = parser.parse_args()
    if args.child:
        print(json.dumps(asyncio.run(one(args.database, args.child, Path(args.out)))))
        return 0
    load_before = os.getloadavg()
    http = over_http(args.database, args.repeat)
    small = [run_child(args.database, 100_000) for _ in range(args.repeat)]
    large = [run_child(args.database, 1_000_000) for _ in range(args.repeat)]
    best_small = min(small, key=lambda r: r["max_rss_mb"])
    growth = max(r["max_rss_mb"] for r in large) / best_small["max_rss_mb"] - 1
    median = {encoding: statistics.median(r["rows_per_s"] for r in runs) for encoding, runs in http.items()}
    at = datetime.now(UTC).isoformat(timespec="seconds")
    result = {
        "bench": "exports",
        "at": at,
        "database": "postgresql",
        "http": http,
        "http_rows_per_s_median": median,
        "runs_100k": small,
        "runs_1m": large,
        "rows_per_s_1m": round(median["identity"]),
        "ratio_to_floor_rows_s": round(median["identity"] / FLOOR_ROWS_S, 3),
        "ratio_to_floor_rows_s_gzip": round(median["gzip"] / FLOOR_ROWS_S, 3),
        "ratio_to_floor_rows_s_br": round(median["br"] / FLOOR_ROWS_S, 3),
        "floor_rows_s": FLOOR_ROWS_S,
        "peak_memory_growth": round(growth, 3),
        "floor_memory_growth": FLOOR_MEMORY_GROWTH,
        "load_before": [round(x, 2) for x in load_before],
        "load_after": [round(x, 2) for x in os.getloadavg()],
        "cpus": os.cpu_count(),
    }
    out = ROOT / "bench/results" / f"exports-{at.replace(':', '')}.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps(result, indent=2) + "\n")
    print(json.dumps(result, indent=2))
    print(
        f"coverage CSV over HTTP, median: {median['identity']:,.0f} rows/s as sent "
        f"(floor {FLOOR_ROWS_S:,}: x{result['ratio_to_floor_rows_s']}), gzip {median['gzip']:,.0f} "
        f"(x{result['ratio_to_floor_rows_s_gzip']}), br {median['br']:,.0f} (x{result['ratio_to_floor_rows_s_br']});"
        f" peak memory 1M vs 100k {growth:+.1%} (floor +{FLOOR_MEMORY_GROWTH:.0%}); load {result['load_before']}"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
