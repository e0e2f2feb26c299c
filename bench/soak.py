"""R6 soak: simulated phones against the real server for minutes; zero errors, latency per endpoint, flat memory.

    python bench/soak.py                     # 50 phones, 10 minutes, PostgreSQL on 127.0.0.1:5432
    python bench/soak.py --minutes 0.35      # the short profile the test suite runs (tests/faults/test_soak.py)

Each phone (a demo member with a device token) works like the app: it syncs its village's households (then only
what changed), fetches the form with If-None-Match (304 once it has it), fills visits with varied answers and a
GPS fix near the household, submits the JSON, then PUTs the photo (a phone-sized JPEG). Between visits it pauses
a few seconds; now and then it goes offline, queues a few visits, and sends them all at once when back, the last
one twice (a retry after a lost answer). Anything but the expected statuses is an error.

The server (`gocua serve --workers 1`) runs on a fresh database seeded with `gocua demo-seed --scale small`.
Its RSS (main process + workers + photo workers) is sampled every 10 s (or 10 times in a short run); after the
warm-up (the first fifth of the run) it must not grow by more than 10 %. Raw results go to bench/results/.
The machine may be shared with other work: the figures say what this run saw, not the machine's best.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import platform
import random
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
from harness import free_port, pg_admin, unique_database
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
FORM_ID = "household-digital-skills"
PHOTO_QUESTION = "evidence_photos"
RSS_GROWTH_LIMIT = 0.10
EXPECTED = {"sync": {200}, "form": {200, 304}, "visit": {200, 201}, "photo": {200, 201}}


def phone_photo(seed: int) -> bytes:
    """A 1280×960 photo-like JPEG (~150-250 KB): what the app sends after downscaling to the form's limit."""
    rng = random.Random(seed)
    fields = Image.effect_noise((64, 48), 40 + seed % 50).convert("RGB").resize((1280, 960), Image.Resampling.BICUBIC)
    tint = Image.new("RGB", (1280, 960), (rng.randrange(256), rng.randrange(256), rng.randrange(256)))
    buffer = io.BytesIO()
    Image.blend(fields, tint, 0.3).save(buffer, "JPEG", quality=85)
    return buffer.getvalue()


def answers(rng: random.Random, lat: float, lon: float) -> dict:
    members = rng.randint(1, 8)
    school_children = rng.randint(0, min(3, members))
    values = {
        "members": members,
        "elderly_only": rng.random() < 0.1,
        "temporary_resident": rng.random() < 0.1,
        "school_children": school_children,
        "has_smartphone": True,
        "has_mobile_data": rng.random() < 0.7,
        "has_email": rng.random() < 0.4,
        "vneid_level": rng.choice(["none", "level1", "level2"]),
        "public_services": rng.choice(["never", "with_help", "self"]),
        "cashless": rng.random() < 0.6,
        "health_book": rng.random() < 0.5,
        "ecommerce": rng.choice(["no", "buy", "sell"]),
        "data_worries": rng.sample(["scam_calls", "personal_data", "lose_money", "fake_apps"], rng.randint(1, 2)),
        "guided": rng.sample(["vneid", "public_services", "email", "cashless", "health_book"], rng.randint(1, 2)),
        "follow_up": False,
        "location": {"lat": lat, "lon": lon, "accuracy_m": 8.0},
    }
    if school_children > 0:
        values["school_app"] = rng.random() < 0.5
    return values


@dataclass
class Stats:
    latencies: dict[str, list[float]] = field(default_factory=dict)
    statuses: dict[str, dict[int, int]] = field(default_factory=dict)
    errors: list[str] = field(default_factory=list)
    in_flight: int = 0
    max_in_flight: int = 0
    visits: int = 0
    offline_bursts: int = 0

    async def call(self, endpoint: str, request) -> httpx.Response | None:  # type: ignore[no-untyped-def]
        self.in_flight += 1
        self.max_in_flight = max(self.max_in_flight, self.in_flight)
        started = time.perf_counter()
        try:
            response = await request
        except httpx.HTTPError as exc:
            self.errors.append(f"{endpoint}: {exc!r}")
            return None
        finally:
            self.in_flight -= 1
        self.latencies.setdefault(endpoint, []).append(time.perf_counter() - started)
        counts = self.statuses.setdefault(endpoint, {})
        counts[response.status_code] = counts.get(response.status_code, 0) + 1
        if response.status_code not in EXPECTED[endpoint]:
            self.errors.append(f"{endpoint}: {response.status_code} {response.text[:200]}")
        return response


