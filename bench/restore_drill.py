"""Backup and restore drill, run for real against local equivalents of the compose stack (docs/deploy.md).

    python bench/restore_drill.py            # PostgreSQL on 127.0.0.1:5432, the local object folder

1. A service with data: fresh database, demo seed, a few phones' visits with photos through the real server.
2. Backup: `pg_dump --format=custom` of the database, and a copy of the object folder (in production: MinIO
   bucket replication or `mc mirror` — the objects are immutable and named by their SHA-256, so a copy is
   consistent whenever it is taken after the dump).
3. Restore: `createdb` + `pg_restore` into a NEW database, the folder copied into a NEW data directory.
4. Check: a server on the restored pair answers every visit and every photo (thumb, large, original) exactly as
   before; table row counts match; every original's bytes still hash to its name.
Prints each command with its duration and the verdict; exits 1 on any difference.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psycopg

sys.path.insert(0, str(Path(__file__).resolve().parent))
from harness import unique_database
from soak import Phone, Stats, free_port, prepare

PG = "postgresql://postgres@127.0.0.1:5432"
# Names no other run uses: a concurrent drill on the same server keeps its own databases.
SOURCE = unique_database("gocua_drill")
RESTORED = SOURCE + "_restored"
TABLES = ("areas", "users", "teams", "households", "visits", "visit_photos", "visit_flags", "access_log")


def admin(sql: str) -> None:
    with psycopg.connect(f"{PG}/postgres", autocommit=True) as connection:
        connection.execute(sql)


def counts(database: str) -> dict[str, int]:
    with psycopg.connect(f"{PG}/{database}") as connection:
        return {t: connection.execute(f"SELECT count(*) FROM {t}").fetchone()[0] for t in TABLES}  # type: ignore[index]


def timed(label: str, command: list[str]) -> None:
    started = time.perf_counter()
    subprocess.run(command, check=True, capture_output=True)
    print(f"  $ {' '.join(command)}\n    {label}: {time.perf_counter() - started:.2f} s")


class Serving:
    def __init__(self, env: dict[str, str], log: Path) -> None:
        self.url = f"http://127.0.0.1:{free_port()}"
        self.log = log.open("wb")
        self.process = subprocess.Popen(
            [sys.executable, "-m", "service.cli.main", "serve", "--no-migrate", "--port", self.url.rsplit(":", 1)[1]],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(self.url + "/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise RuntimeError(log.read_text())

    def stop(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=30)
        self.log.close()


async def make_visits(url: str, members: list[dict], version: str, per_phone: int) -> int:
    stats = Stats()
    async with httpx.AsyncClient(timeout=60) as client:
        phones = [Phone(n, members[n], url, stats, version, time.monotonic() + 3600) for n in range(4)]
        for phone in phones:
            await phone.sync(client)
        await asyncio.gather(*(phone.visit(client, phone.next_visit()) for phone in phones for _ in range(per_phone)))
    if stats.errors:
        raise RuntimeError(stats.errors[:3])
    return stats.visits


def snapshot(url: str, admin_password: str) -> dict[str, str]:
    """Every visit's JSON and every photo variant's SHA-256, as an admin sees them."""
    with httpx.Client(base_url=url, timeout=30) as client:
        token = client.post("/api/v1/auth/login", json={"username": "admin", "password": admin_password}).json()
        headers = {"Authorization": f"Bearer {token['token']}"}
        seen: dict[str, str] = {}
        cursor = None
        while True:
            page = client.get(
                "/api/v1/visits", headers=headers, params={"limit": 200} | ({"cursor": cursor} if cursor else {})
            ).json()
            for summary in page["items"]:
                detail = client.get(f"/api/v1/visits/{summary['id']}", headers=headers)
                assert detail.status_code == 200, detail.text
                body = detail.json()
                seen[summary["id"]] = hashlib.sha256(str(body["answers"]).encode()).hexdigest()
                for photo in body.get("photos", []):
                    for variant in ("thumb", "large", "original"):
                        path = f"/api/v1/visits/{summary['id']}/photos/{photo['question']}/{photo['index']}/{variant}"
                        response = client.get(path, headers=headers)
                        assert response.status_code == 200, (path, response.status_code)
                        seen[path] = hashlib.sha256(response.content).hexdigest()
            cursor = page.get("next")
            if not cursor:
                return seen


def main() -> int:
    work = Path(tempfile.mkdtemp(prefix="gocua-drill-"))
    try:
        admin(f"CREATE DATABASE {SOURCE}")
        source_dir, restored_dir = work / "source", work / "restored"
        source_dir.mkdir()
        env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")}
        env |= {
            "GOCUA_DATA_DIR": str(source_dir),
            "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{SOURCE}",
            "PYTHONPATH": str(Path(__file__).resolve().parent.parent),
        }
        members, version = prepare(env["GOCUA_DATABASE_URL"], source_dir, env)
        admin_password = json.loads((source_dir / "creds.json").read_text())["admin"]["password"]
        print("1. a service with data")
        server = Serving(env, work / "source.log")
        try:
            made = asyncio.run(make_visits(server.url, members, version, per_phone=5))
            before = snapshot(server.url, admin_password)
        finally:
            server.stop()
        print(f"   {made} visits with photos; {len(before)} visit bodies and photo variants recorded")

        print("2. backup")
        dump = work / "gocua.dump"
        timed("pg_dump", ["pg_dump", "-h", "127.0.0.1", "-U", "postgres", "--format=custom", "-f", str(dump), SOURCE])
        timed("object folder copy", ["cp", "-a", str(source_dir / "objects"), str(work / "objects-backup")])
        print(f"   dump {dump.stat().st_size / 1e6:.2f} MB")

        print("3. restore into a new database and a new folder")
        timed("createdb", ["createdb", "-h", "127.0.0.1", "-U", "postgres", RESTORED])
        timed(
            "pg_restore", ["pg_restore", "-h", "127.0.0.1", "-U", "postgres", "--no-owner", "-d", RESTORED, str(dump)]
        )
        restored_dir.mkdir()
        timed("object folder restore", ["cp", "-a", str(work / "objects-backup"), str(restored_dir / "objects")])

        print("4. check")
        restored_env = env | {
            "GOCUA_DATA_DIR": str(restored_dir),
            "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{RESTORED}",
        }
        source_counts, restored_counts = counts(SOURCE), counts(RESTORED)
        server = Serving(restored_env, work / "restored.log")
        try:
            after = snapshot(server.url, admin_password)
        finally:
            server.stop()
        bad_names = [
            p
            for p in (restored_dir / "objects").rglob("*")
            if p.is_file() and "/original/" in str(p) and hashlib.sha256(p.read_bytes()).hexdigest() != p.stem
        ]
        # The restored server's own logins and views add rows to access_log; every other table must match.
        same_rows = all(source_counts[t] == restored_counts[t] for t in TABLES if t != "access_log")
        ok = after == before and same_rows and not bad_names
        print(
            "   rows (source → restored): " + ", ".join(f"{t} {source_counts[t]}→{restored_counts[t]}" for t in TABLES)
        )
        print(
            f"   visits and photos answered identically: {after == before} ({len(after)} items); "
            f"originals whose bytes do not match their name: {len(bad_names)}"
        )
        print(f"restore drill: {'PASSED' if ok else 'FAILED'}")
        return 0 if ok else 1
    finally:
        for name in (SOURCE, RESTORED):
            admin(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
