"""Tallies rolled up the area tree: GET /api/v1/tallies?area=CODE[&form=&from=&to=].

Four GROUP BY queries over the subtree, each grouped by area id (households with their assessments; visits;
open flags; teams and members), added up in Python into the asked area's children (see tree.py). Every rate is
a sum of numerators over a sum of denominators at every level, never an average of percentages.

Without a period, "visited" means the household has a current assessment (a counting visit). With `from`/`to`
(local dates, inclusive), visited means a counting visit finished in the period, and levels and indicators come
from the current assessments whose visit lies in the period; visits, active members and flags are counted in
the period too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from sqlalchemy import Integer, and_, cast, exists, func, literal, select, text
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.areas.services import area_in_scope
from service.assessments.models import Assessment
from service.assessments.services import COUNTING, MAX_INDICATOR_BITS
from service.auth.actor import Actor
from service.auth.scope import path_prefix_filter
from service.db.tables import table_of
from service.households.models import Household
from service.people.models import Team, User
from service.registry.models import FormVersion
from service.registry.services import load_stored
from service.tallies.schemas import (
    AreaTally,
    Coverage,
    FormRef,
    HardToReach,
    IndicatorRate,
    LevelCount,
    Period,
    TallyOut,
    VisitCounts,
)
from service.tallies.tree import AREAS, Node, Subtree, load_subtree, period_bounds
from service.visits.models import Visit, VisitFlag

HOUSEHOLDS = table_of(Household)
ASSESSMENTS = table_of(Assessment)
VISITS = table_of(Visit)
FLAGS = table_of(VisitFlag)
TEAMS = table_of(Team)
USERS = table_of(User)
FORM_VERSIONS = table_of(FormVersion)
OPEN_REVIEW = ("pending", "has_issues")  # flags on a visit nobody has decided on yet
SMARTPHONE_INDICATOR = "has_smartphone"


@dataclass(slots=True)
class FormInfo:
    id: str
    version: str
    title: forms.Label
    indicators: list[tuple[str, forms.Label]]
    levels: list[tuple[int, forms.Label]]
    names_by_version: dict[str, list[str]]

    @property
    def bit_count(self) -> int:
        return min(MAX_INDICATOR_BITS, max((len(names) for names in self.names_by_version.values()), default=0))


async def resolve_form(session: AsyncSession, form_id: str | None) -> FormInfo | None:
    """The asked form (404 if unknown); by default the newest published form with a rubric."""
    query = select(FORM_VERSIONS.c.form_id, FORM_VERSIONS.c.version, FORM_VERSIONS.c.definition).order_by(
        FORM_VERSIONS.c.id.desc()
    )
    if form_id is not None:
        query = query.where(FORM_VERSIONS.c.form_id == form_id)
    rows = (await session.execute(query)).all()
    if not rows:
        if form_id is not None:
            raise errors.DomainError(errors.FORM_NOT_FOUND)
        return None
    definitions = [(row.form_id, row.version, load_stored(row.definition)) for row in rows]
    chosen = next((d for d in definitions if d[2].rubric is not None), definitions[0])
    latest = chosen[2]
    names_by_version = {
        version: [i.name for i in d.rubric.indicators] if d.rubric else []
        for fid, version, d in definitions
        if fid == chosen[0]
    }
    rubric = latest.rubric
    return FormInfo(
        id=chosen[0],
        version=chosen[1],
        title=latest.title,
        indicators=[(i.name, i.label) for i in rubric.indicators] if rubric else [],
        levels=[(level.value, level.name) for level in rubric.levels] if rubric else [],
        names_by_version=names_by_version,
    )


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


def _counts(elderly: Any, temporary: Any) -> list[Any]:
    return [
        func.count().label("n"),
        func.sum(cast(elderly, Integer)).label("elderly"),
        func.sum(cast(temporary, Integer)).label("temporary"),
    ]


def _households_query(tree: Subtree, form: FormInfo | None, start: datetime | None, end: datetime | None) -> Any:
    """Households per (village, and their assessment's version, level and indicator bits), with a period.

    Grouping by the bit pattern (a few dozen distinct ones) and counting is much cheaper for the database than
    summing every indicator's bit; Python expands the patterns into numerators.
    """
    h, a = HOUSEHOLDS, ASSESSMENTS
    in_subtree = h.c.area_id.in_(select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, tree.root.path)))
    counts = _counts(h.c.elderly_only, h.c.temporary_resident)
    if form is None:
        return (
            select(
                h.c.area_id,
                literal(None).label("form_version"),
                literal(None).label("level"),
                literal(None).label("indicator_bits"),
                literal(False).label("visited"),
                *counts,
            )
            .where(h.c.status != "merged", in_subtree)
            .group_by(h.c.area_id)
        )
    joined = [a.c.household_id == h.c.id, a.c.form_id == form.id]
    if start is not None:
        joined.append(a.c.assessed_at >= start)
    if end is not None:
        joined.append(a.c.assessed_at < end)
    counting = [VISITS.c.household_id == h.c.id, VISITS.c.form_id == form.id, VISITS.c.review_status.in_(COUNTING)]
    moment = func.coalesce(VISITS.c.finished_at, VISITS.c.received_at)
    if start is not None:
        counting.append(moment >= start)
    if end is not None:
        counting.append(moment < end)
    visited = exists(select(literal(1)).where(*counting))
    keys = [h.c.area_id, a.c.form_version, a.c.level, a.c.indicator_bits]
    return (
        select(*keys, visited.label("visited"), *counts)
        .select_from(h.outerjoin(a, and_(*joined)))
        .where(h.c.status != "merged", in_subtree)
        .group_by(*keys, visited)
    )


def _visit_filters(tree: Subtree, form: FormInfo | None, start: datetime | None, end: datetime | None) -> list[Any]:
    conditions = [path_prefix_filter(VISITS.c.area_path, tree.root.path)]
    if form is not None:
        conditions.append(VISITS.c.form_id == form.id)
    moment = func.coalesce(VISITS.c.finished_at, VISITS.c.received_at)
    if start is not None:
        conditions.append(moment >= start)
    if end is not None:
        conditions.append(moment < end)
    return conditions


def _current_queries(tree: Subtree, form: FormInfo) -> list[Any]:
    """Without a period: households alone, then assessments alone (they carry their household's village and
    flags), so no million-row join is needed."""
    h, a = HOUSEHOLDS, ASSESSMENTS
    in_subtree = select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, tree.root.path))
    households = (
        select(
            h.c.area_id,
            literal(None).label("form_version"),
            literal(None).label("level"),
            literal(None).label("indicator_bits"),
            literal(False).label("visited"),
            *_counts(h.c.elderly_only, h.c.temporary_resident),
        )
        .where(h.c.status != "merged", h.c.area_id.in_(in_subtree))
        .group_by(h.c.area_id)
    )
    keys = [a.c.area_id, a.c.form_version, a.c.level, a.c.indicator_bits]
    assessed = (
        select(*keys, literal(True).label("visited"), *_counts(a.c.elderly_only, a.c.temporary_resident))
        .where(a.c.form_id == form.id, a.c.area_id.in_(in_subtree))
        .group_by(*keys)
    )
    return [households, assessed]


async def _add_households(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    bit_names = {
        version: list(enumerate(names[:MAX_INDICATOR_BITS]))
        for version, names in (form.names_by_version.items() if form else [])
    }
    # (row, whether it counts households): the join's rows all do; of the two plain queries, the first.
    rows: list[tuple[Any, bool]] = []
    if form is not None and start is None and end is None:
        households, assessed = _current_queries(tree, form)
        rows += [(row, True) for row in await session.execute(households)]
        rows += [(row, False) for row in await session.execute(assessed)]
    else:
        rows += [(row, True) for row in await session.execute(_households_query(tree, form, start, end))]
    for row, counts_households in rows:
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is None:
            continue  # a closed area
        n, elderly, temporary = row.n, row.elderly or 0, row.temporary or 0
        if counts_households:
            bucket.households += n
            bucket.elderly += elderly
            bucket.temporary += temporary
        if row.visited:
            bucket.visited += n
            bucket.elderly_visited += elderly
            bucket.temporary_visited += temporary
        if row.form_version is None:
            continue  # not assessed (in the period)
        bucket.assessed += n
        bucket.levels[row.level] = bucket.levels.get(row.level, 0) + n
        bits = row.indicator_bits
        for index, name in bit_names.get(row.form_version, ()):
            met = n if bits >> index & 1 else 0
            bucket.numerators[name] = bucket.numerators.get(name, 0) + met
            bucket.denominators[name] = bucket.denominators.get(name, 0) + n
            if name == SMARTPHONE_INDICATOR and not met:
                bucket.no_smartphone += n


async def _add_visits(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    """Visits by review status."""
    query = (
        select(VISITS.c.area_id, VISITS.c.review_status, func.count().label("n"))
        .where(*_visit_filters(tree, form, start, end))
        .group_by(VISITS.c.area_id, VISITS.c.review_status)
    )
    for row in await session.execute(query):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is not None:
            bucket.visits[row.review_status] = bucket.visits.get(row.review_status, 0) + row.n


async def _add_flags(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    query = (
        select(VISITS.c.area_id, FLAGS.c.code, func.count().label("n"))
        .select_from(FLAGS.join(VISITS, VISITS.c.id == FLAGS.c.visit_id))
        .where(*_visit_filters(tree, form, start, end), VISITS.c.review_status.in_(OPEN_REVIEW))
        .group_by(VISITS.c.area_id, FLAGS.c.code)
    )
    for row in await session.execute(query):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is not None:
            bucket.flags[row.code] = bucket.flags.get(row.code, 0) + row.n


def _made_a_visit(
    member: Any, column: Any, tree: Subtree, form: FormInfo | None, start: datetime | None, end: datetime | None
) -> Any:
    # A probe per member down the (submitted_by, finished_at) index, not a pass over every visit.
    return exists(select(literal(1)).where(column == member, *_visit_filters(tree, form, start, end)))


async def _add_people(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    """Teams, members, members without a smartphone, and members active in the period: who made a visit in
    the area, themselves or through their leader (`on_behalf_of`)."""
    in_subtree = select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, tree.root.path))
    teams = (
        select(TEAMS.c.area_id, func.count().label("n"))
        .where(TEAMS.c.area_id.in_(in_subtree))
        .group_by(TEAMS.c.area_id)
    )
    for row in await session.execute(teams):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is not None:
            bucket.teams += row.n
    active = _made_a_visit(USERS.c.id, VISITS.c.submitted_by, tree, form, start, end) | _made_a_visit(
        USERS.c.id, VISITS.c.on_behalf_of, tree, form, start, end
    )
    members = (
        select(USERS.c.area_id, USERS.c.has_smartphone, active.label("active"), func.count().label("n"))
        .where(
            USERS.c.role.in_(("member", "leader")),
            USERS.c.active.is_(True),
            USERS.c.area_id.in_(in_subtree),
        )
        .group_by(USERS.c.area_id, USERS.c.has_smartphone, active)
    )
    for row in await session.execute(members):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is None:
            continue
        bucket.members += row.n
        bucket.active_members += row.n if row.active else 0
        bucket.members_without_smartphone += 0 if row.has_smartphone else row.n


def _ratio(numerator: int, denominator: int) -> float | None:
    return numerator / denominator if denominator else None


def _coverage(total: int, visited: int) -> Coverage:
    return Coverage(total=total, visited=visited, coverage=_ratio(visited, total))


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
        households=_coverage(tally.households, tally.visited),
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
            elderly_only=_coverage(tally.elderly, tally.elderly_visited),
            temporary_resident=_coverage(tally.temporary, tally.temporary_visited),
            no_smartphone_households=tally.no_smartphone,
            members_without_smartphone=tally.members_without_smartphone,
        ),
    )


@dataclass(slots=True)
class Computed:
    tree: Subtree
    form: FormInfo | None
    total: Tally
    children: list[tuple[Node, Tally]]
    period: Period


async def compute(
    session: AsyncSession,
    actor: Actor,
    area: str,
    form_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> Computed:
    root = await area_in_scope(session, actor, area)  # 404 outside the caller's scope
    lower, upper = period_bounds(start, end)
    tree = await load_subtree(session, root)
    form = await resolve_form(session, form_id)
    buckets = {tree.root.id: Tally(), **{child.id: Tally() for child in tree.children}}
    if (await session.connection()).dialect.name == "postgresql":
        # For this transaction only: the province's hash join and aggregate fit in memory instead of spilling
        # to temporary files at the default 4 MB, and JIT compilation costs more than it saves on these plans.
        await session.execute(text("SET LOCAL work_mem = '64MB'"))
        await session.execute(text("SET LOCAL jit = off"))
    await _add_households(session, tree, form, lower, upper, buckets)
    await _add_visits(session, tree, form, lower, upper, buckets)
    await _add_flags(session, tree, form, lower, upper, buckets)
    await _add_people(session, tree, form, lower, upper, buckets)
    total = Tally()
    for bucket in buckets.values():
        total.add(bucket)
    return Computed(
        tree=tree,
        form=form,
        total=total,
        period=Period(from_=start, to=end),
        children=[(child, buckets[child.id]) for child in tree.children],
    )


def tally_out(computed: Computed) -> TallyOut:
    form = computed.form
    return TallyOut(
        area=area_tally(computed.tree.root, computed.total, form),
        children=[area_tally(node, tally, form) for node, tally in computed.children],
        form=FormRef(id=form.id, version=form.version, title=form.title) if form else None,
        period=computed.period,
    )


async def get_tally(
    session: AsyncSession,
    actor: Actor,
    area: str,
    form_id: str | None = None,
    start: date | None = None,
    end: date | None = None,
) -> TallyOut:
    return tally_out(await compute(session, actor, area, form_id, start, end))