class Phone:
    def __init__(self, number: int, member: dict, url: str, stats: Stats, version: str, end: float) -> None:
        self.rng = random.Random(number)
        self.member = member
        self.url = url
        self.stats = stats
        self.version = version
        self.end = end
        self.headers = {"Authorization": f"Bearer {member['token']}"}
        self.households: dict[str, dict] = {}
        self.cursor: str | None = None
        self.etag: str | None = None
        self.clock = datetime(2026, 11, 20, 1, 0, tzinfo=UTC) + timedelta(days=number)
        self.photo_seed = number * 100_000

    async def run(self, client: httpx.AsyncClient) -> None:
        await asyncio.sleep(self.rng.uniform(0, 3))  # phones do not start in step
        await self.sync(client)
        await self.fetch_form(client)
        last_sync = time.monotonic()
        while time.monotonic() < self.end:
            if self.rng.random() < 0.08:
                await self.offline_burst(client)
            else:
                await self.visit(client, self.next_visit())
            if time.monotonic() - last_sync > 60:
                await self.sync(client)
                await self.fetch_form(client)
                last_sync = time.monotonic()
            await asyncio.sleep(self.rng.uniform(2.0, 6.0))

    async def sync(self, client: httpx.AsyncClient) -> None:
        while True:
            params = {"area": self.member["area_code"], "limit": 200}
            if self.cursor:
                params["updated_since"] = self.cursor
            response = await self.stats.call(
                "sync", client.get(self.url + "/api/v1/households", params=params, headers=self.headers)
            )
            if response is None or response.status_code != 200:
                return
            page = response.json()
            for item in page["items"]:
                self.households[item["id"]] = item
            self.cursor = page["next"]
            if not page["has_more"]:
                return

    async def fetch_form(self, client: httpx.AsyncClient) -> None:
        headers = dict(self.headers) | ({"If-None-Match": self.etag} if self.etag else {})
        response = await self.stats.call("form", client.get(f"{self.url}/api/v1/forms/{FORM_ID}", headers=headers))
        if response is not None and response.status_code == 200:
            self.etag = response.headers.get("ETag")

    def next_visit(self) -> tuple[dict, bytes]:
        active = [h for h in self.households.values() if h["status"] == "active"]
        home: dict | None = self.rng.choice(active) if active else None
        lat = (home or {}).get("lat") or 19.9 + self.rng.uniform(-0.05, 0.05)
        lon = (home or {}).get("lon") or 105.4 + self.rng.uniform(-0.05, 0.05)
        lat, lon = lat + self.rng.uniform(-0.0005, 0.0005), lon + self.rng.uniform(-0.0005, 0.0005)
        self.clock += timedelta(minutes=self.rng.randint(20, 50))
        finished = self.clock
        body = {
            "id": str(uuid.uuid4()),
            "form_id": FORM_ID,
            "form_version": self.version,
            "started_at": (finished - timedelta(minutes=self.rng.randint(8, 25))).isoformat(),
            "finished_at": finished.isoformat(),
            "answers": answers(self.rng, lat, lon),
            "location": {
                "lat": lat,
                "lon": lon,
                "accuracy_m": self.rng.uniform(4, 30),
                "is_mock": False,
                "captured_at": finished.isoformat(),
            },
            "app": {"name": "gocua-android", "version": "1.4.2"},
        }
        if home is not None:
            body["household_id"] = home["id"]
        else:
            body["new_household"] = {"id": str(uuid.uuid4()), "head_name": "Hộ mới", "lat": lat, "lon": lon}
        self.photo_seed += 1
        return body, phone_photo(self.photo_seed)

    async def visit(self, client: httpx.AsyncClient, item: tuple[dict, bytes]) -> None:
        body, photo = item
        response = await self.stats.call(
            "visit", client.post(self.url + "/api/v1/visits", json=body, headers=self.headers)
        )
        if response is None or response.status_code not in (200, 201):
            return
        self.stats.visits += 1
        await self.stats.call(
            "photo",
            client.put(
                f"{self.url}/api/v1/visits/{body['id']}/photos/{PHOTO_QUESTION}",
                content=photo,
                headers=self.headers | {"Content-Type": "image/jpeg"},
            ),
        )

    async def offline_burst(self, client: httpx.AsyncClient) -> None:
        """No network for a while: visits queue up, then all go at once; the last one is sent twice."""
        queued = [self.next_visit() for _ in range(self.rng.randint(2, 5))]
        await asyncio.sleep(self.rng.uniform(5, 15))
        self.stats.offline_bursts += 1
        await asyncio.gather(*(self.visit(client, item) for item in queued))
        await self.visit(client, queued[-1])  # the phone never saw the answer: same visit, same photo again


