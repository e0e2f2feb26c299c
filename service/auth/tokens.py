"""Opaque bearer tokens. The database keeps only their SHA-256, so a leaked table grants nothing."""

from __future__ import annotations

import hashlib
import secrets

DEVICE_PREFIX = "gcd_"
SESSION_PREFIX = "gcs_"


def new_token(prefix: str) -> str:
    return prefix + secrets.token_urlsafe(32)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()
