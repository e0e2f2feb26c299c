"""Who is looking at a page, and the CSRF tokens of page forms.

A signed-in page form carries a token derived from the session's own secret (SHA-256 of a fixed label and the
session token). Only someone holding the HttpOnly cookie can compute it, it needs no storage, and it dies with
the session. The sign-in form, before any session exists, uses a random token in a SameSite=Strict cookie that
the posted field must match (double submit).
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Mapping

from litestar import Request
from litestar.datastructures import Cookie
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.auth.actor import Actor, Role
from service.auth.authn import authenticate, presented_token

LOGIN_CSRF_COOKIE = "gocua_login_csrf"
LANG_COOKIE = "gocua_lang"
LANGS = ("vi", "en")
CSRF_FIELD = "csrf"
# Pages are the supervisors' tool; members and leaders work on their phones.
PAGE_ROLES = (Role.SUPERVISOR, Role.ADMIN)


def lang_of(request: Request) -> str:
    lang = request.cookies.get(LANG_COOKIE, "vi")
    return lang if lang in LANGS else "vi"


def csrf_for(token: str) -> str:
    return hashlib.sha256(b"gocua-page-csrf\x00" + token.encode()).hexdigest()


def session_csrf(request: Request) -> str:
    token = presented_token(request)
    return csrf_for(token) if token else ""


def check_csrf(request: Request, form: Mapping[str, str]) -> None:
    """Refuses a signed-in form post whose token is missing or not this session's."""
    expected = session_csrf(request)
    sent = form.get(CSRF_FIELD) or request.headers.get("x-csrf-token") or ""
    if not expected or not hmac.compare_digest(expected, sent):
        raise errors.DomainError(errors.PAGE_CSRF_FAILED)


def login_csrf(request: Request) -> tuple[str, Cookie | None]:
    """The sign-in form's token, and the cookie to set when the browser has none yet."""
    current = request.cookies.get(LOGIN_CSRF_COOKIE)
    if current and len(current) == 43:
        return current, None
    token = secrets.token_urlsafe(32)
    return token, Cookie(
        key=LOGIN_CSRF_COOKIE,
        value=token,
        path="/",
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
        max_age=3600,
    )


def check_login_csrf(request: Request, form: Mapping[str, str]) -> None:
    cookie = request.cookies.get(LOGIN_CSRF_COOKIE) or ""
    sent = form.get(CSRF_FIELD) or ""
    if not cookie or not hmac.compare_digest(cookie, sent):
        raise errors.DomainError(errors.PAGE_CSRF_FAILED)


async def page_actor(request: Request, session: AsyncSession) -> Actor:
    """The signed-in supervisor or admin; 401 (→ the sign-in page) without a session, 403 for field roles."""
    actor = await authenticate(request, session, request.app.state.token_lookup)
    if actor.role not in PAGE_ROLES:
        raise errors.DomainError(
            errors.FORBIDDEN,
            "Trang này dành cho giám sát viên; thành viên dùng ứng dụng điện thoại.",
            "These pages are for supervisors; team members use the phone app.",
        )
    return actor


def safe_next(target: str | None) -> str:
    """A local path to go on to after sign-in or a language switch (never another host)."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target
