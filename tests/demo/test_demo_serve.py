"""The README's first command, as a newcomer runs it: `gocua serve --demo` on the embedded default."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_up(url: str, process: subprocess.Popen, log: Path) -> None:
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"server exited with {process.returncode}:\n{log.read_text()}")
        try:
            if httpx.get(url + "/health", timeout=1).status_code == 200:
                return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise AssertionError(f"server did not answer in time:\n{log.read_text()}")


def test_serve_demo_gives_a_working_service_with_forms_people_and_households(tmp_path: Path) -> None:
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    data_dir = tmp_path / "var"
    log = tmp_path / "server.log"
    env = {k: v for k, v in os.environ.items() if not k.startswith("GOCUA_")}
    gocua = Path(sys.executable).with_name("gocua")
    with log.open("wb") as output:
        process = subprocess.Popen(
            [str(gocua), "--data-dir", str(data_dir), "serve", "--demo", "--port", str(port)],
            cwd=tmp_path,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        try:
            wait_until_up(url, process, log)
            assert httpx.get(url + "/ready").json()["status"] == "ready"
            creds = json.loads((data_dir / "demo-credentials.json").read_text())

            login = httpx.post(url + "/api/v1/auth/login", json=creds["admin"])
            assert login.status_code == 200, login.text

            member = creds["members"][0]
            phone = {"Authorization": f"Bearer {member['token']}"}
            forms = httpx.get(url + "/api/v1/forms", headers=phone).json()["items"]
            assert any(f["id"] == "household-digital-skills" for f in forms)
            households = httpx.get(url + "/api/v1/households?limit=5", headers=phone).json()["items"]
            assert len(households) == 5
            assert httpx.get(url + "/schema/openapi.json").status_code == 200

            # The demo opens with eight weeks of work, and the start message says where everything is.
            supervisor = creds["supervisors"][1]
            message = log.read_text()
            assert f"supervisors' pages (sign in, review queue, reports): {url}/" in message
            assert f"members' phone app (offline, sign in with a device token): {url}/app" in message
            assert f"demo supervisor to try: {supervisor['username']} / {supervisor['password']}" in message
            assert f"all demo logins and the members' phone tokens: {data_dir / 'demo-credentials.json'}" in message
            bearer = {"Authorization": f"Bearer {login.json()['token']}"}
            pending = httpx.get(url + "/api/v1/visits?review_status=pending&limit=5", headers=bearer).json()["items"]
            assert len(pending) == 5
            assert httpx.get(url + "/app").status_code == 200
            assert httpx.get(url + "/favicon.ico").headers["content-type"] == "image/x-icon"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
    assert (data_dir / "gocua.sqlite3").exists()
