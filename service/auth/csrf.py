"""Cross-site request checks for cookie sessions: Origin (or Referer) must be ours, or a per-session token.

A browser attaches the session cookie to any site's request, so an unsafe request carried by the cookie must
prove it came from one of our pages: its Origin (else Referer) is the service's own origin, or it carries
`X-CSRF-Token` equal to `csrf_token(session cookie)`. The token is derived from the session token, which only
the signed-in browser holds (the cookie is HttpOnly), so nothing new is stored; server-rendered page forms put
the same value in a hidden field. Bearer-token callers (phones, scripts) are never asked.
"""

from __future__ import annotations

import hashlib
import hmac
from urllib.parse import urlsplit

CSRF_HEADER = b"x-csrf-token"
UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
# A route's `opt` key declaring that it acts on no session (sign-in): the cross-site rule does not apply to it.
ACTS_WITHOUT_SESSION = "acts_without_session"


def csrf_token(session_token: str) -> str:
    """The per-session CSRF token: a one-way function of the session token, so it reveals nothing about it."""
    return hashlib.sha256(b"gocua-csrf:" + session_token.encode()).hexdigest()


def csrf_token_matches(session_token: str, presented: str | None) -> bool:
    return bool(presented) and hmac.compare_digest(csrf_token(session_token), presented or "")


def origin_of(url: str | None) -> str | None:
    """`scheme://host[:port]` of a URL (Origin or Referer), lower-cased; None when it has none."""
    if not url or url == "null":
        return None
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.netloc:
        return None
    scheme = parts.scheme.lower()
    netloc = parts.netloc.lower().rpartition("@")[2]
    default_port = {"http": ":80", "https": ":443"}.get(scheme)
    if default_port and netloc.endswith(default_port):
        netloc = netloc[: -len(default_port)]
    return f"{scheme}://{netloc}"
