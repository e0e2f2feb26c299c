"""OPTIONS names every method a path has.

Litestar builds one route per group of handlers sharing a path, and each group's automatic OPTIONS handler
answers with its own group's methods (`OPTIONS /api/v1/households` said `OPTIONS, POST`, though GET exists).
This `before_send` hook rewrites that Allow header from all the routes of the path.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable

from litestar import Litestar
from litestar.routes import HTTPRoute
from litestar.types import Message, Scope


def methods_by_path(app: Litestar) -> dict[str, str]:
    """Each HTTP path's Allow header value: every method any of its handlers takes."""
    methods: dict[str, set[str]] = {}
    for route in app.routes:
        if isinstance(route, HTTPRoute):
            for handler in route.route_handlers:
                methods.setdefault(route.path, set()).update(handler.http_methods)
    return {path: ", ".join(sorted(names)) for path, names in methods.items()}


def allow_header_hook(app: Litestar) -> Callable[[Message, Scope], Awaitable[None]]:
    allowed: dict[str, str] | None = None  # built at the first OPTIONS: every route is registered by then

    async def complete_allow(message: Message, scope: Scope) -> None:
        nonlocal allowed
        if message["type"] != "http.response.start" or scope.get("method") != "OPTIONS":
            return
        handler = scope.get("route_handler")
        if handler is None:
            return
        if allowed is None:
            allowed = methods_by_path(app)
        value = next((allowed[path] for path in handler.paths if path in allowed), None)
        if value is None:
            return
        headers = [(name, content) for name, content in message.get("headers", []) if name.lower() != b"allow"]
        message["headers"] = [*headers, (b"allow", value.encode())]

    return complete_allow
