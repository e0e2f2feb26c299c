"""R6, short profile: bench/soak.py's 50 phones for ~20 s against the real server, with zero errors.

The full run (10 minutes, RSS flat within 10 % after warm-up) is a documented command: docs/reliability.md.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_fifty_phones_for_twenty_seconds_without_an_error(database_url: str, tmp_path: Path):
    out = tmp_path / "soak.json"
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench" / "soak.py"),
            "--minutes",
            "0.33",
            "--phones",
            "50",
            "--database-url",
            database_url,
            "--json",
            str(out),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    assert out.exists(), done.stdout + done.stderr
    result = json.loads(out.read_text())
    assert result["error_count"] == 0, result["errors"]
    # The phones really were in flight together. How many at once depends on how fast the server answers
    # (8–30 seen here with realistic pacing); several at once is what shows the requests overlapped.
    assert result["max_in_flight"] >= 4
    endpoints = result["endpoints"]
    assert set(endpoints) == {"sync", "form", "visit", "photo"}
    assert endpoints["visit"]["requests"] >= 20 and result["visits"] >= 20
    assert endpoints["photo"]["statuses"].get("201", 0) >= 20
    # Memory is sampled while the phones work (flatness is judged on the 10-minute run).
    assert len(result["rss_mb"]) >= 5
    assert max(rss for _, rss in result["rss_mb"]) < 1024
