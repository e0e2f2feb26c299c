"""A tally's counts (`Tally`, added up the tree) and their shape on the wire (`area_tally`): rates as sums of
numerators over sums of denominators."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from service.tallies.coverage import coverage
from service.tallies.form_info import FormInfo
from service.tallies.schemas import AreaTally, HardToReach, IndicatorRate, LevelCount, VisitCounts
from service.tallies.tree import Node


@dataclass(slots=True)
class Tally:
    """Counts of one bucket; `add` sums another into it (the roll-up)."""

    households: int = 0
    visited: int = 0
    elderly: int = 0
    elderly_visited: int = 0
    temporary: int = 0
    temporary_visited: int = 0
    assessed: int = 0
    no_smartphone: int = 0
    levels: dict[int | None, int] = field(default_factory=dict)
    numerators: dict[str, int] = field(default_factory=dict)
    denominators: dict[str, int] = field(default_factory=dict)
    visits: dict[str, int] = field(default_factory=dict)
    flags: dict[str, int] = field(default_factory=dict)
    teams: int = 0
    members: int = 0
    active_members: int = 0
    members_without_smartphone: int = 0

    def add(self, other: Tally) -> None:
        for name in (
            "households",
            "visited",
            "elderly",
            "elderly_visited",
            "temporary",
            "temporary_visited",
            "assessed",
            "no_smartphone",
            "teams",
            "members",
            "active_members",
            "members_without_smartphone",
        ):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        for name in ("levels", "numerators", "denominators", "visits", "flags"):
            mine: dict[Any, int] = getattr(self, name)
            for key, value in getattr(other, name).items():
                mine[key] = mine.get(key, 0) + value


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def area_tally(node: Node, tally: Tally, form: FormInfo | None) -> AreaTally:
    level_names = dict(form.levels) if form else {}
    values: list[int | None] = [value for value, _ in form.levels] if form else []
    values += sorted((v for v in tally.levels if v not in level_names), key=lambda v: (v is None, v or 0))
    levels = [
        LevelCount(
            value=value,
            name=level_names.get(value) if value is not None else None,
            households=tally.levels.get(value, 0),
            share=_ratio(tally.levels.get(value, 0), tally.assessed),
        )
        for value in values
    ]
    indicators = [
        IndicatorRate(
            name=name,
            label=label,
            numerator=tally.numerators.get(name, 0),
            denominator=tally.denominators.get(name, 0),
            rate=_ratio(tally.numerators.get(name, 0), tally.denominators.get(name, 0)),
        )
        for name, label in (form.indicators if form else [])
    ]
    visits = tally.visits
    return AreaTally(
        code=node.code,
        name=node.name,
        level=node.level,
        households=coverage(tally.households, tally.visited),
        assessed=tally.assessed,
        levels=levels,
        indicators=indicators,
        visits=VisitCounts(
            total=sum(visits.values()),
            approved=visits.get("approved", 0),
            rejected=visits.get("rejected", 0),
            unreviewed=visits.get("pending", 0),
            has_issues=visits.get("has_issues", 0),
        ),
        teams=tally.teams,
        members=tally.members,
        active_members=tally.active_members,
        open_flags=dict(sorted(tally.flags.items())),
        hard_to_reach=HardToReach(
            elderly_only=coverage(tally.elderly, tally.elderly_visited),
            temporary_resident=coverage(tally.temporary, tally.temporary_visited),
            no_smartphone_households=tally.no_smartphone,
            members_without_smartphone=tally.members_without_smartphone,
        ),
    )
