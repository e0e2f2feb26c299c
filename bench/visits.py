"""Visit submission throughput on PostgreSQL, one server worker, measured with wrk, as the field sends them.

    python bench/visits.py                                # all phases, figures vs the issue's floors
    python bench/visits.py --baseline /tmp/gocua-35b6a44  # also the JSON phase against older code, alternated
    python bench/visits.py --stored 200000 --stored-budget-s 300
    python bench/visits.py --skip-photos

Phases (each prints its figure and the ratio against its floor):
1. JSON visits on a fresh database (`small` demo)           floor 1,000 visits/s
   with --baseline DIR: the same requests against the code in DIR (a checkout, e.g. `git archive 35b6a44`),
   servers alternated (base, this, base, this) on the same truncated database; ratio this/base, floor 0.9
   and the server's CPU time per visit (from /proc: steadier than requests/s when the machine is shared)
2. whole visits: the JSON visit, then the PUT of its photo (1.6 MP, what the form asks phones to send) that
   completes it; the figure counts visits that reached `complete`
3. the `district` demo (60,000 households) with --stored visits written through the service's own write path
   (`write_path.VisitWriter`: row builder, predecessor rule, flags, first fixes), then JSON visits there;
   floor 90 % of phase 1. If writing takes longer than --stored-budget-s, it stops there and says so.
4. visits with two 12 MP JPEG photos (multipart)            floor 35 visits/s
5. photo CPU cost against the bare Pillow floor             floor ≤ 1.3×, with the derivative sizes produced

Every request is a NEW visit (a fresh UUID; in the photo phases a unique comment segment in each JPEG so photos
are new objects too) from members to households of their village. Answers vary: a pool of valid answer sets
covers every question type of the bundled form (integer, boolean, select_one, select_multiple, text, geopoint)
with its relevant branches taken and not (no smartphone → no mobile-data question, no school children → no
school-app question, follow-up → its reason). The server is `gocua serve --workers 1` (granian) with the local
object store; wrk and the server share the machine's 2 cores (and, here, other people's work: a shared
machine). Needs wrk (`apt-get install wrk`) and PostgreSQL on 127.0.0.1:5432. Raw output: bench/results/.
"""

from __future__ import annotations

import argparse
import asyncio
import io
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import psycopg
from harness import Server, pg_admin, run, unique_database
from PIL import Image

FORM_ID = "household-digital-skills"
BUNDLED_FORM = Path(__file__).parent.parent / "forms" / "bundled" / "household_digital_skills_v2.json"
FORM_VERSION = json.loads(BUNDLED_FORM.read_text())["version"]
JSON_FLOOR = 1000.0
BASELINE_FLOOR_RATIO = 0.9
STORED_FLOOR_RATIO = 0.9
PHOTO_FLOOR = 35.0
PHOTO_COST_CEILING = 1.3
RESULTS = Path(__file__).parent / "results"


