"""Security headers on every response, whatever produced it (handler, error, unknown route): a `before_send` hook,
which Litestar calls for every message it sends, also where no route (and so no middleware) matched."""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar.types import Message, Scope

from service.settings import Settings

# Our pages and the docs load scripts, styles and images from this service only; nothing may frame them.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data: blob:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
    "frame-ancestors 'none'"
)
HSTS = b"max-age=31536000; includeSubDomains"
_ALWAYS = [
    # granian writes `server: granian` on every response that names no server (it has no option to stop): an
    # empty value says nothing about what runs here.
    (b"server", b""),
    (b"x-content-type-options", b"nosniff"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"referrer-policy", b"same-origin"),
    (b"x-frame-options", b"DENY"),
]
_WITH_HSTS = [*_ALWAYS, (b"strict-transport-security", HSTS)]


def security_headers_hook(settings: Settings) -> Callable[[Message, Scope], Awaitable[None]]:
    """HSTS: always or never when GOCUA_HSTS says so; by default when the request came over TLS or the
    configured public URL is https (TLS ended at a proxy in front)."""
    public_https = (settings.public_url or "").lower().startswith("https://")

    async def add_security_headers(message: Message, scope: Scope) -> None:
        if message["type"] != "http.response.start":
            return
        hsts = settings.hsts if settings.hsts is not None else (scope.get("scheme") == "https" or public_https)
        headers = list(message.get("headers", []))
        present = {name.lower() for name, _ in headers}
        headers.extend(header for header in (_WITH_HSTS if hsts else _ALWAYS) if header[0] not in present)
        message["headers"] = headers

    return add_security_headers
