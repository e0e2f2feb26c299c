"""How long does `gocua demo-seed` take, now with its eight weeks of history? Bounds: `small` (what
`gocua serve --demo` seeds) under 10 s, `district` under 120 s.

    python bench/seed.py                                  # district and province, PostgreSQL and SQLite
    python bench/seed.py --scale district --backend sqlite

Each run is the real command (`gocua demo-seed`, a fresh process: migration, planning, one argon2 hash, bulk
inserts, commit) into a fresh, empty database; the wall time is compared with the scale's floor (ratio < 1 is
inside it). PostgreSQL on 127.0.0.1:5432 (override with GOCUA_BENCH_PG_ADMIN_URL); SQLite in a temp folder.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
from harness import unique_database

FLOOR_S = {"small": 10.0, "district": 120.0, "province": 600.0}
PG_ADMIN = os.environ.get("GOCUA_BENCH_PG_ADMIN_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _pg(statement: str) -> None:
    with psycopg.connect(PG_ADMIN, autocommit=True) as connection:
        connection.execute(statement)


def run(scale: str, backend: str) -> float:
    with tempfile.TemporaryDirectory(prefix="gocua-seed-") as tmp:
        env = dict(os.environ)
        if backend == "postgresql":
            database = unique_database("gocua_bench_seed")
            _pg(f"CREATE DATABASE {database}")
            env["GOCUA_DATABASE_URL"] = (
                PG_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1) + f"/{database}"
            )
        else:
            env.pop("GOCUA_DATABASE_URL", None)
        command = [
            sys.executable,
            "-m",
            "service.cli.main",
            "--data-dir",
            tmp,
            "demo-seed",
            "--scale",
            scale,
            "--out",
            str(Path(tmp) / "creds.json"),
        ]
        started = time.perf_counter()
        done = subprocess.run(command, env=env, capture_output=True, text=True)
        elapsed = time.perf_counter() - started
        if backend == "postgresql":
            _pg(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
        if done.returncode != 0:
            sys.exit(f"demo-seed failed:\n{done.stdout}\n{done.stderr}")
        print(done.stdout.strip().replace("\n", "\n    "))
        return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scale", action="append", choices=["small", "district", "province"])
    parser.add_argument("--backend", action="append", choices=["postgresql", "sqlite"])
    args = parser.parse_args()
    for scale in args.scale or ["district", "province"]:
        for backend in args.backend or ["postgresql", "sqlite"]:
            seconds = run(scale, backend)
            print(
                f"{scale:9s} {backend:10s} {seconds:7.1f} s   "
                f"{seconds / FLOOR_S[scale]:5.2f}× the {FLOOR_S[scale]:.0f} s floor",
                flush=True,
            )


if __name__ == "__main__":
    main()
