"""HTTP: the phone app's files at /app, from memory, gzipped once, revalidated by ETag.

File names carry no hashes (there is no build step), so every response says `no-cache`: the browser asks again
with If-None-Match and gets a 304. Offline, the service worker answers from its cache; its script embeds a
version made from every file, so changing any file installs a new worker that replaces the cache.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import threading
from dataclasses import dataclass
from pathlib import Path

from litestar import Controller, Request, Response, get
from litestar.params import FromPath
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from service import errors
from service.phone_app.icons import ICON_SIZES, icon_png

STATIC = Path(__file__).resolve().parent / "static"
SHELL_FILES = (
    "index.html",
    "app.css",
    "app.js",
    "expr.js",
    "expr_parse.js",
    "expr_values.js",
    "expr_dates.js",
    "expr_functions.js",
    "expr_digest.js",
    "visit.js",
    "choice_filter.js",
    "store.js",
    "api.js",
    "i18n.js",
    "form.js",
    "photo.js",
    "attachments.js",
    "screens.js",
    "visit_screen.js",
    "drafts.js",
    "activities.js",
    "form_media.js",
    "doors.js",
    "manifest.webmanifest",
)
# Litestar adds "; charset=utf-8" to the text types itself.
CONTENT_TYPES = {
    ".html": "text/html",
    ".js": "text/javascript",
    ".css": "text/css",
    ".webmanifest": "application/manifest+json",
    ".png": "image/png",
}
# The app loads nothing from another host; its pages may show camera photos (blob:) and the QR video.
CSP = (
    "default-src 'self'; img-src 'self' blob: data:; media-src 'self' blob:; connect-src 'self'; "
    "script-src 'self'; style-src 'self'; worker-src 'self'; manifest-src 'self'; object-src 'none'; "
    "base-uri 'none'; frame-ancestors 'none'"
)


@dataclass(frozen=True, slots=True)
class AppFile:
    body: bytes
    gzipped: bytes
    content_type: str
    etag: str


def _file(body: bytes, content_type: str) -> AppFile:
    return AppFile(
        body=body,
        gzipped=gzip.compress(body, compresslevel=9, mtime=0),
        content_type=content_type,
        etag='"' + hashlib.sha256(body).hexdigest()[:32] + '"',
    )


def _load() -> dict[str, AppFile]:
    raw: dict[str, bytes] = {name: (STATIC / name).read_bytes() for name in SHELL_FILES}
    # Every module asked for at once with the page: over 2G (800 ms a round trip) the import graph discovered
    # level by level (app.js → screens.js → form.js → visit.js → expr.js) cost a round trip per level.
    modules = [name for name in SHELL_FILES if name.endswith(".js") and name != "app.js"]
    preload = "\n".join(f'<link rel="modulepreload" href="/app/{name}">' for name in modules)
    raw["index.html"] = raw["index.html"].replace(b"<!--MODULES-->", preload.encode())
    for size in ICON_SIZES:
        raw[f"icon-{size}.png"] = icon_png(size)
    raw["icon-maskable-512.png"] = icon_png(512, maskable=True)
    version = hashlib.sha256(b"".join(hashlib.sha256(raw[n]).digest() for n in sorted(raw))).hexdigest()[:16]
    shell = ["/app"] + [f"/app/{name}" for name in sorted(raw) if name != "index.html"]
    worker = (STATIC / "sw.js").read_text(encoding="utf-8")
    worker = worker.replace("__VERSION__", version).replace("__SHELL__", json.dumps(shell))
    raw["sw.js"] = worker.encode()
    files = {name: _file(body, CONTENT_TYPES[Path(name).suffix]) for name, body in raw.items()}
    return files


_files: dict[str, AppFile] | None = None
_lock = threading.Lock()


def app_files() -> dict[str, AppFile]:
    global _files
    with _lock:
        if _files is None:
            _files = _load()
        return _files


def _serve(request: Request, name: str) -> Response[bytes]:
    found = app_files().get(name)
    if found is None:
        raise errors.DomainError(errors.ROUTE_NOT_FOUND)
    headers = {
        "ETag": found.etag,
        "Cache-Control": "no-cache",
        "Vary": "Accept-Encoding",
        "X-Content-Type-Options": "nosniff",
    }
    if name in ("index.html", "sw.js"):
        # A policy governs documents and workers only; on every script and icon it would be ~450 bytes of
        # headers per request, more than some of the files themselves over 2G.
        headers["Content-Security-Policy"] = CSP
        headers["Referrer-Policy"] = "no-referrer"
    if name == "sw.js":
        # The worker lives at /app/sw.js but controls /app itself (the page's own address has no slash).
        headers["Service-Worker-Allowed"] = "/app"
    candidates = [c.strip().removeprefix("W/") for c in request.headers.get("if-none-match", "").split(",")]
    if found.etag in candidates:
        return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
    body = found.body
    if "gzip" in request.headers.get("accept-encoding", ""):
        body = found.gzipped
        headers["Content-Encoding"] = "gzip"
    return Response(body, media_type=found.content_type, headers=headers)


class PhoneAppController(Controller):
    path = "/app"
    include_in_schema = False

    @get("/", sync_to_thread=False)
    def get_app(self, request: Request) -> Response[bytes]:
        return _serve(request, "index.html")

    @get("/{name:str}", sync_to_thread=False)
    def get_app_file(self, request: Request, name: FromPath[str]) -> Response[bytes]:
        return _serve(request, name)
