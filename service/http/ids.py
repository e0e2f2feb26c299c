"""Bounds for numbers that reach the database from outside: an id or cursor past the column's range must be a
clean 4xx, not a driver overflow (500)."""

from __future__ import annotations

from typing import Annotated

from litestar.params import PathParameter, QueryParameter

from service import errors
from service.http.paging import decode_cursor

INT32_MAX = 2**31 - 1
INT64_MAX = 2**63 - 1

# A row id in a path (/teams/{team_id}); 0 or negative simply finds nothing (404); past the int4 column's range
# either way it is a 400 before any query (PostgreSQL would refuse to compare it: a 500).
PathId = Annotated[int, PathParameter(ge=-INT32_MAX - 1, le=INT32_MAX)]
QueryId = Annotated[int | None, QueryParameter(le=INT32_MAX, ge=-INT32_MAX)]


def cursor_int(cursor: str | None, maximum: int = INT32_MAX) -> int:
    """A cursor holding one position (an id or a change number); 0 when absent."""
    value = decode_cursor(cursor, int)
    if value is None:
        return 0
    if not 0 <= value <= maximum:
        raise errors.DomainError(errors.BAD_CURSOR)
    return value
