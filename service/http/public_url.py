"""The address the service tells clients to use. Never the Host header: the caller writes that."""

from __future__ import annotations

from typing import Any

from litestar.connection import ASGIConnection

from service.settings import Settings


def public_base_url(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> str:
    """GOCUA_PUBLIC_URL when set; otherwise the socket address this request reached (a development server:
    behind a reverse proxy that is the proxy's side of the connection, so set GOCUA_PUBLIC_URL there)."""
    if settings.public_url:
        return settings.public_url.rstrip("/")
    scheme = connection.scope.get("scheme", "http")
    server = connection.scope.get("server")
    if not server:
        return f"{scheme}://127.0.0.1"
    host, port = server[0], server[1]
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    default = {"http": 80, "https": 443}.get(scheme)
    return f"{scheme}://{host}" if port in (None, default) else f"{scheme}://{host}:{port}"
