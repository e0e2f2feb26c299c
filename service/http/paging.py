"""Cursor paging shared by every list endpoint: opaque cursors, bounded limits."""

from __future__ import annotations

import base64
from typing import Any, Generic, TypeVar

import msgspec

from service import errors

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class Page(msgspec.Struct, Generic[T]):
    items: list[T]
    next: str | None = None


def encode_cursor(position: Any) -> str:
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).decode().rstrip("=")


def decode_cursor(cursor: str | None, shape: type[T]) -> T | None:
    if not cursor:
        return None
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=shape)
    except (ValueError, msgspec.DecodeError, msgspec.ValidationError) as exc:
        raise errors.DomainError(errors.BAD_CURSOR) from exc


def clamp_limit(limit: int | None) -> int:
    if limit is None:
        return DEFAULT_LIMIT
    if limit < 1 or limit > MAX_LIMIT:
        raise errors.DomainError(
            errors.BAD_QUERY,
            f"limit phải từ 1 đến {MAX_LIMIT}.",
            f"limit must be between 1 and {MAX_LIMIT}.",
        )
    return limit
