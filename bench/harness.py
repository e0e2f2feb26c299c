"""What the benchmarks share: a free port, the admin SQL of the local PostgreSQL, database names no other run uses,
and `gocua serve` in a subprocess.

The benchmarks run as scripts (`python bench/NAME.py`), so this folder is on their import path.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path

import psycopg


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def pg_admin(sql: str) -> None:
    with psycopg.connect("postgresql://postgres@127.0.0.1:5432/postgres", autocommit=True) as connection:
        connection.execute(sql)


def unique_database(stem: str) -> str:
    """A database name no other run picks: `stem`, this process id and a short random part.

    Two benchmarks on one PostgreSQL (two helpers, or CI and a developer) each create and drop only their own;
    a fixed name let one run's `DROP DATABASE ... WITH (FORCE)` cut the other's connections mid-measurement.
    Lower case, digits and `_` only, so it needs no quoting in SQL.
    """
    return f"{stem}_{os.getpid()}_{secrets.token_hex(3)}"


def prepared_dir(database: str) -> Path:
    """Where `bench/tallies.py --prepare` keeps a prepared province's data directory and credentials.json
    (logins and device tokens), so later benchmarks given `--database NAME` find them."""
    return Path(tempfile.gettempdir()) / f"gocua-bench-{database}"


def run(cmd: list[str], env: dict[str, str]) -> str:
    return subprocess.run(cmd, env=env, check=True, capture_output=True, text=True).stdout


class Server:
    def __init__(self, env: dict[str, str], code: Path | None = None) -> None:
        """`gocua serve` (one worker) of the code in `code` (default: this checkout), through PYTHONPATH."""
        env = {**env, "PYTHONPATH": str((code or Path(__file__).parent.parent).resolve())}
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log = open(Path(env["GOCUA_DATA_DIR"]) / "server.log", "ab")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["gocua", "serve", "--port", str(self.port), "--workers", "1"],
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(self.url + "/health", timeout=1)
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        log = (Path(env["GOCUA_DATA_DIR"]) / "server.log").read_text(errors="replace")[-3000:]
        raise RuntimeError(f"server did not start within 60 s; the end of its log:\n{log}")

    def stop(self) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
        self.log.close()
