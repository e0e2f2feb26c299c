"""The web server the browser clients are loaded from: static files plus a reverse proxy to the service.

A province that embeds ODK Web Forms or runs Enketo serves their pages from its own site, in front of Gõ Cửa. The
test does the same on loopback: `/node_modules/…` (the pinned npm clients), `/harness/…` (our host pages) and
`/build/…` (the Enketo bundle built in this session) are files; every other path is passed to the service as is,
so the pages reach formList, the XForm, media and /submission on their own origin, with no CORS and nothing loaded
from another host. The service's `GOCUA_PUBLIC_URL` is this server's URL, so the absolute `downloadUrl`s in
formList and the manifest point here too.
"""

from __future__ import annotations

import http.client
import mimetypes
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import urlsplit

CLIENTS = Path(__file__).resolve().parents[1] / "clients"
# Hop-by-hop headers (RFC 9110 §7.6.1) are the proxy's own business; the rest passes both ways unchanged.
_HOP_BY_HOP = {"connection", "keep-alive", "transfer-encoding", "te", "trailer", "upgrade", "proxy-connection"}
_TYPES = {".js": "text/javascript", ".mjs": "text/javascript", ".html": "text/html; charset=utf-8"}


@dataclass
class Harness:
    url: str
    static: dict[str, Path]
    upstream: str | None = None
    # Every proxied request (method, path, status): what the pages really asked the service for.
    proxied: list[tuple[str, str, int]] = field(default_factory=list)


def _handler(harness: Harness) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: object) -> None:
            pass

        def _static(self) -> bool:
            path = urlsplit(self.path).path
            for prefix, root in harness.static.items():
                if path.startswith(prefix):
                    target = (root / path[len(prefix) :]).resolve()
                    if not target.is_relative_to(root.resolve()) or not target.is_file():
                        self._reply(404, b"not found", "text/plain")
                        return True
                    kind = _TYPES.get(target.suffix) or mimetypes.guess_type(target.name)[0]
                    self._reply(200, target.read_bytes(), kind or "application/octet-stream")
                    return True
            return False

        def _reply(self, status: int, body: bytes, content_type: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", content_type)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

        def _proxy(self) -> None:
            if harness.upstream is None:
                self._reply(502, b"no upstream", "text/plain")
                return
            upstream = urlsplit(harness.upstream)
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else None
            headers = {k: v for k, v in self.headers.items() if k.lower() not in _HOP_BY_HOP | {"host"}}
            connection = http.client.HTTPConnection(upstream.hostname or "127.0.0.1", upstream.port, timeout=60)
            try:
                connection.request(self.command, self.path, body=body, headers=headers)
                response = connection.getresponse()
                payload = response.read()
            finally:
                connection.close()
            harness.proxied.append((self.command, urlsplit(self.path).path, response.status))
            self.send_response(response.status)
            for name, value in response.getheaders():
                if name.lower() not in _HOP_BY_HOP | {"content-length"}:
                    self.send_header(name, value)
            if self.command != "HEAD" or response.getheader("Content-Length") is None:
                self.send_header("Content-Length", str(len(payload)))
            else:
                self.send_header("Content-Length", response.getheader("Content-Length") or "0")
            self.end_headers()
            if self.command != "HEAD":
                self.wfile.write(payload)

        def _any(self) -> None:
            if self.command not in {"GET", "HEAD"} or not self._static():
                self._proxy()

        do_GET = do_HEAD = do_POST = do_PUT = do_DELETE = _any

    return Handler


@contextmanager
def harness_server(build_dir: Path) -> Iterator[Harness]:
    """Serve the npm clients, the host pages and `build_dir` on a free loopback port until the block ends."""
    static = {"/node_modules/": CLIENTS / "node_modules", "/harness/": CLIENTS / "harness", "/build/": build_dir}
    server = ThreadingHTTPServer(("127.0.0.1", 0), BaseHTTPRequestHandler)
    harness = Harness(url=f"http://127.0.0.1:{server.server_address[1]}", static=static)
    server.RequestHandlerClass = _handler(harness)
    server.daemon_threads = True
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield harness
    finally:
        server.shutdown()
        server.server_close()
