"""The page session cookie, built in one place for the API login, the pages' sign-in and both sign-outs."""

from __future__ import annotations

from typing import Any

from litestar import Request
from litestar.datastructures import Cookie

from service.auth.authn import SESSION_COOKIE


def session_cookie(request: Request[Any, Any, Any], token: str, hours: float) -> Cookie:
    """HttpOnly (no script reads it), SameSite=Lax (not sent on cross-site posts), Secure over HTTPS."""
    return Cookie(
        key=SESSION_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="lax",
        secure=request.url.scheme == "https",
        max_age=int(hours * 3600),
    )


def ended_session_cookie() -> Cookie:
    """Tells the browser to drop the session cookie (sign-out)."""
    return Cookie(key=SESSION_COOKIE, value="", path="/", max_age=0, httponly=True, samesite="lax")