def answer_variants(count: int = 48, seed: int = 7) -> list[dict]:
    """Valid answers to the bundled form (without the location, which each request adds), covering every question
    type and each relevant branch taken and not; checked against the form so that none is refused."""
    import random

    from forms.bundled import bundled_form_paths
    from service.registry.services import parse_definition
    from service.visits.answers import evaluate

    form = __import__("forms").compile_form(parse_definition(bundled_form_paths()[0].read_bytes()))
    rng = random.Random(seed)
    variants: list[dict] = []
    worries = ["scam_calls", "personal_data", "lose_money", "fake_apps"]
    guided = ["vneid", "public_services", "email", "cashless", "health_book", "ecommerce", "school_app", "safety"]
    while len(variants) < count:
        n = len(variants)
        members = rng.randint(1, 9)
        smartphone = n % 4 != 3  # one in four households without a smartphone: the mobile-data question hides
        children = 0 if n % 3 == 0 else rng.randint(1, members)  # the school-app question hides without children
        answers: dict = {
            "members": members,
            "elderly_only": members <= 2 and rng.random() < 0.5,
            "temporary_resident": rng.random() < 0.1,
            "school_children": children,
            "has_smartphone": smartphone,
            "has_email": smartphone and rng.random() < 0.3,
            "vneid_level": rng.choice(["none", "level1", "level2"]),
            "public_services": rng.choice(["never", "with_help", "self"]),
            "cashless": rng.random() < 0.6,
            "health_book": rng.random() < 0.4,
            "ecommerce": rng.choice(["no", "buy", "sell"]),
            "data_worries": ["none"] if n % 5 == 0 else rng.sample(worries, rng.randint(1, 3)),
            "guided": ["nothing"] if n % 7 == 0 else rng.sample(guided, rng.randint(1, 4)),
            "follow_up": n % 2 == 1,
        }
        if smartphone:
            answers["has_mobile_data"] = rng.random() < 0.8
        if children:
            answers["school_app"] = rng.random() < 0.5
        if answers["follow_up"]:
            answers["follow_up_reason"] = rng.choice(
                [
                    "Hẹn quay lại cài VNeID mức 2 khi con trai về.",
                    "Bà cụ cần hướng dẫn lại cách chuyển khoản.",
                    "Chưa có sổ sức khỏe điện tử, hẹn tuần sau.",
                    "Cần hỗ trợ mở tài khoản ngân hàng số.",
                ]
            )
        checked = dict(answers, location={"lat": 19.9, "lon": 105.4, "accuracy_m": 8})
        if evaluate(form, checked).errors:
            raise RuntimeError(f"bench answers refused by the form: {evaluate(form, checked).errors}")
        variants.append(answers)
    return variants


