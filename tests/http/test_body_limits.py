"""Memory before authentication: a route never reads more body than its content needs, and a route that needs a
caller reads nothing before the caller is known. Checked on a real socket: the server must answer while the
client has sent only a sliver of the body it announced (a server that read it all could not)."""

from __future__ import annotations

import select
import socket
import time
from urllib.parse import urlsplit

from tests.support.live_server import LiveServer

ANNOUNCED = 38_000_000  # what the attack sent, 32 times at once


SLIVER = 64 * 1024


def answer_before_body(
    server: LiveServer, path: str, headers: dict[str, str], *, chunked: bool = False, timeout_s: float = 10
) -> tuple[int, bytes]:
    """Announces a 38 MB body, sends only its first 64 KB, then waits: a server that reads the whole body
    before answering never answers. Returns the answer's status and first bytes."""
    address = urlsplit(server.url)
    with socket.create_connection((address.hostname, address.port), timeout=timeout_s) as connection:
        head = [f"POST {path} HTTP/1.1", f"Host: {address.netloc}", "Content-Type: application/json"]
        head += [f"{name}: {value}" for name, value in headers.items()]
        head.append("Transfer-Encoding: chunked" if chunked else f"Content-Length: {ANNOUNCED}")
        connection.sendall(("\r\n".join(head) + "\r\n\r\n").encode())
        piece = b'{"username": "' + b"a" * (SLIVER // 4 - 14)
        for _ in range(4):
            # A server that answers from the head alone may answer and close while the sliver is on its way:
            # that is the behaviour wanted, so the client stops sending and reads the answer already there.
            if select.select([connection], [], [], 0)[0]:
                break
            try:
                connection.sendall((f"{len(piece):x}\r\n".encode() + piece + b"\r\n") if chunked else piece)
            except (BrokenPipeError, ConnectionResetError):
                break
        started = time.monotonic()
        try:
            answer = connection.recv(4096)
        except TimeoutError:
            raise AssertionError(f"no answer {time.monotonic() - started:.1f} s after 64 KB of 38 MB") from None
        return int(answer.split(b" ", 2)[1]), answer


def test_an_oversized_login_is_refused_from_its_announced_length(live):
    status, answer = answer_before_body(live, "/api/v1/auth/login", {})
    assert status == 413 and b"request.too_large" in answer


def test_an_oversized_chunked_login_is_refused_after_a_few_kilobytes(live):
    status, answer = answer_before_body(live, "/api/v1/auth/login", {}, chunked=True)
    assert status == 413 and b"request.too_large" in answer


def test_a_household_with_a_bad_token_is_refused_before_its_body_is_read(live):
    # Announced within the household route's ceiling is not the point: even 38 MB is answered 401 unread.
    for chunked in (False, True):
        status, answer = answer_before_body(
            live, "/api/v1/households", {"Authorization": "Bearer gcd_not-a-real-token"}, chunked=chunked
        )
        assert status == 401 and b"auth.invalid_token" in answer


def test_a_json_visit_is_held_to_a_megabyte_though_its_route_takes_photos(live, world):
    status, answer = answer_before_body(live, "/api/v1/visits", world["member_a1"].headers)
    assert status == 413 and b"request.too_large" in answer


def test_a_household_without_any_credential_is_refused_before_its_body_is_read(live):
    status, answer = answer_before_body(live, "/api/v1/households", {}, chunked=True)
    assert status == 401 and b"auth.required" in answer


async def test_each_route_takes_what_its_content_needs(client, world):
    admin = world["admin"].headers
    household = {"id": "0b6f1a0e-0000-4000-8000-000000000001", "area_code": "38-A-1", "head_name": "x" * 20_000}
    too_big = await client.post("/api/v1/households", json=household, headers=world["member_a1"].headers)
    assert too_big.status_code == 413 and too_big.json()["code"] == "request.too_large"
    login = await client.post("/api/v1/auth/login", json={"username": "admin", "password": "p" * 5_000})
    assert login.status_code == 413
    # A form definition may be far larger than a record: 200 KB is read (and judged on its content).
    form = await client.post(
        "/api/v1/forms",
        content=b'{"id": "' + b"f" * 200_000 + b'"}',
        headers={**admin, "Content-Type": "application/json"},
    )
    assert form.status_code == 422


def test_only_the_routes_that_take_audio_video_or_files_take_64_mb(settings):
    from service.app import create_app
    from service.http import limits

    ceilings = {}
    for route in create_app(settings).routes:
        for handler in getattr(route, "route_handlers", []):
            ceilings[f"{handler.handler_name} {sorted(handler.http_methods)}"] = handler.resolve_request_max_body_size()
    large = sorted(name for name, size in ceilings.items() if size and size > limits.PHOTO_ROUTE_BYTES)
    assert large == ["put_attachment ['PUT']", "submit ['POST']", "submit_visit ['POST']"]
    assert all(size == limits.MEDIA_ROUTE_BYTES for name, size in ceilings.items() if name in large)
    assert ceilings["put_photo ['PUT']"] == limits.PHOTO_ROUTE_BYTES
