"""Runs before any handler reads its body: who is calling, whether a cookie request is cross-site, whether a JSON
route was sent JSON, and whether the URL carries a NUL character. (NUL inside JSON strings is each domain's
call: names drop it, admin documents refuse it.)

Litestar parses a handler's `data` before it resolves dependencies, so an `actor` dependency alone would let an
unauthenticated caller make the server read (up to the route's ceiling) and parse a body first. This hook
resolves the caller from the headers only; the `actor` dependency then returns the same caller.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from litestar import Request
from litestar.connection import ASGIConnection
from litestar.enums import RequestEncodingType
from litestar.handlers.base import BaseRouteHandler

from service import errors
from service.auth.authn import SESSION_COOKIE, authenticate, raw_header
from service.auth.csrf import ACTS_WITHOUT_SESSION, CSRF_HEADER, UNSAFE_METHODS, csrf_token_matches, origin_of
from service.http import limits
from service.settings import Settings

JSON_MEDIA_TYPE = "application/json"


class RouteNeeds:
    __slots__ = ("caller", "json_body")

    def __init__(self, caller: bool, json_body: bool) -> None:
        self.caller = caller
        self.json_body = json_body


_needs_by_fn: dict[Callable[..., Any], RouteNeeds] = {}


def route_needs(handler: BaseRouteHandler) -> RouteNeeds:
    """What a handler needs checked, from its signature: an `actor` parameter, a JSON `data` parameter (or
    `opt={"json_body": True}` for a handler that reads a JSON body itself)."""
    needs = _needs_by_fn.get(handler.fn)
    if needs is None:
        parameters = handler.parsed_fn_signature.parameters
        data = parameters.get("data")
        media_type = getattr(data.kwarg_definition, "media_type", None) if data is not None else None
        json_body = bool(handler.opt.get("json_body")) or (
            data is not None and media_type in (None, RequestEncodingType.JSON)
        )
        needs = _needs_by_fn[handler.fn] = RouteNeeds("actor" in parameters, json_body)
    return needs


def has_body(connection: ASGIConnection[Any, Any, Any, Any]) -> bool:
    length = raw_header(connection, b"content-length")
    if length is not None:
        return length.strip() != "0"
    return raw_header(connection, b"transfer-encoding") is not None


def require_json(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """A JSON route refuses another media type: a browser may send text/plain cross-site without asking first."""
    media_type = (raw_header(connection, b"content-type") or "").partition(";")[0].strip().lower()
    if media_type != JSON_MEDIA_TYPE and has_body(connection):
        raise errors.DomainError(errors.JSON_REQUIRED)


def limit_json_on_photo_routes(request: Request[Any, Any, Any]) -> None:
    """A route whose ceiling is sized for photos (POST /api/v1/visits) still takes no more JSON than a visit needs."""
    ceiling = request.route_handler.resolve_request_max_body_size() or 0
    if ceiling <= limits.JSON_BYTES:
        return
    media_type = (raw_header(request, b"content-type") or "").partition(";")[0].strip().lower()
    length = raw_header(request, b"content-length")
    if media_type == JSON_MEDIA_TYPE and length and length.strip().isdigit() and int(length) > limits.JSON_BYTES:
        raise errors.DomainError(errors.TOO_LARGE)


def our_origins(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> set[str]:
    """The configured public origin, and the origin this request was addressed to (a browser cannot forge the
    Host of a request another site makes it send)."""
    origins = {f"{connection.scope['scheme']}://{(raw_header(connection, b'host') or '').lower()}"}
    if settings.public_url:
        public = origin_of(settings.public_url)
        if public:
            origins.add(public)
    return origins


def require_same_site(connection: ASGIConnection[Any, Any, Any, Any], session_token: str, settings: Settings) -> None:
    if csrf_token_matches(session_token, raw_header(connection, CSRF_HEADER)):
        return
    claimed = raw_header(connection, b"origin") or raw_header(connection, b"referer")
    origin = origin_of(claimed)
    if origin is None or origin not in our_origins(connection, settings):
        raise errors.DomainError(errors.CROSS_SITE_REFUSED)


def cookie_session(connection: ASGIConnection[Any, Any, Any, Any]) -> str | None:
    """The session cookie when it is what would authenticate this request (no Authorization header): the one
    credential a browser attaches to another site's request on its own."""
    if raw_header(connection, b"authorization"):
        return None
    return connection.cookies.get(SESSION_COOKIE) or None


def refuse_cross_site(connection: ASGIConnection[Any, Any, Any, Any], settings: Settings) -> None:
    """The rule for every unsafe request, decided per route before any handler runs: carried by the session
    cookie, it must come from our own origin or carry X-CSRF-Token. Pages (outside /api/) post plain forms whose
    hidden-field token only the handler can read, so here a page post is refused only when it names a foreign
    origin; without Origin or Referer the page's own token check (service/pages/guard.py) decides."""
    token = cookie_session(connection)
    if token is None:
        return
    if connection.scope["path"].startswith("/api/"):
        require_same_site(connection, token, settings)
        return
    claimed = raw_header(connection, b"origin") or raw_header(connection, b"referer")
    if claimed is not None and origin_of(claimed) not in our_origins(connection, settings):
        raise errors.DomainError(errors.CROSS_SITE_REFUSED)


def refuse_nul(connection: ASGIConnection[Any, Any, Any, Any]) -> None:
    """A NUL character cannot be stored in PostgreSQL text (SQLite would keep it): refused at the door, alike on
    both databases."""
    scope = connection.scope
    if "\x00" in scope.get("path", "") or b"%00" in scope.get("query_string", b""):
        raise errors.DomainError(errors.NUL_CHARACTER)


async def check_request(request: Request[Any, Any, Any]) -> None:
    """The app's before_request hook: Litestar runs it after routing and before it parses any parameter or body.
    (A guard would do too, but Litestar copies the handler for every guard call: ~0.1 ms a request here.)"""
    refuse_nul(request)
    needs = route_needs(request.route_handler)
    unsafe = request.scope["method"] in UNSAFE_METHODS
    if unsafe and not request.route_handler.opt.get(ACTS_WITHOUT_SESSION):
        # Every unsafe route, whatever its handler declares (POST /api/v1/visits resolves its caller itself).
        refuse_cross_site(request, request.app.state.settings)
    if needs.caller:
        await authenticate(request, None, request.app.state.token_lookup)
    if needs.json_body and unsafe:
        require_json(request)
    elif unsafe:
        limit_json_on_photo_routes(request)
