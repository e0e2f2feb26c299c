"""The area subtree a tally covers, and which child of the asked area each of its areas rolls up into.

The SQL aggregates per area id (a village, usually) and Python adds the rows into the child they belong to, so
a parent's numerators and denominators are by construction the sums of its children's, and each table is
scanned once with a plain GROUP BY. Closed areas (and everything under them) are left out of every figure.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.areas.models import Area
from service.auth.scope import path_prefix_filter
from service.common.clock import local_day_start
from service.db.tables import table_of

AREAS = table_of(Area)


@dataclass(slots=True)
class Node:
    id: int
    code: str
    name: str
    level: str
    path: str


@dataclass(slots=True)
class Subtree:
    root: Node
    children: list[Node]
    # Open area id → the id of the bucket it adds into: a child's id, or the root's for the root itself.
    bucket_of: dict[int, int] = field(default_factory=dict)


async def load_subtree(session: AsyncSession, root: Area) -> Subtree:
    rows = (
        await session.execute(
            select(
                AREAS.c.id,
                AREAS.c.code,
                AREAS.c.name,
                AREAS.c.level,
                AREAS.c.path,
                AREAS.c.closed_at,
                AREAS.c.parent_id,
            ).where(path_prefix_filter(AREAS.c.path, root.path))
        )
    ).all()
    assert root.id is not None
    tree = Subtree(root=Node(root.id, root.code, root.name, root.level, root.path), children=[])
    closed = {row.id for row in rows if row.closed_at is not None and row.id != root.id}
    depth = len(root.path.strip("/").split("/")) - 1  # '/1/7/' → the root is at index 1
    for row in sorted(rows, key=lambda r: r.code):
        ids = [int(part) for part in row.path.strip("/").split("/")]
        below = ids[depth:]  # the root, then the chain down to this area
        if any(area_id in closed for area_id in below):
            continue
        tree.bucket_of[row.id] = below[1] if len(below) > 1 else root.id
        if row.parent_id == root.id:
            tree.children.append(Node(row.id, row.code, row.name, row.level, row.path))
    return tree


def period_bounds(start: date | None, end: date | None) -> tuple[datetime | None, datetime | None]:
    """Local (Vietnam) dates, both inclusive → UTC instants [from, to)."""
    if start is not None and end is not None and end < start:
        raise errors.DomainError(
            errors.BAD_QUERY, "Ngày kết thúc phải sau ngày bắt đầu.", "'to' must not be before 'from'."
        )

    def instant(day: date) -> datetime | None:
        # The first and last days a date can name (0001-01-01, 9999-12-31) have no UTC instant or next day:
        # a period reaching them reaches every visit, so it is open on that side.
        try:
            return local_day_start(day)
        except OverflowError:
            return None

    def day_after(day: date) -> datetime | None:
        return None if day >= date.max else instant(day + timedelta(days=1))

    return (instant(start) if start else None, day_after(end) if end else None)
