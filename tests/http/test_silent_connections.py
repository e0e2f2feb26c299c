"""The watch closes only inbound connections that never sent a byte: not those that did, not outbound ones."""

from __future__ import annotations

import socket
import time

import pytest

from service.http.silent_connections import close_silent_connections, supported

pytestmark = pytest.mark.skipif(not supported(), reason="Linux /proc and TCP_INFO")


def test_only_silent_inbound_connections_are_closed() -> None:
    with socket.create_server(("127.0.0.1", 0)) as listener, socket.create_server(("127.0.0.1", 0)) as elsewhere:
        silent_client = socket.create_connection(listener.getsockname())
        talking_client = socket.create_connection(listener.getsockname())
        silent_inbound, _ = listener.accept()
        talking_inbound, _ = listener.accept()
        talking_client.sendall(b"GET / HTTP/1.1\r\n")
        # An outbound connection of ours (as to the database) that has received nothing yet (its far end, here
        # in the same process, has: it is not silent either).
        outbound = socket.create_connection(elsewhere.getsockname())
        far_end, _ = elsewhere.accept()
        outbound.sendall(b"hello")
        time.sleep(0.3)
        try:
            assert close_silent_connections(timeout_s=0.2) == 1
            silent_client.settimeout(2)
            assert silent_client.recv(10) == b""  # the server side hung up
            talking_inbound.settimeout(0.2)
            assert talking_inbound.recv(100) == b"GET / HTTP/1.1\r\n"  # untouched, still readable
            far_end.sendall(b"still open")
            outbound.settimeout(2)
            assert outbound.recv(100) == b"still open"
            assert close_silent_connections(timeout_s=60) == 0  # nothing silent for that long
        finally:
            for sock in (silent_client, talking_client, silent_inbound, talking_inbound, outbound, far_end):
                sock.close()
