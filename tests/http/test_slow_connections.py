"""Connections that send nothing, or stop in the middle of a body, are closed; the server keeps answering.

granian's header timeout starts at a request's first byte and it has no body timeout: an attack held silent
connections open 40 s and stalled bodies 70 s (and counting). Timeouts are shortened through the settings.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import msgspec
import pytest

from service.settings import Settings
from tests.people.test_members_import_live import peak_rss_mb
from tests.support.live_server import LiveServer, live_server

TIMEOUT_S = 2.0
SILENT = 200
STALLED = 20


@pytest.fixture
def server(sqlite_template, tmp_path: Path) -> Iterator[LiveServer]:
    with sqlite_template.fresh(tmp_path) as url:
        settings = Settings(
            data_dir=tmp_path / "data",
            database_url=url,
            photo_workers=0,
            http_header_timeout_s=TIMEOUT_S,
            http_body_timeout_s=TIMEOUT_S,
        )
        with live_server(settings, tmp_path, granian_args=("--http1-header-read-timeout", "2000")) as live:
            yield live


def _connect(url: str) -> socket.socket:
    host, port = url.removeprefix("http://").split(":")
    sock = socket.create_connection((host, int(port)))
    sock.settimeout(15)
    return sock


def _until_closed(sock: socket.socket) -> tuple[float, bytes]:
    """Seconds until the server closed the connection, and what it said before."""
    started, said = time.monotonic(), b""
    with sock:
        while chunk := sock.recv(4096):
            said += chunk
    return time.monotonic() - started, said


def test_silent_and_stalled_connections_are_closed_while_the_server_answers(server: LiveServer) -> None:
    stalled_body = (
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        b'Content-Length: 100\r\n\r\n{"username": '
    )
    silent = [_connect(server.url) for _ in range(SILENT)]
    stalled = [_connect(server.url) for _ in range(STALLED)]
    for sock in stalled:
        sock.sendall(stalled_body)
    half_headers = _connect(server.url)
    half_headers.sendall(b"GET /health HTTP/1.1\r\nHost: x\r\n")
    opened = time.monotonic()

    health: list[int] = []
    stop = threading.Event()

    def poll() -> None:
        with httpx.Client(base_url=server.url, timeout=5) as client:
            while not stop.is_set():
                health.append(client.get("/health").status_code)
                time.sleep(0.1)

    poller = threading.Thread(target=poll)
    poller.start()
    try:
        silent_closed = [_until_closed(sock) for sock in silent]
        stalled_closed = [_until_closed(sock) for sock in stalled]
        half_closed = _until_closed(half_headers)
    finally:
        stop.set()
        poller.join()
    everything_closed_after = time.monotonic() - opened
    assert all(said == b"" for _, said in silent_closed)
    assert everything_closed_after < TIMEOUT_S + 5, everything_closed_after
    for _, said in stalled_closed:
        head, _, body = said.partition(b"\r\n\r\n")
        assert head.startswith(b"HTTP/1.1 408") and b"connection: close" in head.lower()
        assert msgspec.json.decode(body)["code"] == "request.timeout"
    assert half_closed[1] == b""
    assert len(health) >= 10 and set(health) == {200}
    assert peak_rss_mb(server.process.pid) < 512
    assert "closed 200 connection(s) that sent nothing" in server.output() or "sent nothing" in server.output()


def test_a_slow_body_that_keeps_coming_is_not_cut(server: LiveServer) -> None:
    """The limit is on silence between pieces, not on a slow phone: a piece every second is read to the end."""
    body = b'{"username": "khong_co", "password": "sai mat khau"}'
    sock = _connect(server.url)
    sock.sendall(
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nConnection: close\r\n"
        + f"Content-Length: {len(body)}\r\n\r\n".encode()
    )
    pieces = [body[i : i + 12] for i in range(0, len(body), 12)]
    for piece in pieces:
        time.sleep(TIMEOUT_S / 2)
        sock.sendall(piece)
    _, said = _until_closed(sock)
    assert said.startswith(b"HTTP/1.1 401"), said[:200]  # read in full, then judged: a wrong password
    assert len(pieces) * TIMEOUT_S / 2 > TIMEOUT_S  # the whole body took longer than the limit
