"""`gocua serve` as a deployment runs it, in a subprocess on a free loopback port."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

from service.settings import Settings
from tests.support.live_server import LiveServer, free_port, settings_env, wait_until_up


def serve_command(port: int, workers: int) -> list[str]:
    return [
        sys.executable,
        "-m",
        "service.cli.main",
        "serve",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
    ]


def serve_env(settings: Settings, extra: Mapping[str, str] | None = None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")}
    env.update(settings_env(settings))
    env.update(extra or {})
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.getcwd(), env.get("PYTHONPATH", "")] if p)
    return env


@contextmanager
def gocua_serve(
    settings: Settings,
    log_dir: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    extra_env: Mapping[str, str] | None = None,
) -> Iterator[LiveServer]:
    port = port or free_port()
    log = log_dir / f"gocua-serve-{port}.log"
    with log.open("wb") as output:
        process = subprocess.Popen(
            serve_command(port, workers), env=serve_env(settings, extra_env), stdout=output, stderr=subprocess.STDOUT
        )
    server = LiveServer(url=f"http://127.0.0.1:{port}", process=process, log=log)
    try:
        wait_until_up(server.url, process, log)
        yield server
    finally:
        server.stop()


def children(pid: int) -> list[int]:
    """Direct child processes of `pid` (granian's workers are its children)."""
    found = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found += [int(child) for child in text]
    return found
