"""Tallies rolled up the area tree: GET /api/v1/tallies?area=CODE[&form=&from=&to=].

Four GROUP BY results per area id (households with their assessments; visits; open flags; teams and members),
added up in Python into the asked area's children (see tree.py). Every rate is a sum of numerators over a sum
of denominators at every level, never an average of percentages. Without a period the first three come from
the per-village cells (cells.py), brought up to date first for the villages that changed; with a period they
are grouped from the tables themselves. tests/tallies/test_cells.py and test_differential.py hold the two ways
to each other.

Without a period, "visited" means the household has a current assessment (a counting visit). With `from`/`to`
(local dates, inclusive), visited means a counting visit finished in the period, and levels and indicators come
from the current assessments whose visit lies in the period; visits, active members and flags are counted in
the period too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import BigInteger, Integer, and_, cast, exists, func, literal, literal_column, select, text
from sqlalchemy.ext.asyncio import AsyncSession

from service.areas.services import area_in_scope
from service.assessments.counting import COUNTING
from service.assessments.models import Assessment
from service.auth.actor import Actor
from service.auth.scope import path_prefix_filter
from service.db.tables import table_of
from service.households.models import Household
from service.people.models import Team, User
from service.tallies import cell_reads, cells
from service.tallies.form_info import FormInfo, resolve_form
from service.tallies.schemas import FormRef, Period, TallyOut
from service.tallies.shaping import Tally, area_tally
from service.tallies.tree import AREAS, Node, Subtree, load_subtree, period_bounds
from service.visits.models import Visit, VisitFlag

HOUSEHOLDS = table_of(Household)
ASSESSMENTS = table_of(Assessment)
VISITS = table_of(Visit)
FLAGS = table_of(VisitFlag)
TEAMS = table_of(Team)
USERS = table_of(User)
OPEN_REVIEW = cells.OPEN_REVIEW  # flags on a visit nobody has decided on yet
SMARTPHONE_INDICATOR = "has_smartphone"


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


def _subtree_ids(tree: Subtree) -> Any:
    return select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, tree.root.path))


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


def _with_bit_sums(rows: Any, bit_count: int) -> Any:
    """A period's rows of (area_id, form_version, level, indicator_bits, visited, n, elderly, temporary), one per
    bit pattern (a village has dozens), grouped without the pattern: each indicator's count of households meeting
    it is summed in SQL as `bit0 … bit{k-1}` (without a period the "indicators" cells hold those counts)."""
    r = rows.subquery()
    bits = [
        cast(
            func.coalesce(func.sum(r.c.n * r.c.indicator_bits.op(">>")(literal_column(str(index))).op("&")(1)), 0),
            BigInteger,
        ).label(f"bit{index}")
        for index in range(bit_count)
    ]
    # As BIGINT: PostgreSQL sums a BIGINT into NUMERIC, which would reach JSON as a string.
    sums = [cast(func.sum(r.c[name]), BigInteger).label(name) for name in ("n", "elderly", "temporary")]
    keys = [r.c.area_id, r.c.form_version, r.c.level, r.c.visited]
    return select(*keys, *sums, *bits).group_by(*keys)


async def _add_households(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    bit_count = form.bit_count if form else 0
    bit_names = {version: names[:bit_count] for version, names in (form.names_by_version.items() if form else [])}
    bit_columns = [f"bit{index}" for index in range(bit_count)]
    bucket_of = tree.bucket_of
    cells_read = start is None and end is None
    on_postgresql = await _on_postgresql(session)
    # (query, whether its rows count households, whether they carry each indicator's count): the period's join
    # does all; of the cells, the households' count households (the assessed cells count the same ones again, as
    # visited) and the indicators' cells carry what the assessed ones meet.
    queries: list[tuple[Any, bool, bool]]
    if cells_read:
        households, *assessed = cell_reads.household_rows(_subtree_ids(tree), form.id if form else None)
        queries = [(households, True, False), *((query, False, False) for query in assessed)]
    else:
        queries = [(_with_bit_sums(_households_query(tree, form, start, end), bit_count), True, True)]
    for query, counts_households, with_bits in queries:
        if on_postgresql and cells_read:
            keys = ["form_version", "level", "visited"]
            query = cell_reads.summed_by_bucket(query, bucket_of, keys, ["n", "elderly", "temporary"])
        for row in await session.execute(query):
            bucket = buckets.get(bucket_of.get(row.area_id, -1))
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
            for index, name in enumerate(bit_names.get(row.form_version, ())):
                bucket.denominators[name] = bucket.denominators.get(name, 0) + n
                if with_bits:
                    met = getattr(row, bit_columns[index]) or 0
                    bucket.numerators[name] = bucket.numerators.get(name, 0) + met
    if form is not None and cells_read:
        query = cell_reads.indicator_rows(_subtree_ids(tree), form.id)
        if on_postgresql:
            query = cell_reads.summed_by_bucket(query, bucket_of, ["form_version", "key"], ["n"])
        for area_id, version, key, met in await session.execute(query):
            bucket = buckets.get(bucket_of.get(area_id, -1))
            names = bit_names.get(version, [])
            if bucket is not None and int(key) < len(names):
                name = names[int(key)]
                bucket.numerators[name] = bucket.numerators.get(name, 0) + met
    for bucket in buckets.values():  # assessed households that do not meet "has a smartphone"
        bucket.no_smartphone = bucket.denominators.get(SMARTPHONE_INDICATOR, 0) - bucket.numerators.get(
            SMARTPHONE_INDICATOR, 0
        )


async def _on_postgresql(session: AsyncSession) -> bool:
    return (await session.connection()).dialect.name == "postgresql"


async def _add_keyed(
    session: AsyncSession, tree: Subtree, query: Any, buckets: dict[int, Tally], field_name: str, cells_read: bool
) -> None:
    """Rows of (area id, key, n) added into each bucket's `field_name` (a count per key)."""
    if cells_read and await _on_postgresql(session):
        query = cell_reads.summed_by_bucket(query, tree.bucket_of, ["key"], ["n"])
    for area_id, key, n in await session.execute(query):
        bucket = buckets.get(tree.bucket_of.get(area_id, -1))
        if bucket is not None:
            counts: dict[str, int] = getattr(bucket, field_name)
            counts[key] = counts.get(key, 0) + n


