"""Reading the tally cells (cells.py keeps them current): the rows a tally without a period adds up, and on
PostgreSQL those rows summed per child area in SQL before they reach Python."""

from __future__ import annotations

from typing import Any

from sqlalchemy import BigInteger, Integer, bindparam, cast, func, literal, select, type_coerce
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.sql.elements import Grouping

from service.tallies.cells import CELLS


def household_rows(subtree_ids: Any, form_id: str | None) -> list[Any]:
    """The rows `_add_households` adds up, from the cells, as (area_id, form_version, level, visited, n, elderly,
    temporary): households (counted, not visited), then, for a form, its assessed households (visited)."""

    def cells_of(kind: str, visited: bool) -> Any:
        c = CELLS.c
        columns = (c.area_id, c.form_version, c.level, literal(visited).label("visited"))
        return select(*columns, c.n, c.elderly, c.temporary).where(c.kind == kind, c.area_id.in_(subtree_ids))

    households = cells_of("households", visited=False)
    if form_id is None:
        return [households]
    return [households, cells_of("assessed", visited=True).where(CELLS.c.form_id == form_id)]


def indicator_rows(subtree_ids: Any, form_id: str) -> Any:
    """How many of a form's assessed households meet each indicator, from the cells: rows of (area_id,
    form_version, key = the indicator's bit index, n)."""
    c = CELLS.c
    return select(c.area_id, c.form_version, c.key, c.n).where(
        c.kind == "indicators", c.form_id == form_id, c.area_id.in_(subtree_ids)
    )


# Above this span of area ids the bucket array would be large; the rows are then summed in Python instead.
BUCKET_ARRAY_MAX = 200_000


def summed_by_bucket(query: Any, bucket_of: dict[int, int], keys: list[str], sums: list[str]) -> Any:
    """PostgreSQL: rows of (area_id, *keys, *sums) — `household_rows`', `counted`'s, the members' — added up per
    bucket (child area) and `keys` in SQL, so a province's ~50,000 village cells reach Python as ~2,000 rows
    (turning each cell into a Python row and summing it there was most of a province tally's time). The rows keep
    their shape; `area_id` is the bucket's id, which buckets to itself. Areas outside `bucket_of` (closed ones)
    drop out, as they do in Python. Returns `query` unchanged when the ids span more than BUCKET_ARRAY_MAX.

    Each row finds its bucket by subscripting an array indexed by area id (less the smallest), not by a join: a
    join to the map was planned as a nested loop whenever the cells' statistics were stale (the table is
    rewritten all day), 68 million comparisons and 5 s for one province tally.
    """
    if not bucket_of:
        return query
    base = min(bucket_of) - 1
    span = max(bucket_of) - base
    if span > BUCKET_ARRAY_MAX:
        return query
    by_id: list[int | None] = [None] * span
    for area_id, bucket_id in bucket_of.items():
        by_id[area_id - base - 1] = bucket_id
    cells = query.subquery()
    # In parentheses: PostgreSQL subscripts `($1::INTEGER[])[i]`, not `$1::INTEGER[][i]`.
    buckets = type_coerce(Grouping(bindparam("buckets", by_id, type_=ARRAY(Integer))), ARRAY(Integer))
    bucket = buckets[cells.c.area_id - base]  # PostgreSQL arrays count from 1; outside the array: NULL
    grouped = [cells.c[name] for name in keys]
    return (
        select(
            bucket.label("area_id"),
            *grouped,
            *(cast(func.sum(cells.c[name]), BigInteger).label(name) for name in sums),
        )
        .where(bucket.is_not(None))
        .group_by(bucket, *grouped)
    )


def visitor_ids(subtree_ids: Any, form_id: str | None) -> Any:
    """The users who made a visit (themselves or through their leader) in these areas, from the cells."""
    c = CELLS.c
    query = select(cast(c.key, Integer)).where(c.kind == "visitors", c.area_id.in_(subtree_ids))
    return query.where(c.form_id == form_id) if form_id is not None else query


def counted(kind: str, subtree_ids: Any, form_id: str | None) -> Any:
    """Visits by review status, or open flags by code, from the cells: rows of (area_id, key, n)."""
    c = CELLS.c
    query = select(c.area_id, c.key, c.n).where(c.kind == kind, c.area_id.in_(subtree_ids))
    return query.where(c.form_id == form_id) if form_id is not None else query
