"""Debian's nginx running the repository's own `deploy/nginx.conf` in front of service instances on loopback ports.

The configuration file is used as it is; only what compose names differently here is substituted: the upstream
`server gocua:8000 …;` line becomes one line per instance, and `listen 80` a free port. Everything else (timeouts,
limits, request buffering, the retry of an upstream that just died) is what production runs.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.live_server import free_port

REPOSITORY_CONFIG = Path(__file__).parents[2] / "deploy" / "nginx.conf"
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
UPSTREAM_LINE = re.compile(r"^\s*server gocua:8000(?P<options>[^;]*);", re.MULTILINE)


def site_config(upstreams: Sequence[str], port: int) -> str:
    """deploy/nginx.conf with the instances' addresses in each upstream block and a free port; fails if the file
    no longer has the lines this substitutes (so the test cannot silently run another configuration)."""

    def servers(match: re.Match[str]) -> str:
        return "\n".join(f"    server {address}{match['options']};" for address in upstreams)

    text, count = UPSTREAM_LINE.subn(servers, REPOSITORY_CONFIG.read_text())
    assert count == 2, "deploy/nginx.conf should have the `server gocua:8000…;` line of both upstream blocks"
    assert "listen 80;" in text, "deploy/nginx.conf no longer listens on 80"
    return text.replace("listen 80;", f"listen 127.0.0.1:{port};")


def main_config(root: Path, site: str) -> str:
    user = "user root root;\n" if os.geteuid() == 0 else ""
    temp = "\n".join(
        f"    {name}_temp_path {root / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return (
        f"{user}worker_processes 1;\npid {root / 'nginx.pid'};\nerror_log {root / 'error.log'} warn;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\n    access_log {root / 'access.log'};\n{temp}\n{site}\n}}\n"
    )


class Nginx:
    def __init__(self, root: Path, port: int, process: subprocess.Popen[bytes]) -> None:
        self.root = root
        self.url = f"http://127.0.0.1:{port}"
        self.process = process

    def error_log(self) -> str:
        path = self.root / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""


@contextmanager
def nginx_in_front(upstreams: Sequence[str], root: Path) -> Iterator[Nginx]:
    root.mkdir(parents=True, exist_ok=True)
    port = free_port()
    config = root / "nginx.conf"
    config.write_text(main_config(root, site_config(upstreams, port)))
    checked = subprocess.run([NGINX, "-t", "-c", str(config), "-p", str(root)], capture_output=True, text=True)
    assert checked.returncode == 0, checked.stderr
    process = subprocess.Popen(
        [NGINX, "-c", str(config), "-p", str(root), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    server = Nginx(root, port, process)
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                httpx.get(server.url + "/health", timeout=2)
                break
            except httpx.HTTPError:
                assert process.poll() is None and time.monotonic() < deadline, server.error_log()
                time.sleep(0.1)
        yield server
    finally:
        process.send_signal(signal.SIGQUIT)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
