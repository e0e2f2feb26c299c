"""Visit submission throughput on PostgreSQL, one server worker, measured with wrk.

    python bench/visits.py                      # all phases, figures vs the issue's floors
    python bench/visits.py --stored 200000      # fewer pre-stored visits (quicker)
    python bench/visits.py --skip-photos

Phases (each prints its figure and the ratio against its floor):
1. JSON-only visits on a fresh database            floor 1,000 visits/s
2. the same after --stored visits are bulk-loaded   floor 90 % of phase 1
3. visits with two 12 MP JPEG photos (multipart)    floor 35 visits/s
4. photo CPU cost against the bare Pillow floor     floor ≤ 1.3×

Every request is a NEW visit (a fresh UUID, and in phase 3 a unique comment segment in each JPEG so
photos are new objects too), from several members of one village to its households. The server is
`gocua serve --workers 1` (granian) with the local object store; wrk and the server share the
machine's 2 cores. Needs wrk (`apt-get install wrk`) and PostgreSQL on 127.0.0.1:5432.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import psycopg
from PIL import Image

FORM_ID = "household-digital-skills"
BUNDLED_FORM = Path(__file__).parent.parent / "forms" / "bundled" / "household_digital_skills_v1.json"
FORM_VERSION = json.loads(BUNDLED_FORM.read_text())["version"]
JSON_FLOOR = 1000.0
STORED_FLOOR_RATIO = 0.9
PHOTO_FLOOR = 35.0
PHOTO_COST_CEILING = 1.3

ANSWERS = {
    "members": 4, "elderly_only": False, "temporary_resident": False, "school_children": 1,
    "has_smartphone": True, "has_mobile_data": True, "has_email": False,
    "vneid_level": "level2", "public_services": "with_help", "cashless": True, "health_book": False,
    "ecommerce": "buy", "school_app": True, "data_worries": ["scam_calls"],
    "guided": ["email", "health_book"], "follow_up": False,
}


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def admin(sql: str) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(sql)


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


class Server:
    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(env["GOCUA_DATA_DIR"]) / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["gocua", "serve", "--port", str(self.port), "--workers", "1"], env=env,
            stdout=self.log, stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        raise RuntimeError("server did not start; see server.log")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()


def lua_json_visits(pairs: list[tuple[str, str, float, float]], path: Path) -> None:
    """A wrk script: each request is a new visit by one of the members to one of their households."""
    rows = ",\n".join(f'{{"{t}", "{h}", {lat}, {lon}}}' for t, h, lat, lon in pairs)
    answers = json.dumps(ANSWERS, ensure_ascii=False)
    path.write_text(
        LUA_COMMON.replace("__ROWS__", rows)
        + f"""
local answers = [[{answers}]]
-- Each wrk run continues after the previous one (BENCH_CLOCK_START), so every member's visits arrive in
-- time order as from one phone; restarting the clock each run made every later visit look sent out of order.
local clock = tonumber(os.getenv("BENCH_CLOCK_START"))
function visit_json(row)
  local id = uuid4()
  -- Each visit finishes a few seconds after the previous one of this script: real, distinct times.
  clock = clock + 3
  local finished = os.date("!%Y-%m-%dT%H:%M:%SZ", clock)
  local started = os.date("!%Y-%m-%dT%H:%M:%SZ", clock - 300)
  local location = string.format('{{"lat":%.6f,"lon":%.6f,"accuracy_m":8}}', row[3], row[4])
  return id, string.format('{{"id":"%s","form_id":"{FORM_ID}","form_version":"{FORM_VERSION}","household_id":"%s",' ..
    '"started_at":"%s","finished_at":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":8,' ..
    '"captured_at":"%s"}},"answers":' .. answers:sub(1, -2) .. ',"location":' .. location .. '}},' ..
    '"app":{{"name":"bench","version":"1"}}}}', id, row[2], started, finished, row[3], row[4], finished)
