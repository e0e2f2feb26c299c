"""The real service on a real socket, for tests that need requests truly in flight together.

Litestar's `AsyncTestClient` hands requests to the app one at a time (see STACK.md), so concurrency, socket
timeouts, browser pages and process faults are tested against granian serving `service.asgi:app_from_env` in a
subprocess, configured through the same `GOCUA_*` environment a deployment uses.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from service.settings import Settings


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def settings_env(settings: Settings) -> dict[str, str]:
    """The `GOCUA_*` variables that reproduce `settings` in a server process."""
    env: dict[str, str] = {}
    for name in settings.__struct_fields__:
        value = getattr(settings, name)
        if value is None:
            continue
        if name == "database_url":
            value = settings.resolved_database_url
        env[f"GOCUA_{name.upper()}"] = str(value).lower() if isinstance(value, bool) else str(value)
    env.setdefault("GOCUA_DATABASE_URL", settings.resolved_database_url)
    return env


@dataclass
class LiveServer:
    url: str
    process: subprocess.Popen[bytes]
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")

    def stop(self, sig: int = signal.SIGTERM) -> None:
        if self.process.poll() is None:
            self.process.send_signal(sig)
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def wait_until_up(url: str, process: subprocess.Popen[bytes], log: Path, timeout_s: float = 60) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text(errors='replace')}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise AssertionError(f"server did not answer in time:\n{log.read_text(errors='replace')}")


@contextmanager
def live_server(
    settings: Settings,
    log_dir: Path,
    *,
    workers: int = 1,
    extra_env: Mapping[str, str] | None = None,
    granian_args: tuple[str, ...] = (),
) -> Iterator[LiveServer]:
    """granian serving the app for `settings` (an already migrated database) on a free loopback port."""
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log = log_dir / f"server-{port}.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")}
    env.update(settings_env(settings))
    env.update(extra_env or {})
    # The test process's import path (a worktree, an editable install) is the server's too.
    env["PYTHONPATH"] = os.pathsep.join(p for p in [os.getcwd(), env.get("PYTHONPATH", "")] if p)
    command = [
        sys.executable,
        "-m",
        "granian",
        "--interface",
        "asgi",
        "--factory",
        "service.asgi:app_from_env",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        str(workers),
        "--no-access-log",
        *granian_args,
    ]
    with log.open("wb") as output:
        process = subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT)
    server = LiveServer(url=url, process=process, log=log)
    try:
        wait_until_up(url, process, log)
        yield server
    finally:
        server.stop()
