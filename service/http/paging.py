"""Cursor paging shared by every list endpoint: opaque cursors, bounded limits."""

from __future__ import annotations

import base64
from typing import Annotated, Any, Generic, TypeVar

import msgspec
from litestar.params import QueryParameter

from service import errors

T = TypeVar("T")

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
# The `limit` query parameter of every list: clamp_limit refuses what lies outside 1..MAX_LIMIT (with this
# service's own problem), and the OpenAPI document says so (schema_extra documents without validating).
PageLimit = Annotated[
    int | None,
    QueryParameter(
        description=f"Items per page: 1 to {MAX_LIMIT} (default {DEFAULT_LIMIT})",
        schema_extra={"minimum": 1, "maximum": MAX_LIMIT},
    ),
]


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
