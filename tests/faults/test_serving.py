"""The server as deployed (`gocua serve`, granian): crashed workers respawn, a busy port refuses a second
instance, and a client holding a thousand silent connections neither starves /health nor keeps them forever."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
from collections.abc import Iterator

import httpx
import pytest

from service.settings import Settings
from tests.faults.serving import children, gocua_serve, serve_command, serve_env
from tests.support.live_server import LiveServer


@pytest.fixture(scope="module")
def plain_settings(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    return Settings(data_dir=tmp_path_factory.mktemp("serve") / "data", photo_workers=0)


@pytest.fixture(scope="module")
def one_server(plain_settings: Settings, tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One `gocua serve` shared by the tests that only need it running (start-up costs seconds here)."""
    with gocua_serve(
        plain_settings, tmp_path_factory.mktemp("logs"), extra_env={"GOCUA_HTTP_HEADER_TIMEOUT_S": "2"}
    ) as server:
        yield server


def test_a_killed_worker_is_respawned_and_the_service_keeps_answering(plain_settings, tmp_path):
    with gocua_serve(plain_settings, tmp_path, workers=2) as server:
        workers = children(server.process.pid)
        assert len(workers) >= 2, workers
        killed_at = time.monotonic()
        os.kill(workers[0], signal.SIGKILL)
        answered = 0
        failures: list[tuple[float, str]] = []
        with httpx.Client(timeout=5) as client:
            while time.monotonic() < killed_at + 5:
                # A new connection each time, so the kernel spreads them over whatever workers listen.
                try:
                    response = client.get(server.url + "/health", headers={"Connection": "close"})
                    if response.status_code == 200:
                        answered += 1
                    else:
                        failures.append((time.monotonic() - killed_at, str(response.status_code)))
                except httpx.HTTPError as exc:
                    failures.append((time.monotonic() - killed_at, repr(exc)))
                time.sleep(0.02)
        assert server.process.poll() is None, server.output()
        # Each worker listens on its own SO_REUSEPORT socket: connections the kernel had already queued on the
        # dead worker's socket are reset (a phone retries them; a proxy retries them on the next upstream). After
        # that instant, every request is answered.
        late = [failure for failure in failures if failure[0] > 1.0]
        assert not late and answered > 100, (answered, failures, server.output())
        # The dead worker was replaced.
        now = children(server.process.pid)
        assert len(now) >= 2 and workers[0] not in now, (workers, now)
        print(f"killed a worker: {answered} answered, {len(failures)} reset in the first second: {failures}")


def test_a_second_instance_on_a_busy_port_refuses_to_start(plain_settings, one_server):
    server = one_server
    port = int(server.url.rsplit(":", 1)[1])
    second = subprocess.run(
        serve_command(port, 1), env=serve_env(plain_settings), capture_output=True, text=True, timeout=60
    )
    assert second.returncode == 1
    assert f"cannot listen on 127.0.0.1:{port}" in second.stderr
    assert httpx.get(server.url + "/health", timeout=5).status_code == 200


def test_a_thousand_idle_connections_do_not_starve_health_and_half_sent_ones_are_closed(one_server):
    # More than granian's default of 1,024 connections per worker, after which it stopped accepting at all.
    silent_count, half_sent_count = 1200, 300
    server = one_server
    port = int(server.url.rsplit(":", 1)[1])
    silent: list[socket.socket] = []
    half_sent: list[socket.socket] = []
    try:
        for _ in range(silent_count):
            silent.append(socket.create_connection(("127.0.0.1", port), timeout=5))
        for _ in range(half_sent_count):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")  # a slow client: half its headers
            half_sent.append(connection)
        with httpx.Client(timeout=5) as client:
            for _ in range(20):
                assert client.get(server.url + "/health").status_code == 200
        # After the header timeout the server has hung up on every half-sent request by itself.
        time.sleep(3)
        closed = 0
        for connection in half_sent:
            connection.settimeout(0.05)
            try:
                closed += connection.recv(1024) == b""
            except ConnectionResetError:
                closed += 1
            except TimeoutError:
                pass
        assert closed == half_sent_count, f"{closed} of {half_sent_count} closed by the server"
        assert httpx.get(server.url + "/health", timeout=5).status_code == 200
    finally:
        for connection in silent + half_sent:
            connection.close()