def lua_json_visits(pairs: list[tuple[str, str, float, float]], path: Path, variants: list[dict]) -> None:
    """A wrk script: each request is a new visit by one of the members to one of their households."""
    rows = ",\n".join(f'{{"{t}", "{h}", {lat}, {lon}}}' for t, h, lat, lon in pairs)
    pool = ",\n".join("[==[" + json.dumps(v, ensure_ascii=False)[:-1] + "]==]" for v in variants)
    path.write_text(
        LUA_COMMON.replace("__ROWS__", rows)
        + f"""
local answer_pool = {{
{pool}
}}
-- Each wrk run continues after the previous one (BENCH_CLOCK_START), so every member's visits arrive in
-- time order as from one phone; restarting the clock each run made every later visit look sent out of order.
local clock = tonumber(os.getenv("BENCH_CLOCK_START"))
local visits_made = 0
function visit_json(row)
  local id = uuid4()
  -- Each visit finishes a few seconds after the previous one of this script: real, distinct times.
  clock = clock + 3
  visits_made = visits_made + 1
  local answers = answer_pool[(visits_made % #answer_pool) + 1]
  local finished = os.date("!%Y-%m-%dT%H:%M:%SZ", clock)
  local started = os.date("!%Y-%m-%dT%H:%M:%SZ", clock - 300)
  local location = string.format('{{"lat":%.6f,"lon":%.6f,"accuracy_m":8}}', row[3], row[4])
  return id, string.format('{{"id":"%s","form_id":"{FORM_ID}","form_version":"{FORM_VERSION}","household_id":"%s",' ..
    '"started_at":"%s","finished_at":"%s","location":{{"lat":%.6f,"lon":%.6f,"accuracy_m":8,' ..
    '"captured_at":"%s"}},"answers":' .. answers .. ',"location":' .. location .. '}},' ..
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


LUA_WHOLE_VISIT = """
-- A whole visit as a phone sends it: the JSON first, then (once it is acknowledged) the photo that completes it.
local photo = io.open("__PHOTO__", "rb"):read("*a")
local posted = {}   -- visit id -> token, until its answer arrives
local pending = {}  -- acknowledged visits awaiting their photo: {token, id}
function unique_jpeg(photo, tag)
  local comment = tag .. string.rep(" ", 36 - #tag)
  return photo:sub(1, 2) .. "\\255\\254\\0\\38" .. comment .. photo:sub(3)
end
function init(args) ok = 0; failed = 0; complete = 0; last_failure = "" end
function request()
  if #pending > 0 then
    local item = table.remove(pending, 1)
    return wrk.format("PUT", "/api/v1/visits/" .. item[2] .. "/photos/evidence_photos/0",
      {["Authorization"] = "Bearer " .. item[1], ["Content-Type"] = "image/jpeg"},
      unique_jpeg(photo, item[2]:sub(1, 18) .. "p"))
  end
  local row = next_row()
  local id, body = visit_json(row)
  posted[id] = row[1]
  return wrk.format("POST", "/api/v1/visits", {["Authorization"] = "Bearer " .. row[1],
    ["Content-Type"] = "application/json"}, body)
end
function response(status, headers, body)
  if status == 200 or status == 201 then ok = ok + 1 else
    failed = failed + 1
    last_failure = status .. " " .. string.sub(body or "", 1, 300)
  end
  local id = body and body:match('^{"id":"([^"]+)"')
  if id and posted[id] then
    if status == 201 then table.insert(pending, {posted[id], id}) end
    posted[id] = nil
  elseif id and status == 201 and body:find('"status":"complete"', 1, true) then
    complete = complete + 1
  end
end
function done(summary, latency, requests)
  for _, t in ipairs(threads) do
    io.write(string.format("answers ok %d failed %d\\n", t:get("ok"), t:get("failed")))
    io.write(string.format("whole visits %d\\n", t:get("complete")))
    if t:get("failed") > 0 then io.write("last failure: " .. t:get("last_failure") .. "\\n") end
  end
end
"""

_RUNS = iter(range(1_000))
_CLOCK_BASE = int(time.time()) - 60 * 86400


def wrk(url: str, script: Path, seconds: int, connections: int) -> tuple[float, dict, str]:
    rate, statuses, latency, _ = wrk_run(url, script, seconds, connections)
    return rate, statuses, latency


def wrk_run(url: str, script: Path, seconds: int, connections: int) -> tuple[float, dict, str, str]:
    """(requests/s, statuses, latency summary, wrk's output)."""
    # Visit times advance 3 s per request: 2 days per run covers ~57,000 requests.
    clock = {"BENCH_CLOCK_START": str(_CLOCK_BASE + next(_RUNS) * 2 * 86400)}
    output = subprocess.run(
        ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "-s", str(script), url + "/api/v1/visits"],
        check=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        env={**os.environ, **clock},
    ).stdout
    if re.search(r"answers ok (\d+) failed (\d+)", output) is None:
        raise RuntimeError(f"wrk said:\n{output}")
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    counts = re.search(r"answers ok (\d+) failed (\d+)", output)
    statuses: dict = {"ok": int(counts.group(1)), "failed": int(counts.group(2))}
    whole = re.search(r"whole visits (\d+)", output)
    duration = re.search(r"requests in ([\d.]+)(m?s)", output)
    if whole and duration:
        elapsed = float(duration.group(1)) / (1000 if duration.group(2) == "ms" else 1)
        statuses["whole_visits"] = int(whole.group(1))
        statuses["whole_visits_per_s"] = int(whole.group(1)) / elapsed
    failure = re.search(r"^last failure: (.*)$", output, re.M)
    if failure:
        statuses["last_failure"] = failure.group(1)[:200]
    latency = re.search(r"^\s+50%\s+(\S+).*?^\s+99%\s+(\S+)", output, re.S | re.M)  # not "62.50%"
    return rate, statuses, f"p50 {latency.group(1)}, p99 {latency.group(2)}" if latency else "", output


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


def phone_photo(seed: int) -> bytes:
    """What the form asks phones to send: downscaled to 1.6 MP (1460×1095), photo-like, ~0.3-0.5 MB."""
    fields = Image.effect_noise((60, 45), 60 + seed).convert("RGB").resize((1460, 1095), Image.Resampling.BICUBIC)
    grain = Image.effect_noise((1460, 1095), 10).convert("RGB")
    buffer = io.BytesIO()
    Image.blend(fields, grain, 0.25).save(buffer, "JPEG", quality=88)
    return buffer.getvalue()


async def write_stored_visits(url: str, total: int, budget_s: float, variants: list[dict]) -> tuple[int, float, int]:
    """Writes up to `total` visits through the service's own write path (`VisitWriter.write`, 1,000 a batch):
    the row builder, the predecessor rule, the flags, the households' first fixes — as a year of field work
    would have left them. Stops after `budget_s`. Returns (visits written, seconds, flags written)."""
    import random

    import msgspec
    from sqlalchemy import text

    from forms.bundled import bundled_form_paths
    from service.auth.actor import Actor, Role
    from service.db.engine import create_engine
    from service.registry.services import parse_definition
    from service.settings import Settings
    from service.visits.answers import evaluate
    from service.visits.evidence_rules import Fix
    from service.visits.households import Destination
    from service.visits.predecessors import is_first_fix
    from service.visits.services import decode_submission
    from service.visits.write_path import CheckedVisit, VisitWriter

    form = __import__("forms").compile_form(parse_definition(bundled_form_paths()[0].read_bytes()))
    engine = create_engine(url, pool_size=2)
    writer = VisitWriter(Settings(database_url=url))
    rng = random.Random(2024)
    async with engine.connect() as connection:
        members = (
            await connection.execute(
                text(
                    "SELECT u.id, u.username, u.full_name, u.role, u.team_id, u.area_id, a.path FROM users u "
                    "JOIN areas a ON a.id = u.area_id WHERE u.role IN ('member', 'leader') ORDER BY u.id"
                )
            )
        ).all()
        homes: dict[int, list] = {}
        for row in await connection.execute(
            text(
                "SELECT h.id, h.lat, h.lon, h.area_id, a.path, a.lat AS village_lat, a.lon AS village_lon "
                "FROM households h JOIN areas a ON a.id = h.area_id WHERE h.status = 'active'"
            )
        ):
            homes.setdefault(row.area_id, []).append(row)
        await connection.rollback()
    members = [m for m in members if homes.get(m.area_id)]
    actors = [
        Actor(
            user_id=m.id,
            username=m.username,
            full_name=m.full_name,
            role=Role(m.role),
            team_id=m.team_id,
            area_id=m.area_id,
            area_path=m.path,
            via="device",
        )
        for m in members
    ]
    located: dict = {}
    base = datetime(2025, 1, 1, tzinfo=UTC)
    started = time.perf_counter()
    written = flags = 0
    batch_size = 1000
    try:
        while written < total and time.perf_counter() - started < budget_s:
            items = []
            for n in range(written, min(total, written + batch_size)):
                actor = actors[n % len(actors)]
                home = rng.choice(homes[actor.area_id])
                spot = located.get(home.id) or (
                    (home.lat, home.lon)
                    if home.lat is not None
                    else (home.village_lat or 19.9, home.village_lon or 105.4)
                )
                roll = rng.random()
                north = rng.gauss(0, 25) if roll > 0.04 else rng.uniform(400, 3000)  # 4 % far from the house
                accuracy = 8.0 if roll < 0.97 else 80.0  # 3 % low accuracy
                lat, lon = spot[0] + north / 111_195, spot[1] + rng.gauss(0, 25) / 104_600
                finished = base + timedelta(seconds=n * 30)
                body = {
                    "id": str(uuid.uuid4()),
                    "form_id": FORM_ID,
                    "form_version": FORM_VERSION,
                    "household_id": str(home.id),
                    "started_at": (finished - timedelta(minutes=12)).isoformat(),
                    "finished_at": finished.isoformat(),
                    "location": {
                        "lat": lat,
                        "lon": lon,
                        "accuracy_m": accuracy,
                        "is_mock": roll > 0.995,
                        "captured_at": finished.isoformat(),
                    },
                    "answers": {
                        **variants[n % len(variants)],
                        "location": {"lat": lat, "lon": lon, "accuracy_m": accuracy},
                    },
                    "app": {"name": "bench", "version": "1"},
                }
                submission, digest = decode_submission(msgspec.json.encode(body))
                evaluation = evaluate(form, submission.answers)
                location = submission.location
                items.append(
                    CheckedVisit(
                        actor=actor,
                        submission=submission,
                        digest=digest,
                        rules=evaluation.photo_rules,
                        skill_level=evaluation.level,
                        fix=Fix(location.lat, location.lon, location.accuracy_m, location.is_mock),
                        accuracy_threshold_m=form.geopoint_threshold,
                        destination=Destination(
                            home.id, *(located.get(home.id) or (home.lat, home.lon)), home.area_id, home.path
                        ),
                    )
                )
            async with engine.begin() as connection:
                for visit in await writer.write(connection, items):
                    assert visit is not None
                    flags += len(visit.flags)
                    destination, fix = visit.item.destination, visit.item.fix
                    if fix is not None and is_first_fix(destination.location, fix, form.geopoint_threshold):
                        located.setdefault(destination.household_id, (fix.lat, fix.lon))
            written += len(items)
        seconds = time.perf_counter() - started
        raw = await asyncpg.connect(url.replace("postgresql+asyncpg://", "postgresql://"))
        try:  # settle as a database holding a year of field work would be (no autovacuum mid-measurement)
            await raw.execute("VACUUM (ANALYZE) visits")
            await raw.execute("VACUUM (ANALYZE) visit_flags")
            await raw.execute("CHECKPOINT")
        finally:
            await raw.close()
    finally:
        await engine.dispose()
    return written, seconds, flags


async def village_pairs(database: str, creds: dict, per_member: int = 200) -> list[tuple[str, str, float, float]]:
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    try:
        pairs = []
        for member in [m for m in creds["members"] if m["role"] == "member"][:8]:
            rows = await connection.fetch(
                "SELECT h.id, coalesce(h.lat, a.lat) AS lat, coalesce(h.lon, a.lon) AS lon FROM households h "
                "JOIN areas a ON a.id = h.area_id WHERE a.code = $1 AND h.status = 'active' LIMIT $2",
                member["area_code"],
                per_member,
            )
            pairs += [(member["token"], str(r["id"]), r["lat"] or 19.9, r["lon"] or 105.4) for r in rows]
        return pairs
    finally:
        await connection.close()


def photo_cost(samples: list[bytes]) -> tuple[float, float, list[str]]:
    """(median floor s, median process_photo s, the derivative sizes process_photo made of each sample)."""
    from storage.photos import floor_cost, process_photo

    derivatives = []
    for data in samples:
        processed = process_photo(data)
        large = Image.open(io.BytesIO(processed.large_jpeg)).size
        thumb = Image.open(io.BytesIO(processed.thumb_jpeg)).size
        derivatives.append(
            f"{processed.width}×{processed.height} → large {large[0]}×{large[1]}, thumb {thumb[0]}×{thumb[1]}"
        )
    floors, costs = [], []
    for _ in range(5):
        for data in samples:
            floors.append(floor_cost(data))
            started = time.perf_counter()
            process_photo(data)
            costs.append(time.perf_counter() - started)
    return statistics.median(floors), statistics.median(costs), derivatives


def report(name: str, value: float, unit: str, floor: float, higher_is_better: bool = True) -> None:
    ratio = value / floor if higher_is_better else floor / value
    verdict = "meets" if ratio >= 1 else "BELOW"
    print(f"{name:<44} {value:10.2f} {unit:<10} floor {floor:g}  ratio {ratio:.2f}  {verdict}", flush=True)


def prepare_database(database: str, scale: str, workdir: Path) -> tuple[dict[str, str], dict]:
    pg_admin(f"CREATE DATABASE {database}")  # a unique name (unique_database): never one another run uses
    env = {
        **os.environ,
        "GOCUA_DATA_DIR": str(workdir / database),
        "GOCUA_DATABASE_URL": f"postgresql+asyncpg://postgres@127.0.0.1:5432/{database}",
        "PYTHONPATH": str(Path(__file__).parent.parent.resolve()),
    }
    (workdir / database).mkdir(parents=True, exist_ok=True)
    run(["gocua", "migrate"], env)
    run(["gocua", "demo-seed", "--scale", scale, "--out", str(workdir / f"{database}.json")], env)
    for form in sorted((Path(__file__).parent.parent / "forms" / "bundled").glob("*.json")):
        run(["gocua", "forms", "publish", str(form)], env)
    return env, json.loads((workdir / f"{database}.json").read_text())


def schema_for(env: dict[str, str], code: Path | None) -> None:
    """Migrates the bench database to the head of `code`'s migrations (a checkout), or of this checkout's."""
    from alembic import command
    from alembic.script import ScriptDirectory

    from service.db.engine import alembic_config

    config = alembic_config(env["GOCUA_DATABASE_URL"])
    if code is None:
        command.upgrade(config, "head")
        return
    config.set_main_option("script_location", str(code / "migrations"))
    head = ScriptDirectory.from_config(config).get_current_head()
    config.set_main_option("script_location", str(Path(__file__).parent.parent / "migrations"))
    command.downgrade(config, head or "base")


def cpu_seconds(root: int) -> float:
    """CPU time (user + system) used so far by a process and all its descendants (the server's workers), from
    /proc: unlike requests/s, it hardly moves when other work shares the machine."""
    children: dict[int, list[int]] = {}
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        children.setdefault(int(fields[1]), []).append(int(stat.parent.name))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        todo.extend(children.get(pid, []))
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def json_phase(env: dict[str, str], script: Path, args: argparse.Namespace, code: Path | None = None) -> dict:
    server = Server(env, code)
    try:
        wrk(server.url, script, 3, args.connections)  # warm-up: caches, connection pool
        before = cpu_seconds(server.process.pid)
        rate, statuses, latency, output = wrk_run(server.url, script, args.seconds, args.connections)
        used = cpu_seconds(server.process.pid) - before
    finally:
        server.stop()
    cpu_ms = 1000 * used / max(statuses["ok"], 1)
    return {
        "visits_per_s": good_rate(rate, statuses),
        "statuses": statuses,
        "latency": latency,
        "wrk": output,
        "server_cpu_ms_per_visit": cpu_ms,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--stored", type=int, default=1_000_000)
    parser.add_argument(
        "--stored-budget-s",
        type=float,
        default=600.0,
        help="stop writing stored visits after this long (the count reached is reported)",
    )
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--baseline", type=Path, help="a checkout of older code to compare the JSON phase with")
    parser.add_argument("--rounds", type=int, default=2, help="alternations of baseline and this code")
    parser.add_argument("--skip-photos", action="store_true")
    parser.add_argument("--skip-json", action="store_true", help="only the photo phases (implies --stored 0)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        print("wrk is needed: apt-get install wrk", file=sys.stderr)
        return 2
    results: dict = {
        "started": datetime.now(UTC).isoformat(),
        "machine": machine(),
        "args": {k: str(v) for k, v in vars(args).items()},
        "note": "2-core machine shared with other work while measuring",
    }
    workdir = Path(tempfile.mkdtemp(prefix="gocua-bench-"))
    variants = answer_variants()
    database = unique_database("gocua_bench")
    env, creds = prepare_database(database, "small", workdir)
    pairs = asyncio.run(village_pairs(database, creds))
    json_script = workdir / "json.lua"
    lua_json_visits(pairs, json_script, variants)
    json_script.write_text(json_script.read_text() + LUA_JSON_REQUEST)

    print(
        f"server: gocua serve --workers 1 on PostgreSQL; wrk -c{args.connections} for {args.seconds} s each; "
        f"{len(variants)} answer sets; machine shared with other work",
        flush=True,
    )
    fresh = 0.0
    if not args.skip_json:
        runs: dict[str, list[dict]] = {"this": [], "baseline": []}
        order = ["baseline", "this"] * args.rounds if args.baseline else ["this"]
        for side in order:
            # Each side on the schema its code knows (the older code refuses a database migrated past its head).
            schema_for(env, args.baseline if side == "baseline" else None)
            # CASCADE: the review history and the assessments refer to visits (and go with them)
            admin_sql(database, "TRUNCATE visit_flags, visit_photos, visits CASCADE")
            phase = json_phase(env, json_script, args, args.baseline if side == "baseline" else None)
            runs[side].append(phase)
            print(
                f"  {side}: {phase['visits_per_s']:.0f} visits/s, server CPU {phase['server_cpu_ms_per_visit']:.3f} "
                f"ms/visit; statuses {phase['statuses']}; {phase['latency']}",
                flush=True,
            )
        fresh = statistics.median(r["visits_per_s"] for r in runs["this"])
        results["json_fresh"] = runs
        report("JSON visits/s, fresh database", fresh, "visits/s", JSON_FLOOR)
        if args.baseline:
            base = statistics.median(r["visits_per_s"] for r in runs["baseline"])
            report(f"  … this code / {args.baseline.name} (medians)", fresh / base, "×", BASELINE_FLOOR_RATIO)
            results["json_vs_baseline"] = fresh / base
            # The steadier comparison on a shared machine: server CPU per visit (lower is better).
            cpu_this = statistics.median(r["server_cpu_ms_per_visit"] for r in runs["this"])
            cpu_base = statistics.median(r["server_cpu_ms_per_visit"] for r in runs["baseline"])
            report(
                f"  … server CPU per visit, {args.baseline.name} / this (medians)",
                cpu_base / cpu_this,
                "×",
                BASELINE_FLOOR_RATIO,
            )
            results["cpu_per_visit_baseline_over_this"] = cpu_base / cpu_this

        photo = phone_photo(3)
        (workdir / "phone.jpg").write_bytes(photo)
        whole_script = workdir / "whole.lua"
        lua_json_visits(pairs, whole_script, variants)
        whole_script.write_text(
            whole_script.read_text() + LUA_WHOLE_VISIT.replace("__PHOTO__", str(workdir / "phone.jpg"))
        )
        server = Server(env)
        try:
            connections = 16
            wrk(server.url, whole_script, 3, connections)
            rate, statuses, latency, output = wrk_run(server.url, whole_script, args.seconds, connections)
        finally:
            server.stop()
        whole = statuses.get("whole_visits_per_s", 0.0)
        print(
            f"  JSON visit + PUT of one {len(photo) / 1e6:.2f} MB 1.6 MP photo each; statuses {statuses}; {latency}",
            flush=True,
        )
        print(f"{'whole visits/s (JSON, then the photo PUT)':<44} {whole:10.2f} visits/s", flush=True)
        results["whole_visit"] = {
            "visits_per_s": whole,
            "photo_bytes": len(photo),
            "statuses": statuses,
            "latency": latency,
            "wrk": output,
            "connections": connections,
        }

    if args.stored and not args.skip_json:
        district = unique_database("gocua_bench_district")
        denv, dcreds = prepare_database(district, "district", workdir)
        url = denv["GOCUA_DATABASE_URL"]
        written, seconds, flags = asyncio.run(write_stored_visits(url, args.stored, args.stored_budget_s, variants))
        rate = written / seconds
        note = (
            ""
            if written >= args.stored
            else (
                f" (stopped at the {args.stored_budget_s:.0f} s budget: {args.stored:,} would take "
                f"~{args.stored / rate / 60:.0f} min)"
            )
        )
        print(
            f"  district: wrote {written:,} visits with {flags:,} flags through VisitWriter in {seconds:.0f} s "
            f"({rate:,.0f} visits/s){note}",
            flush=True,
        )
        dpairs = asyncio.run(village_pairs(district, dcreds))
        dscript = workdir / "district.lua"
        lua_json_visits(dpairs, dscript, variants)
        dscript.write_text(dscript.read_text() + LUA_JSON_REQUEST)
        phase = json_phase(denv, dscript, args)
        stored = phase["visits_per_s"]
        print(f"  statuses {phase['statuses']}; {phase['latency']}")
        report(f"JSON visits/s, district, {written:,} stored", stored, "visits/s", JSON_FLOOR)
        if fresh:
            report("  … as a share of the fresh rate", stored / fresh, "×", STORED_FLOOR_RATIO)
        results["stored"] = {
            "visits_written": written,
            "flags_written": flags,
            "write_seconds": seconds,
            "write_rate": rate,
            "requested": args.stored,
            **phase,
        }
        pg_admin(f"DROP DATABASE IF EXISTS {district} WITH (FORCE)")

    if not args.skip_photos:
        photos = [phone_jpeg(0), phone_jpeg(7)]
        for index, data in enumerate(photos):
            (workdir / f"photo{index}.jpg").write_bytes(data)
        sizes = ", ".join(f"{len(p) / 1e6:.1f} MB" for p in photos)
        photo_script = workdir / "photos.lua"
        lua_json_visits(pairs, photo_script, variants)
        photo_script.write_text(
            photo_script.read_text()
            + LUA_PHOTO_REQUEST.replace("__PHOTO_A__", str(workdir / "photo0.jpg")).replace(
                "__PHOTO_B__", str(workdir / "photo1.jpg")
            )
        )
        server = Server(env)
        try:
            connections = 8
            wrk(server.url, photo_script, 3, connections)
            rate, statuses, latency, output = wrk_run(server.url, photo_script, args.seconds, connections)
        finally:
            server.stop()
        print(f"  two 4000×3000 JPEGs per visit ({sizes}); statuses {statuses}; {latency}")
        report("visits/s with two 12 MP photos", good_rate(rate, statuses), "visits/s", PHOTO_FLOOR)
        floor, cost, derivatives = photo_cost(photos)
        print(f"  photo: floor {floor * 1000:.1f} ms, process_photo {cost * 1000:.1f} ms; derivatives {derivatives}")
        small_floor, small_cost, small_derivatives = photo_cost([phone_photo(3)])
        print(
            f"  the 1.6 MP phone photo of the whole-visit phase: floor {small_floor * 1000:.1f} ms, process_photo "
            f"{small_cost * 1000:.1f} ms; derivatives {small_derivatives}"
        )
        report("photo cost vs bare Pillow floor", cost / floor, "×", PHOTO_COST_CEILING, higher_is_better=False)
        results["photos"] = {
            "visits_per_s": good_rate(rate, statuses),
            "statuses": statuses,
            "latency": latency,
            "wrk": output,
            "floor_ms": floor * 1000,
            "process_photo_ms": cost * 1000,
            "derivatives": derivatives,
            "phone_photo_floor_ms": small_floor * 1000,
            "phone_photo_process_ms": small_cost * 1000,
            "phone_photo_derivatives": small_derivatives,
        }

    shutil.rmtree(workdir, ignore_errors=True)
    pg_admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")
    RESULTS.mkdir(exist_ok=True)
    out = RESULTS / f"visits-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, ensure_ascii=False))
    print(f"raw output: {out}")
    return 0


def admin_sql(database: str, sql: str) -> None:
    with psycopg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}", autocommit=True) as connection:
        connection.execute(sql)


def machine() -> str:
    import platform

    return f"{platform.node()} {platform.machine()} {os.cpu_count()} cores, Python {platform.python_version()}"


if __name__ == "__main__":
    sys.exit(main())
