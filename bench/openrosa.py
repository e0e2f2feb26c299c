"""OpenRosa (ODK Collect) submissions against the JSON visit path with the same answers, alternated in one run.

    python bench/openrosa.py                       # both comparisons, 2 rounds each
    python bench/openrosa.py --seconds 20 --rounds 3 --skip-photos

On PostgreSQL (`small` demo), `gocua serve --workers 1`, one server for the whole run. Each comparison alternates
the two paths (JSON, OpenRosa, JSON, OpenRosa, …) against the same server and database:
1. without photos: `POST /api/v1/visits` (JSON, group-committed) against `POST /openrosa/key/{token}/submission`
   (multipart with the instance XML Collect would save for the same answers); floor: OpenRosa ≥ 0.8× JSON;
2. with one 1.6 MP photo (1460×1095, what the form's max-pixels asks for): the JSON multipart visit (`visit` part +
   `evidence_photos[0]`) against OpenRosa (the XML + the photo named in it); floor ≥ 0.9×.
Every request is a new visit (fresh UUID / instanceID; each photo made unique by a JPEG comment) by a member to a
household of their village, answers from bench/visits.py's pool. The client is Python (asyncio + httpx over
`--connections` connections) on the same 2 cores as the server, so the figure is requests/s the server answered
201 while sharing the machine with its client; the server's CPU time per visit (from /proc) is printed too.
Raw output: bench/results/openrosa-*.json.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
from harness import Server
from visits import (
    FORM_ID,
    FORM_VERSION,
    answer_variants,
    cpu_seconds,
    phone_photo,
    prepare_database,
    report,
    village_pairs,
)

sys.path.insert(0, str(Path(__file__).parent.parent))

from forms import load_definition  # noqa: E402
from forms.bundled import bundled_form_paths  # noqa: E402
from tests.openrosa.support import instance_xml  # noqa: E402

PLAIN_FLOOR = 0.8
PHOTO_FLOOR = 0.9
BOUNDARY = "gocuabench7d1f"
PHOTO_NAME = "1733400000000.jpg"


class Clock:
    """Each visit finishes 3 s after the previous one, for every path alike (no impossible-travel skew)."""

    def __init__(self) -> None:
        self.now = datetime.now(UTC) - timedelta(days=20)

    def tick(self) -> tuple[datetime, datetime]:
        self.now += timedelta(seconds=3)
        return self.now - timedelta(minutes=5), self.now


def multipart(parts: list[tuple[str, str | None, str, bytes]]) -> bytes:
    chunks = []
    for name, filename, content_type, data in parts:
        disposition = f'form-data; name="{name}"' + (f'; filename="{filename}"' if filename else "")
        chunks.append(
            f"--{BOUNDARY}\r\nContent-Disposition: {disposition}\r\nContent-Type: {content_type}\r\n\r\n".encode()
            + data
            + b"\r\n"
        )
    return b"".join(chunks) + f"--{BOUNDARY}--\r\n".encode()


def unique(photo: bytes) -> bytes:
    """The same picture, a different file: a JPEG comment after SOI."""
    comment = uuid.uuid4().bytes
    return photo[:2] + b"\xff\xfe" + (len(comment) + 2).to_bytes(2, "big") + comment + photo[2:]


class Requests:
    def __init__(self, pairs: list[tuple[str, str, float, float]], variants: list[dict], photo: bytes) -> None:
        self.pairs, self.variants, self.photo = pairs, variants, photo
        self.definition = load_definition(bundled_form_paths()[0].read_bytes())
        self.clock = Clock()
        self.count = 0

    def _next(self) -> tuple[str, str, dict[str, Any], datetime, datetime]:
        self.count += 1
        token, household, lat, lon = self.pairs[self.count % len(self.pairs)]
        answers = dict(self.variants[self.count % len(self.variants)])
        answers["location"] = {"lat": lat, "lon": lon, "accuracy_m": 8.0}
        started, finished = self.clock.tick()
        return token, household, answers, started, finished

    def json_visit(self, with_photo: bool) -> tuple[str, bytes, dict[str, str]]:
        token, household, answers, started, finished = self._next()
        location = answers["location"]
        body = json.dumps(
            {
                "id": str(uuid.uuid4()),
                "form_id": FORM_ID,
                "form_version": FORM_VERSION,
                "household_id": household,
                "started_at": started.isoformat(),
                "finished_at": finished.isoformat(),
                "location": {**location, "captured_at": finished.isoformat()},
                "answers": answers,
                "app": {"name": "bench", "version": "1"},
            },
            ensure_ascii=False,
        ).encode()
        headers = {"Authorization": f"Bearer {token}"}
        if not with_photo:
            return "/api/v1/visits", body, {**headers, "Content-Type": "application/json"}
        content = multipart(
            [
                ("visit", None, "application/json", body),
                ("evidence_photos[0]", "photo.jpg", "image/jpeg", unique(self.photo)),
            ]
        )
        return "/api/v1/visits", content, {**headers, "Content-Type": f"multipart/form-data; boundary={BOUNDARY}"}

    def openrosa_visit(self, with_photo: bool) -> tuple[str, bytes, dict[str, str]]:
        token, household, answers, started, finished = self._next()
        xml = instance_xml(
            self.definition,
            answers,
            household=household,
            started=started,
            finished=finished,
            photos={"evidence_photos": [PHOTO_NAME]} if with_photo else None,
        )
        parts = [("xml_submission_file", "submission.xml", "text/xml", xml)]
        if with_photo:
            parts.append((PHOTO_NAME, PHOTO_NAME, "image/jpeg", unique(self.photo)))
        headers = {"Content-Type": f"multipart/form-data; boundary={BOUNDARY}", "X-OpenRosa-Version": "1.0"}
        return f"/openrosa/key/{token}/submission?deviceID=collect:BENCH", multipart(parts), headers


async def load(
    url: str, make: Callable[[], tuple[str, bytes, dict[str, str]]], seconds: float, connections: int
) -> dict[str, Any]:
    statuses: dict[int, int] = {}
    failure = ""
    limits = httpx.Limits(max_connections=connections, max_keepalive_connections=connections)
    async with httpx.AsyncClient(base_url=url, timeout=120, limits=limits) as client:
        deadline = time.monotonic() + seconds

        async def worker() -> None:
            nonlocal failure
            while time.monotonic() < deadline:
                path, content, headers = make()
                response = await client.post(path, content=content, headers=headers)
                statuses[response.status_code] = statuses.get(response.status_code, 0) + 1
                if response.status_code not in (200, 201):
                    failure = f"{response.status_code} {response.text[:300]}"

        started = time.monotonic()
        await asyncio.gather(*(worker() for _ in range(connections)))
        elapsed = time.monotonic() - started
    ok = statuses.get(200, 0) + statuses.get(201, 0)
    return {"ok_per_s": ok / elapsed, "statuses": statuses, "seconds": elapsed, "last_failure": failure}


def phase(server: Server, name: str, make: Callable, args: argparse.Namespace) -> dict[str, Any]:
    asyncio.run(load(server.url, make, 2, args.connections))  # warm-up
    before = cpu_seconds(server.process.pid)
    result = asyncio.run(load(server.url, make, args.seconds, args.connections))
    ok = result["statuses"].get(200, 0) + result["statuses"].get(201, 0)
    result["server_cpu_ms_per_visit"] = 1000 * (cpu_seconds(server.process.pid) - before) / max(ok, 1)
    print(
        f"  {name:<28} {result['ok_per_s']:8.1f} visits/s  server CPU {result['server_cpu_ms_per_visit']:.2f} ms/visit"
        f"  {result['statuses']}" + (f"  last failure: {result['last_failure']}" if result["last_failure"] else ""),
        flush=True,
    )
    return result


def compare(server: Server, requests: Requests, with_photo: bool, args: argparse.Namespace) -> dict[str, Any]:
    rounds: list[dict[str, Any]] = []
    for _ in range(args.rounds):
        rounds.append(
            {
                "json": phase(server, "JSON" + (" + photo" if with_photo else ""), lambda: requests.json_visit(with_photo), args),
                "openrosa": phase(
                    server, "OpenRosa" + (" + photo" if with_photo else ""), lambda: requests.openrosa_visit(with_photo), args
                ),
            }
        )
    json_rate = sum(r["json"]["ok_per_s"] for r in rounds) / len(rounds)
    openrosa_rate = sum(r["openrosa"]["ok_per_s"] for r in rounds) / len(rounds)
    return {"rounds": rounds, "json_per_s": json_rate, "openrosa_per_s": openrosa_rate, "ratio": openrosa_rate / json_rate}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--skip-photos", action="store_true")
    args = parser.parse_args()
    workdir = Path(tempfile.mkdtemp(prefix="gocua-bench-openrosa-"))
    database = "gocua_bench_openrosa"
    env, creds = prepare_database(database, "small", workdir)
    pairs = asyncio.run(village_pairs(database, creds))
    requests = Requests(pairs, answer_variants(), phone_photo(1))
    results: dict[str, Any] = {
        "when": datetime.now(UTC).isoformat(),
        "setup": f"gocua serve --workers 1, PostgreSQL, small demo; Python client, {args.connections} connections, "
        f"{args.seconds:g} s per phase, {args.rounds} rounds alternated",
    }
    server = Server(env)
    try:
        print("without photos (alternated):", flush=True)
        results["plain"] = compare(server, requests, False, args)
        if not args.skip_photos:
            print("with one 1.6 MP photo (alternated):", flush=True)
            results["photo"] = compare(server, requests, True, args)
    finally:
        server.stop()
    plain = results["plain"]
    report("OpenRosa / JSON visits/s, no photo", plain["ratio"], "×", PLAIN_FLOOR)
    if "photo" in results:
        report("OpenRosa / multipart visits/s, one photo", results["photo"]["ratio"], "×", PHOTO_FLOOR)
    out = Path(__file__).parent / "results" / f"openrosa-{datetime.now(UTC):%Y%m%d-%H%M%S}.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"raw: {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