def server_rss_mb(pid: int) -> float:
    """RSS of the server and every descendant (granian workers, photo workers), in MB."""
    total, pending = 0, [pid]
    while pending:
        current = pending.pop()
        try:
            for line in Path(f"/proc/{current}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
            for task in Path(f"/proc/{current}/task").iterdir():
                pending += [int(c) for c in (task / "children").read_text().split()]
        except (FileNotFoundError, ProcessLookupError):
            continue
    return total / 1024


async def sample_rss(pid: int, interval: float, end: float, samples: list[tuple[float, float]]) -> None:
    started = time.monotonic()
    while time.monotonic() < end:
        samples.append((round(time.monotonic() - started, 1), round(server_rss_mb(pid), 1)))
        await asyncio.sleep(interval)
    samples.append((round(time.monotonic() - started, 1), round(server_rss_mb(pid), 1)))


def rss_growth(samples: list[tuple[float, float]], seconds: float) -> tuple[float, float]:
    """(growth, spread) of RSS after the warm-up (the first fifth of the run).

    Growth compares the median of the last quarter of those samples with the median of the first quarter: a
    leak shows as a rising level, while single samples swing ±5 % with what is in flight at that instant
    (spread: max − min over the median, reported as well).
    """
    warm = [rss for at, rss in samples if at >= seconds / 5] or [rss for _, rss in samples]
    quarter = max(1, len(warm) // 4)
    first, last = statistics.median(warm[:quarter]), statistics.median(warm[-quarter:])
    return (last - first) / first, (max(warm) - min(warm)) / statistics.median(warm)


async def drive(url: str, members: list[dict], phones: int, seconds: float, pid: int, version: str) -> dict:
    stats = Stats()
    end = time.monotonic() + seconds
    interval = min(10.0, max(1.0, seconds / 10))
    samples: list[tuple[float, float]] = []
    limits = httpx.Limits(max_connections=phones * 2, max_keepalive_connections=phones)
    async with httpx.AsyncClient(timeout=60, limits=limits) as client:
        fleet = [Phone(n, members[n % len(members)], url, stats, version, end) for n in range(phones)]
        # Warm-up outside the clock: the first photo starts the photo worker processes, whose memory is not growth.
        first = Phone(phones, members[0], url, Stats(), version, end)
        await first.sync(client)
        await first.visit(client, first.next_visit())
        sampler = asyncio.create_task(sample_rss(pid, interval, end, samples))
        await asyncio.gather(*(phone.run(client) for phone in fleet))
        await sampler
    growth, spread = rss_growth(samples, seconds)
    endpoints = {
        name: {
            "requests": len(values),
            "p50_ms": round(statistics.median(values) * 1000, 1),
            "p99_ms": round(sorted(values)[max(0, int(len(values) * 0.99) - 1)] * 1000, 1),
            "statuses": {str(code): count for code, count in sorted(stats.statuses.get(name, {}).items())},
        }
        for name, values in sorted(stats.latencies.items())
    }
    return {
        "phones": phones,
        "seconds": seconds,
        "visits": stats.visits,
        "offline_bursts": stats.offline_bursts,
        "errors": stats.errors[:50],
        "error_count": len(stats.errors),
        "max_in_flight": stats.max_in_flight,
        "endpoints": endpoints,
        "rss_mb": samples,
        "rss_growth_after_warmup": round(growth, 4),
        "rss_spread_after_warmup": round(spread, 4),
        "rss_flat": growth <= RSS_GROWTH_LIMIT,
    }


def prepare(database_url: str, data_dir: Path, env: dict[str, str]) -> tuple[list[dict], str]:
    def gocua(*args: str) -> str:
        return subprocess.run(
            [sys.executable, "-m", "service.cli.main", *args], env=env, check=True, capture_output=True, text=True
        ).stdout

    gocua("migrate")
    credentials = data_dir / "creds.json"
    gocua("demo-seed", "--scale", "small", "--out", str(credentials))
    published = ""
    for form in sorted((ROOT / "forms" / "bundled").glob("*.json")):
        published = gocua("forms", "publish", str(form))
    version = published.split(" v", 1)[1].split(":", 1)[0] if " v" in published else "1"
    members = [m for m in json.loads(credentials.read_text())["members"] if m["token"]]
    return members, version


def soak(database_url: str, minutes: float, phones: int, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")}
    env |= {
        "GOCUA_DATA_DIR": str(data_dir),
        "GOCUA_DATABASE_URL": database_url,
        "PYTHONPATH": os.pathsep.join(p for p in [str(ROOT), os.environ.get("PYTHONPATH", "")] if p),
    }
    members, version = prepare(database_url, data_dir, env)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    with open(data_dir / "server.log", "wb") as log:
        server = subprocess.Popen(
            [sys.executable, "-m", "service.cli.main", "serve", "--no-migrate", "--port", str(port), "--workers", "1"],
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                if httpx.get(url + "/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError((data_dir / "server.log").read_text())
            time.sleep(0.3)
        result = asyncio.run(drive(url, members, phones, minutes * 60, server.pid, version))
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    result |= {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": machine(),
        "database": "postgresql" if "postgresql" in database_url else "sqlite",
        "note": "shared machine: other work ran at the same time",
    }
    return result


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{os.cpu_count()} cores, {cpu}, {platform.system()} {platform.release()}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--phones", type=int, default=50)
    parser.add_argument(
        "--database-url", help="an empty, migrated or new database (default: a new uniquely named one, dropped after)"
    )
    parser.add_argument("--json", type=Path, help="where to write the raw result (default: bench/results/)")
    args = parser.parse_args()
    database_url = args.database_url
    created = None  # only a database this run created is dropped
    if database_url is None:
        created = unique_database("gocua_soak")
        pg_admin(f"CREATE DATABASE {created}")
        database_url = f"postgresql+asyncpg://postgres@127.0.0.1:5432/{created}"
    try:
        with tempfile.TemporaryDirectory(prefix="gocua-soak-") as tmp:
            result = soak(database_url, args.minutes, args.phones, Path(tmp))
    finally:
        if created:
            pg_admin(f"DROP DATABASE IF EXISTS {created} WITH (FORCE)")
    out = args.json or ROOT / "bench" / "results" / f"soak-{datetime.now(UTC):%Y%m%d-%H%M}.json"
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(result, indent=1, ensure_ascii=False))
    print(
        f"soak: {args.phones} phones, {args.minutes:g} min, {result['visits']} visits, "
        f"{result['offline_bursts']} offline bursts, max {result['max_in_flight']} requests in flight "
        f"({result['note']}; {result['machine']})"
    )
    for name, figures in result["endpoints"].items():
        print(
            f"  {name:6} {figures['requests']:6} requests  p50 {figures['p50_ms']:7.1f} ms  "
            f"p99 {figures['p99_ms']:7.1f} ms"
        )
    print(f"  errors: {result['error_count']}  RSS MB (t s, MB): {result['rss_mb']}")
    print(
        f"  RSS growth after warm-up: {result['rss_growth_after_warmup'] * 100:.1f} % "
        f"(samples spread {result['rss_spread_after_warmup'] * 100:.1f} %) "
        f"(limit {RSS_GROWTH_LIMIT * 100:.0f} %)  → {'flat' if result['rss_flat'] else 'GROWING'}"
    )
    print(f"  raw result: {out}")
    return 0 if result["error_count"] == 0 and result["rss_flat"] else 1


if __name__ == "__main__":
    sys.exit(main())