end
"""
    )


LUA_COMMON = """
local rows = {
__ROWS__
}
local counter = 0
math.randomseed(os.time() + tonumber(tostring({}):sub(8), 16))
function uuid4()
  return (string.gsub('xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx', '[xy]', function (c)
    local v = (c == 'x') and math.random(0, 0xf) or math.random(8, 0xb)
    return string.format('%x', v)
  end))
end
function next_row()
  counter = counter + 1
  return rows[(counter % #rows) + 1]
end
local threads = {}
function setup(thread) table.insert(threads, thread) end
function init(args) ok = 0; failed = 0; last_failure = "" end
function response(status, headers, body)
  if status == 200 or status == 201 then ok = ok + 1 else
    failed = failed + 1
    last_failure = status .. " " .. string.sub(body or "", 1, 300)
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("answers ok %d failed %d\\n", t:get("ok"), t:get("failed")))
    if t:get("failed") > 0 then io.write("last failure: " .. t:get("last_failure") .. "\\n") end
  end
end
"""

LUA_JSON_REQUEST = """
function request()
  local row = next_row()
  local id, body = visit_json(row)
  return wrk.format("POST", "/api/v1/visits", {["Authorization"] = "Bearer " .. row[1],
    ["Content-Type"] = "application/json"}, body)
end
"""

LUA_PHOTO_REQUEST = """
local photo_a = io.open("__PHOTO_A__", "rb"):read("*a")
local photo_b = io.open("__PHOTO_B__", "rb"):read("*a")
local boundary = "gocuaBenchBoundary7d3f"
-- A JPEG comment segment right after SOI: same pixels, new bytes, so a new object per request.
function unique_jpeg(photo, tag)
  local comment = tag .. string.rep(" ", 36 - #tag)
  return photo:sub(1, 2) .. "\\255\\254\\0\\38" .. comment .. photo:sub(3)
end
function part(name, filename, ctype, data)
  local disposition = 'Content-Disposition: form-data; name="' .. name .. '"'
  if filename then disposition = disposition .. '; filename="' .. filename .. '"' end
  return "--" .. boundary .. "\\r\\n" .. disposition .. "\\r\\nContent-Type: " .. ctype .. "\\r\\n\\r\\n" .. data .. "\\r\\n"
end
function request()
  local row = next_row()
  local id, body = visit_json(row)
  local payload = part("visit", nil, "application/json", body)
    .. part("evidence_photos[0]", "a.jpg", "image/jpeg", unique_jpeg(photo_a, id:sub(1, 18) .. "a"))
    .. part("evidence_photos[1]", "b.jpg", "image/jpeg", unique_jpeg(photo_b, id:sub(1, 18) .. "b"))
    .. "--" .. boundary .. "--\\r\\n"
  return wrk.format("POST", "/api/v1/visits", {["Authorization"] = "Bearer " .. row[1],
    ["Content-Type"] = "multipart/form-data; boundary=" .. boundary}, payload)
end
"""


_RUNS = iter(range(1_000))
_CLOCK_BASE = int(time.time()) - 60 * 86400


def wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, dict, str]:
    # Visit times advance 3 s per request: 2 days per run covers ~57,000 requests.
    clock = {"BENCH_CLOCK_START": str(_CLOCK_BASE + next(_RUNS) * 2 * 86400)}
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url + "/api/v1/visits"],
        check=True, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **clock},
    ).stdout
    if re.search(r"answers ok (\d+) failed (\d+)", output) is None:
        raise RuntimeError(f"wrk said:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    counts = re.search(r"answers ok (\d+) failed (\d+)", output)
    statuses = {"ok": int(counts.group(1)), "failed": int(counts.group(2))}
    failure = re.search(r"^last failure: (.*)$", output, re.M)
    if failure:
        statuses["last_failure"] = failure.group(1)[:200]
    latency = re.search(r"50%\s+(\S+).*?99%\s+(\S+)", output, re.S)
    return rate, statuses, f"p50 {latency.group(1)}, p99 {latency.group(2)}" if latency else ""


def good_rate(rate: float, statuses: dict) -> float:
    """Only 200/201 answers count as visits."""
    total = (statuses["ok"] + statuses["failed"]) or 1
    return rate * statuses["ok"] / total


def phone_jpeg(seed: int) -> bytes:
    """A 4000×3000 photo-like JPEG (smooth fields plus sensor grain, ~1.5-2.5 MB)."""
    fields = Image.effect_noise((100, 75), 60 + seed).convert("RGB").resize((4000, 3000), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((4000, 3000), 10).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(fields, grain, 0.25).save(buffer, "JPEG", quality=90)
    return buffer.getvalue()


async def bulk_visits(database: str, total: int) -> float:
    """Loads `total` visits with COPY (how a year of field work would sit in the table)."""
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    try:
        members = await connection.fetch(
            "SELECT u.id, u.team_id, u.area_id, a.path FROM users u JOIN areas a ON a.id = u.area_id "
            "WHERE u.role IN ('member', 'leader')"
        )
        households: dict[int, list[uuid.UUID]] = {}
        for row in await connection.fetch("SELECT id, area_id FROM households"):
            households.setdefault(row["area_id"], []).append(row["id"])
        members = [m for m in members if households.get(m["area_id"])]
        base = datetime(2025, 1, 1, tzinfo=UTC)
        answers = json.dumps(ANSWERS)
        started = time.perf_counter()
        batch: list[tuple] = []
        columns = ["id", "form_id", "form_version", "household_id", "submitted_by", "team_id", "area_id",
                   "area_path", "started_at", "finished_at", "received_at", "lat", "lon", "accuracy_m",
                   "is_mock", "answers", "app_name", "app_version", "payload_hash", "status", "skill_level",
                   "review_status"]
        for n in range(total):
            member = members[n % len(members)]
            village = households[member["area_id"]]
            finished = base + timedelta(seconds=n * 30)
            batch.append((
                uuid.uuid4(), FORM_ID, FORM_VERSION, village[n % len(village)], member["id"], member["team_id"],
                member["area_id"], member["path"], finished - timedelta(minutes=5), finished, finished,
                19.9, 105.4, 8.0, False, answers, "bench", "1", f"{n:064x}", "complete", 2, "pending",
            ))
            if len(batch) == 50_000:
                await connection.copy_records_to_table("visits", records=batch, columns=columns)
                batch.clear()
        if batch:
            await connection.copy_records_to_table("visits", records=batch, columns=columns)
        # Settle as a database holding a year of field work would be: the bulk load's dead-tuple and
        # visibility work done (else autovacuum starts mid-measurement) and its dirty pages written.
        await connection.execute("VACUUM (ANALYZE) visits")
        await connection.execute("CHECKPOINT")
        return time.perf_counter() - started
    finally:
        await connection.close()


async def village_pairs(database: str, creds: dict, per_member: int = 200) -> list[tuple[str, str, float, float]]:
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    try:
        pairs = []
        for member in [m for m in creds["members"] if m["role"] == "member"][:8]:
            rows = await connection.fetch(
                "SELECT h.id, coalesce(h.lat, a.lat) AS lat, coalesce(h.lon, a.lon) AS lon FROM households h "
                "JOIN areas a ON a.id = h.area_id WHERE a.code = $1 AND h.status = 'active' LIMIT $2",
                member["area_code"], per_member,
            )
            pairs += [(member["token"], str(r["id"]), r["lat"] or 19.9, r["lon"] or 105.4) for r in rows]
        return pairs
    finally:
        await connection.close()


def photo_cost(samples: list[bytes]) -> tuple[float, float]:
    from storage.photos import floor_cost, process_photo

    floors, costs = [], []
    for _ in range(5):
        for data in samples:
            floors.append(floor_cost(data))
            started = time.perf_counter()
            process_photo(data)
            costs.append(time.perf_counter() - started)
    return statistics.median(floors), statistics.median(costs)


def report(name: str, value: float, unit: str, floor: float, higher_is_better: bool = True) -> None:
    ratio = value / floor if higher_is_better else floor / value
    verdict = "meets" if ratio >= 1 else "BELOW"
    print(f"{name:<44} {value:10.2f} {unit:<10} floor {floor:g}  ratio {ratio:.2f}  {verdict}", flush=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--skip-photos", action="store_true")
    parser.add_argument("--skip-json", action="store_true", help="only the photo phases (implies --stored 0)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2

    database = "gocua_bench"
    admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    admin(f"CREATE DATABASE {database}")
    workdir = Path(tempfile.mkdtemp(prefix="gocua-bench-"))
    env = {**os.environ, "GOCUA_DATA_DIR": str(workdir),
           "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}"}
    run(["gocua", "migrate"], env)
    run(["gocua", "demo-seed", "--scale", "small", "--out", str(workdir / "creds.json")], env)
    for form in sorted((Path(__file__).parent.parent / "forms" / "bundled").glob("*.json")):
        run(["gocua", "forms", "publish", str(form)], env)
    creds = json.loads((workdir / "creds.json").read_text())
    pairs = asyncio.run(village_pairs(database, creds))
    json_script = workdir / "json.lua"
    lua_json_visits(pairs, json_script)
    json_script.write_text(json_script.read_text() + LUA_JSON_REQUEST)

    print(f"server: gocua serve --workers 1 on PostgreSQL; wrk -c{args.connections} for {args.seconds} s each")
    if not args.skip_json:
        server = Server(env)
        try:
            wrk(server.url, json_script, 3, args.connections)  # warm-up: caches, connection pool
            rate, statuses, latency = wrk(server.url, json_script, args.seconds, args.connections)
            fresh = good_rate(rate, statuses)
            print(f"  statuses {statuses}; {latency}")
            report("JSON visits/s, fresh database", fresh, "visits/s", JSON_FLOOR)
        finally:
            server.stop()

    if args.stored and not args.skip_json:
        seconds = asyncio.run(bulk_visits(database, args.stored))
        print(f"  bulk-loaded {args.stored:,} visits in {seconds:.1f} s")
        server = Server(env)
        try:
            wrk(server.url, json_script, 3, args.connections)
            rate, statuses, latency = wrk(server.url, json_script, args.seconds, args.connections)
            stored = good_rate(rate, statuses)
            print(f"  statuses {statuses}; {latency}")
            report(f"JSON visits/s, {args.stored:,} stored", stored, "visits/s", JSON_FLOOR)
            report(f"  … as a share of the fresh rate", stored / fresh, "×", STORED_FLOOR_RATIO)
        finally:
            server.stop()

    if not args.skip_photos:
        photos = [phone_jpeg(0), phone_jpeg(7)]
        for index, data in enumerate(photos):
            (workdir / f"photo{index}.jpg").write_bytes(data)
        sizes = ", ".join(f"{len(p) / 1e6:.1f} MB" for p in photos)
        photo_script = workdir / "photos.lua"
        lua_json_visits(pairs, photo_script)
        photo_script.write_text(
            photo_script.read_text()
            + LUA_PHOTO_REQUEST.replace("__PHOTO_A__", str(workdir / "photo0.jpg"))
            .replace("__PHOTO_B__", str(workdir / "photo1.jpg"))
        )
        server = Server(env)
        try:
            connections = 8
            wrk(server.url, photo_script, 3, connections)
            rate, statuses, latency = wrk(server.url, photo_script, args.seconds, connections)
            print(f"  two 4000×3000 JPEGs per visit ({sizes}); statuses {statuses}; {latency}")
            report("visits/s with two 12 MP photos", good_rate(rate, statuses), "visits/s", PHOTO_FLOOR)
        finally:
            server.stop()
        floor, cost = photo_cost(photos)
        print(f"  photo: floor {floor * 1000:.1f} ms, process_photo {cost * 1000:.1f} ms")
        report("photo cost vs bare Pillow floor", cost / floor, "×", PHOTO_COST_CEILING, higher_is_better=False)

    shutil.rmtree(workdir, ignore_errors=True)
    admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
