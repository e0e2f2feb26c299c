"""Wire types of the tallies (and of the report, which is built from them)."""

from __future__ import annotations

from datetime import date

import msgspec

from forms.spec import Label


class Coverage(msgspec.Struct, kw_only=True):
    total: int
    visited: int
    coverage: float | None  # visited / total; None when there are no households


class LevelCount(msgspec.Struct, kw_only=True):
    value: int | None  # None: assessed, but no level's condition held (or the form has no rubric)
    name: Label | None
    households: int
    share: float | None  # of the assessed households


class IndicatorRate(msgspec.Struct, kw_only=True):
    name: str
    label: Label
    numerator: int
    denominator: int
    rate: float | None


class VisitCounts(msgspec.Struct, kw_only=True):
    total: int
    approved: int
    rejected: int
    unreviewed: int
    has_issues: int


class HardToReach(msgspec.Struct, kw_only=True):
    elderly_only: Coverage
    temporary_resident: Coverage
    # Assessed households whose rubric says they have no smartphone (only visits can tell).
    no_smartphone_households: int
    members_without_smartphone: int


class AreaTally(msgspec.Struct, kw_only=True):
    code: str
    name: str
    level: str
    households: Coverage
    assessed: int
    levels: list[LevelCount]
    indicators: list[IndicatorRate]
    visits: VisitCounts
    teams: int
    members: int
    active_members: int
    open_flags: dict[str, int]
    hard_to_reach: HardToReach


class FormRef(msgspec.Struct, kw_only=True):
    id: str
    version: str
    title: Label


class Period(msgspec.Struct, kw_only=True):
    from_: date | None = msgspec.field(name="from", default=None)
    to: date | None = None


class TallyOut(msgspec.Struct, kw_only=True):
    area: AreaTally
    children: list[AreaTally]
    form: FormRef | None
    period: Period
