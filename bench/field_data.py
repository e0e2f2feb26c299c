"""A year of field work in bulk for the tally and export benchmarks: visits, flags and assessments by COPY.

    python bench/field_data.py --database gocua_bench_tallies --visits 1000000

Run it on a `gocua demo-seed --scale province` database with the bundled form published. Visits go to random
households of the member's village (so some households get several, most one, about a third none), with varied
answers (levels 0-3, different indicators), review decisions (60 % approved, 8 % rejected, the rest unreviewed)
and flags on 4 % of them. Assessments are computed with the service's own rule (latest counting visit, scored
by forms.score) and copied in too: loading a million visits through HTTP would take hours.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import random
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import forms
from forms.bundled import bundled_form_paths
from service.assessments.services import indicator_bits

BASE = {
    "members": 4,
    "elderly_only": False,
    "temporary_resident": False,
    "school_children": 1,
    "has_smartphone": True,
    "has_mobile_data": True,
    "has_email": False,
    "vneid_level": "level2",
    "public_services": "with_help",
    "cashless": True,
    "health_book": False,
    "ecommerce": "buy",
    "school_app": True,
    "data_worries": ["scam_calls"],
    "guided": ["email", "health_book"],
    "follow_up": False,
    "location": {"lat": 19.93, "lon": 105.45, "accuracy_m": 8.0},
}
VARIANTS = [  # (weight, overrides)
    (
        14,
        {
            "has_smartphone": False,
            "has_mobile_data": None,
            "cashless": False,
            "vneid_level": "none",
            "public_services": "never",
            "ecommerce": "no",
        },
    ),
    (22, {"vneid_level": "level1", "public_services": "never"}),
    (10, {"vneid_level": "level1", "has_email": True, "health_book": True}),
    (30, {}),
    (8, {"data_worries": ["scam_calls", "personal_data"], "guided": ["vneid"]}),
    (16, {"has_email": True, "public_services": "self", "health_book": True}),
]
FLAG_CODES = ["gps.low_accuracy", "gps.far_from_household", "photo.time_mismatch", "gps.impossible_travel"]
VISIT_COLUMNS = [
    "id",
    "form_id",
    "form_version",
    "household_id",
    "submitted_by",
    "team_id",
    "area_id",
    "area_path",
    "started_at",
    "finished_at",
    "received_at",
    "lat",
    "lon",
    "accuracy_m",
    "is_mock",
    "answers",
    "app_name",
    "app_version",
    "payload_hash",
    "status",
    "skill_level",
    "review_status",
]
ASSESSMENT_COLUMNS = [
    "household_id",
    "form_id",
    "form_version",
    "visit_id",
    "level",
    "indicators",
    "indicator_bits",
    "assessed_at",
    "assessed_by",
    "review_status",
    "area_id",
    "elderly_only",
    "temporary_resident",
    "updated_at",
]


def variants() -> list[tuple[int, str, int | None, dict[str, bool]]]:
    definition = forms.load_definition(bundled_form_paths()[0].read_bytes())
    compiled = forms.compile_form(definition)
    out = []
    for weight, overrides in VARIANTS:
        answers = {k: v for k, v in {**BASE, **overrides}.items() if v is not None}
        problems = forms.validate_answers(definition, answers)
        if problems:
            raise SystemExit(f"bench answers invalid: {problems}")
        score = forms.score(compiled, answers)
        out.append((weight, json.dumps(answers), score.level, dict(score.indicators)))
    return out


async def load(database: str, total: int, seed: int = 7) -> dict[str, float]:
    connection = await asyncpg.connect(f"postgresql://postgres@127.0.0.1:5432/{database}")
    rng = random.Random(seed)
    try:
        form_id = "household-digital-skills"
        # The version the assessments must carry for the tally to read their bits: the one published.
        version = await connection.fetchval(
            "SELECT version FROM form_versions WHERE form_id = $1 ORDER BY id DESC LIMIT 1", form_id
        )
        if version is None:
            raise SystemExit(f"publish {form_id} first")
        members = await connection.fetch(
            "SELECT u.id, u.team_id, u.area_id, a.path FROM users u JOIN areas a ON a.id = u.area_id "
            "WHERE u.role IN ('member', 'leader')"
        )
        households: dict[int, list[uuid.UUID]] = {}
        # What an assessment copies from its household (its village and flags), as the write path does.
        copied: dict[uuid.UUID, tuple[int, bool, bool]] = {}
        for row in await connection.fetch("SELECT id, area_id, elderly_only, temporary_resident FROM households"):
            households.setdefault(row["area_id"], []).append(row["id"])
            copied[row["id"]] = (row["area_id"], row["elderly_only"], row["temporary_resident"])
        members = [m for m in members if households.get(m["area_id"])]
        kinds = variants()
        weights = [k[0] for k in kinds]
        started = time.perf_counter()
        base = datetime(2026, 1, 10, tzinfo=UTC)
        latest: dict[uuid.UUID, tuple] = {}
        visits: list[tuple] = []
        flags: list[tuple] = []
        for n in range(total):
            member = members[n % len(members)]
            village = households[member["area_id"]]
            household = village[rng.randrange(len(village))]
            kind = rng.choices(range(len(kinds)), weights)[0]
            _, answers, level, indicators = kinds[kind]
            finished = base + timedelta(seconds=n * 28 + rng.randrange(600))
            draw = rng.random()
            review = "approved" if draw < 0.6 else ("rejected" if draw < 0.68 else "pending")
            visit_id = uuid.uuid4()
            visits.append(
                (
                    visit_id,
                    form_id,
                    version,
                    household,
                    member["id"],
                    member["team_id"],
                    member["area_id"],
                    member["path"],
                    finished - timedelta(minutes=12),
                    finished,
                    finished,
                    19.9 + rng.random() * 0.4,
                    105.3 + rng.random() * 0.5,
                    5.0 + rng.random() * 20,
                    False,
                    answers,
                    "bench",
                    "1",
                    f"{n:064x}",
                    "complete",
                    level,
                    review,
                )
            )
            if rng.random() < 0.04:
                flags.append((visit_id, FLAG_CODES[rng.randrange(len(FLAG_CODES))], 120.0, "m", None))
            if review != "rejected":
                key = (finished, visit_id)
                current = latest.get(household)
                if current is None or current[0] < key:
                    latest[household] = (key, visit_id, level, indicators, finished, member["id"], review)
            if len(visits) == 50_000:
                await connection.copy_records_to_table("visits", records=visits, columns=VISIT_COLUMNS)
                visits.clear()
        if visits:
            await connection.copy_records_to_table("visits", records=visits, columns=VISIT_COLUMNS)
        await connection.copy_records_to_table(
            "visit_flags", records=flags, columns=["visit_id", "code", "value", "unit", "detail"]
        )
        visits_s = time.perf_counter() - started
        now = datetime.now(UTC)
        encoded = {}
        rows = []
        for household, (_, visit_id, level, indicators, finished, member_id, review) in latest.items():
            text = encoded.setdefault(id(indicators), json.dumps(indicators))
            rows.append(
                (
                    household,
                    form_id,
                    version,
                    visit_id,
                    level,
                    text,
                    indicator_bits(indicators),
                    finished,
                    member_id,
                    review,
                    *copied[household],
                    now,
                )
            )
        # The demo seed's history already assessed some households: the later visit stays each household's
        # assessment, as the write path would keep it.
        await connection.execute("CREATE TEMPORARY TABLE loaded_assessments (LIKE assessments)")
        await connection.copy_records_to_table("loaded_assessments", records=rows, columns=ASSESSMENT_COLUMNS)
        columns = ", ".join(ASSESSMENT_COLUMNS)
        updates = ", ".join(f"{c} = excluded.{c}" for c in ASSESSMENT_COLUMNS if c not in ("household_id", "form_id"))
        await connection.execute(
            f"INSERT INTO assessments ({columns}) SELECT {columns} FROM loaded_assessments "
            f"ON CONFLICT (household_id, form_id) DO UPDATE SET {updates} "
            "WHERE excluded.assessed_at > assessments.assessed_at"
        )
        for table in ("visits", "visit_flags", "assessments", "households"):
            await connection.execute(f"VACUUM (ANALYZE) {table}")
        await connection.execute("CHECKPOINT")
        return {
            "visits": total,
            "flags": len(flags),
            "assessments": len(rows),
            "visits_load_s": round(visits_s, 1),
            "total_s": round(time.perf_counter() - started, 1),
        }
    finally:
        await connection.close()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--database", default="gocua_bench_tallies")
    parser.add_argument("--visits", type=int, default=1_000_000)
    args = parser.parse_args()
    print(json.dumps(asyncio.run(load(args.database, args.visits))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
