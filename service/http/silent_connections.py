"""Closes inbound connections that have sent nothing at all within the header timeout.

granian 2.8's `http1_settings.header_read_timeout` starts at a request's first byte: a connection that opens and
never sends one stays open for good (an attack measured 40 s and counting), each holding a slot of the worker's
`backpressure` and a file descriptor. granian owns its sockets and has no option for this, so each server worker
runs this watch: a few times per timeout it looks at its own TCP sockets (Linux: /proc/self/fd and TCP_INFO) and
shuts down the ones accepted on its listening port that have received no byte for `timeout_s`. The kernel's
count of received bytes is exact, so a connection that sent anything is never touched here (the header timeout
and service/http/body_timeout.py take over), and neither are the worker's own outbound connections (database,
object store), whose local port is not the listening one.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import struct
import sys
import threading
from collections.abc import Iterator

log = logging.getLogger("gocua")

TCP_LISTEN = 10
# struct tcp_info (linux/tcp.h): tcpi_state is byte 0, tcpi_last_data_recv (ms) the u32 at 52, and
# tcpi_bytes_received (Linux ≥ 4.1) the u64 at 128.
_TCP_INFO_SIZE = 136
_LAST_DATA_RECV = struct.Struct("=I")
_BYTES_RECEIVED = struct.Struct("=Q")


def supported() -> bool:
    return sys.platform == "linux" and os.path.isdir("/proc/self/fd")


def _tcp_sockets() -> Iterator[socket.socket]:
    """A duplicate of each TCP socket of this process (the caller closes it; the connection stays)."""
    for name in os.listdir("/proc/self/fd"):
        try:
            if not os.readlink(f"/proc/self/fd/{name}").startswith("socket:"):
                continue
            duplicate = os.dup(int(name))
        except (OSError, ValueError):  # closed meanwhile
            continue
        try:
            sock = socket.socket(fileno=duplicate)
        except OSError:
            os.close(duplicate)
            continue
        if sock.family in (socket.AF_INET, socket.AF_INET6) and sock.type == socket.SOCK_STREAM:
            yield sock
        else:
            sock.detach()
            os.close(duplicate)


def _tcp_info(sock: socket.socket) -> bytes | None:
    try:
        info = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _TCP_INFO_SIZE)
    except OSError:
        return None
    return info if len(info) >= _TCP_INFO_SIZE else None


def close_silent_connections(timeout_s: float) -> int:
    """Shuts down the inbound connections of this process that received nothing for `timeout_s`; how many."""
    listening: set[int] = set()
    candidates: list[tuple[socket.socket, int]] = []
    closed = 0
    try:
        for sock in _tcp_sockets():
            info = _tcp_info(sock)
            try:
                port = sock.getsockname()[1]
            except OSError:
                info = None
            if info is None:
                sock.close()
            elif info[0] == TCP_LISTEN:
                listening.add(port)
                sock.close()
            elif (
                _BYTES_RECEIVED.unpack_from(info, 128)[0] == 0
                and _LAST_DATA_RECV.unpack_from(info, 52)[0] >= timeout_s * 1000
            ):
                candidates.append((sock, port))
            else:
                sock.close()
        for sock, port in candidates:
            if port in listening:
                with contextlib.suppress(OSError):  # shutdown acts on the connection, not on our duplicate
                    sock.shutdown(socket.SHUT_RDWR)
                    closed += 1
    finally:
        for sock, _port in candidates:
            sock.close()
    return closed


class SilentConnectionWatch:
    """A daemon thread of one server worker running close_silent_connections a few times per timeout."""

    def __init__(self, timeout_s: float) -> None:
        self.timeout_s = timeout_s
        self.closed = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="gocua-silent-connections", daemon=True)

    def start(self) -> None:
        if supported() and self.timeout_s > 0:
            self._thread.start()

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        # A quarter of the timeout (a silent connection lives at most 1.25 × it), at most every 5 s: a round
        # costs ~10 µs per open socket.
        interval = max(0.25, min(5.0, self.timeout_s / 4))
        while not self._stop.wait(interval):
            try:
                count = close_silent_connections(self.timeout_s)
            except Exception:  # the watch must outlive a surprise; the next round tries again
                log.exception("silent-connection watch failed")
                continue
            if count:
                self.closed += count
                log.info("closed %d connection(s) that sent nothing in %.0f s", count, self.timeout_s)
