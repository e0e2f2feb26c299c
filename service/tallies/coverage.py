"""Household coverage, defined once for the home page, the tallies, the report and the exports.

A household counts as **visited** once a visit to it stands: its latest visit that is not rejected (pending,
approved or has issues) gives it a current assessment (service/assessments: `COUNTING`). Coverage is the
visited households over the households not merged into another, for the form a tally is about (by default the
newest published form with a rubric). The tallies count it from the per-village cells or, for a period, from
the tables; the household export marks each household visited by the same assessment row; the home page and the
report show the tallies' figures. tests/tallies/test_one_truth.py holds the four to each other on the demo.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.areas.models import Area
from service.assessments.counting import COUNTING
from service.auth.actor import Actor
from service.db.tables import table_of
from service.tallies.schemas import Coverage

AREAS = table_of(Area)
__all__ = ["COUNTING", "AreaCoverage", "coverage", "coverage_of_area", "home_area_code", "percent", "visited"]


def coverage(total: int, visited: int) -> Coverage:
    """The one ratio: visited over households (None when there are none)."""
    return Coverage(total=total, visited=visited, coverage=visited / total if total else None)


def percent(figure: Coverage) -> int:
    """Coverage as a whole percentage for a bar or a tile (0 when there are no households)."""
    return round(100 * figure.coverage) if figure.coverage is not None else 0


def visited(assessment_household_id: Any) -> Any:
    """SQL: the household (outer-joined to its assessment for the form) counts as visited."""
    return assessment_household_id.is_not(None)


@dataclass(slots=True)
class AreaRow:
    code: str
    name: str
    households: Coverage

    @property
    def percent(self) -> int:
        return percent(self.households)


@dataclass(slots=True)
class AreaCoverage:
    area: AreaRow
    children: list[AreaRow]


async def home_area_code(session: AsyncSession, actor: Actor) -> str | None:
    """The area a person's home page is about: their own; for an admin, the first top-level area."""
    query = select(AREAS.c.code)
    if actor.area_id is not None:
        query = query.where(AREAS.c.id == actor.area_id)
    else:
        query = query.where(AREAS.c.parent_id.is_(None), AREAS.c.closed_at.is_(None)).order_by(AREAS.c.code)
    return (await session.execute(query.limit(1))).scalar_one_or_none()


async def coverage_of_area(session: AsyncSession, actor: Actor, area: str) -> AreaCoverage:
    """The area's and each child's coverage, as the tally (without a period) counts it."""
    from service.tallies.services import compute  # the tallies import this module

    computed = await compute(session, actor, area)
    root = computed.tree.root
    return AreaCoverage(
        area=AreaRow(root.code, root.name, coverage(computed.total.households, computed.total.visited)),
        children=[
            AreaRow(node.code, node.name, coverage(tally.households, tally.visited))
            for node, tally in computed.children
        ],
    )