async def _add_visits(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    """Visits by review status."""
    if start is None and end is None:
        query = cell_reads.counted("visits", _subtree_ids(tree), form.id if form else None)
    else:
        query = (
            select(VISITS.c.area_id, VISITS.c.review_status, func.count())
            .where(*_visit_filters(tree, form, start, end))
            .group_by(VISITS.c.area_id, VISITS.c.review_status)
        )
    await _add_keyed(session, tree, query, buckets, "visits", cells_read=start is None and end is None)


async def _add_flags(
    session: AsyncSession,
    tree: Subtree,
    form: FormInfo | None,
    start: datetime | None,
    end: datetime | None,
    buckets: dict[int, Tally],
) -> None:
    """Flags still open to review, by code."""
    if start is None and end is None:
        query = cell_reads.counted("flags", _subtree_ids(tree), form.id if form else None)
    else:
        query = (
            select(VISITS.c.area_id, FLAGS.c.code, func.count())
            .select_from(FLAGS.join(VISITS, VISITS.c.id == FLAGS.c.visit_id))
            .where(*_visit_filters(tree, form, start, end), VISITS.c.review_status.in_(OPEN_REVIEW))
            .group_by(VISITS.c.area_id, FLAGS.c.code)
        )
    await _add_keyed(session, tree, query, buckets, "flags", cells_read=start is None and end is None)


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
    on_postgresql = await _on_postgresql(session)
    if on_postgresql:
        teams = cell_reads.summed_by_bucket(teams, tree.bucket_of, [], ["n"])
    for row in await session.execute(teams):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is not None:
            bucket.teams += row.n
    if start is None and end is None:
        # Who made a visit in the area, from the cells: one pass over ~5 rows per village, not a probe of the
        # visits per member.
        active = USERS.c.id.in_(cell_reads.visitor_ids(_subtree_ids(tree), form.id if form else None))
    else:
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
    if on_postgresql:
        members = cell_reads.summed_by_bucket(members, tree.bucket_of, ["has_smartphone", "active"], ["n"])
    for row in await session.execute(members):
        bucket = buckets.get(tree.bucket_of.get(row.area_id, -1))
        if bucket is None:
            continue
        bucket.members += row.n
        bucket.active_members += row.n if row.active else 0
        bucket.members_without_smartphone += 0 if row.has_smartphone else row.n


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
    if lower is None and upper is None:
        await cells.refresh(session)  # the villages that changed since the last tally
    tree = await load_subtree(session, root)
    form = await resolve_form(session, form_id)
    buckets = {tree.root.id: Tally(), **{child.id: Tally() for child in tree.children}}
    if (await session.connection()).dialect.name == "postgresql":
        for setting in cells.ANALYTIC_SETTINGS:  # for this transaction only
            await session.execute(text(f"SET LOCAL {setting}"))
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
