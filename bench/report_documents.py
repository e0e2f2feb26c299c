"""The filed report of a district as DOCX and PDF: how long an officer waits for each download.

    python bench/report_documents.py            # seeds the district demo (30 communes, 274 teams) into SQLite

Floors (issue 22): DOCX within 1 s and PDF within 3 s for the district, rendering only (the JSON report is timed
too, for scale). Prints each median (wall clock, and the process's CPU time, which is what an idle server's
wall clock would be on a shared machine) and its ratio to the floor; raw timings go to bench/results/.
"""

from __future__ import annotations

import asyncio
import json
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from service.auth.actor import Actor, Role  # noqa: E402
from service.db.engine import create_engine, migrate, session_factory  # noqa: E402
from service.demo.seed import seed  # noqa: E402
from service.reports import document, docx_writer, pdf_writer, services  # noqa: E402

FLOORS = {"docx": 1.0, "pdf": 3.0}
RUNS = 5


async def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="gocua-bench-report-"))
    url = f"sqlite+aiosqlite:///{folder / 'bench.sqlite3'}"
    await asyncio.to_thread(migrate, url)
    engine = create_engine(url, pool_size=2)
    sessions = session_factory(engine)
    async with sessions() as session:
        result = await seed(session, "district")
        await session.commit()
    admin = Actor(user_id=1, username="admin", full_name="admin", role=Role.ADMIN, team_id=None, area_id=None,
                  area_path=None, via="session")  # fmt: skip
    timings: dict[str, list[float]] = {"json": [], "docx": [], "pdf": []}
    cpu: dict[str, list[float]] = {"docx": [], "pdf": []}
    sizes: dict[str, int] = {}
    for _ in range(RUNS):
        async with sessions() as session:
            started = time.perf_counter()
            report = await services.summary(session, admin, "38", None, None)
            timings["json"].append(time.perf_counter() - started)
        doc = document.build(report, "vi")
        started, cpu_started = time.perf_counter(), time.process_time()
        sizes["docx"] = len(docx_writer.render(doc))
        timings["docx"].append(time.perf_counter() - started)
        cpu["docx"].append(time.process_time() - cpu_started)
        started, cpu_started = time.perf_counter(), time.process_time()
        sizes["pdf"] = len(pdf_writer.render(doc, "vi"))
        timings["pdf"].append(time.perf_counter() - started)
        cpu["pdf"].append(time.process_time() - cpu_started)
    await engine.dispose()
    medians = {name: statistics.median(values) for name, values in timings.items()}
    print(f"district: {result.counts['communes']} communes, {result.counts['activities']} activities")
    for name, value in medians.items():
        floor = FLOORS.get(name)
        ratio = f"  {value / floor:.2f} of the floor ({floor:.1f} s)" if floor else ""
        size = f"  {sizes[name] / 1024:.0f} KB" if name in sizes else ""
        print(f"{name:5s} median {value * 1000:7.0f} ms{size}{ratio}")
        if name in cpu:
            spent = statistics.median(cpu[name])
            print(f"{'':5s} cpu    {spent * 1000:7.0f} ms  {spent / FLOORS[name]:.2f} of the floor")
    out = ROOT / "bench" / "results" / f"report_documents_{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    out.write_text(json.dumps({"counts": result.counts, "timings_s": timings, "cpu_s": cpu, "bytes": sizes}, indent=1))


if __name__ == "__main__":
    asyncio.run(main())
