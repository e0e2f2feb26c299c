"""Per-village tally cells: the tally's GROUP BY results kept per village, brought up to date for the villages
that changed before a tally without a period reads them.

Nothing on the write path calls this module: triggers (migrations 0007, 0014) append to `tally_dirty` the
village of every row a statement inserts or deletes in households, assessments, visits and visit_flags, or
updates in a column some cell counts, with the kind of cell it feeds (a review marks its village's "visits" and
"flags" cells, not its households). `refresh` deletes those villages' cells of those kinds and runs the same
GROUP BYs restricted to them, in one snapshot,
under a lock that one refresher at a time holds (readers of the cells are never blocked). A province's tally
then reads ~50,000 cells instead of a million households, assessments and visits; its cost follows the
villages that changed since the last tally, not the size of the province.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import (
    BigInteger,
    Integer,
    String,
    cast,
    delete,
    func,
    insert,
    literal,
    literal_column,
    null,
    select,
    text,
    union_all,
)
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncSession

from service.areas.models import Area
from service.assessments.models import Assessment
from service.assessments.services import MAX_INDICATOR_BITS
from service.db.tables import table_of
from service.households.models import Household
from service.registry.models import FormVersion
from service.tallies import upkeep
from service.tallies.models import TallyCell, TallyDirty
from service.visits.models import Visit, VisitFlag

CELLS = table_of(TallyCell)
DIRTY = table_of(TallyDirty)
HOUSEHOLDS = table_of(Household)
ASSESSMENTS = table_of(Assessment)
VISITS = table_of(Visit)
FLAGS = table_of(VisitFlag)
AREAS = table_of(Area)
FORM_VERSIONS = table_of(FormVersion)
OPEN_REVIEW = ("pending", "has_issues")  # flags on a visit nobody has decided on yet
# For a tally's transaction on PostgreSQL: hash joins and aggregates in memory, not spilled at the default 4 MB;
# no JIT (it costs more than it saves on these plans); and every statement planned for its own parameters: after
# five runs a prepared statement falls back to a generic plan, which cannot see that a path prefix picks a
# whole province and planned the members' and cells' queries twice as slow.
ANALYTIC_SETTINGS = ("work_mem = '64MB'", "jit = off", "plan_cache_mode = force_custom_plan")
FEW = 500  # up to this many villages are recounted by their ids (bound parameters, far below drivers' limits)
CELL_COLUMNS = [
    "area_id",
    "kind",
    "form_id",
    "form_version",
    "level",
    "indicator_bits",
    "key",
    "n",
    "elderly",
    "temporary",
]


def _sum(flag: Any) -> Any:
    return func.coalesce(func.sum(cast(flag, Integer)), 0)


def _households_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Households not merged, per village (found by area_id)."""
    h = HOUSEHOLDS
    return (
        select(
            h.c.area_id,
            literal("households"),
            literal(""),
            null(),
            null(),
            null(),
            null(),
            func.count(),
            _sum(h.c.elderly_only),
            _sum(h.c.temporary_resident),
        )
        .where(h.c.status != "merged", h.c.area_id.in_(villages))
        .group_by(h.c.area_id)
    )


def _assessed_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Current assessments per village, form version and level (found by (form_id, area_id))."""
    a = ASSESSMENTS
    return (
        select(
            a.c.area_id,
            literal("assessed"),
            a.c.form_id,
            a.c.form_version,
            a.c.level,
            null(),
            null(),
            func.count(),
            _sum(a.c.elderly_only),
            _sum(a.c.temporary_resident),
        )
        .where(a.c.form_id.in_(form_ids), a.c.area_id.in_(villages))
        .group_by(a.c.area_id, a.c.form_id, a.c.form_version, a.c.level)
    )


def _indicator_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Per village and form version, how many assessments meet each indicator (`key`: its bit index)."""
    a = ASSESSMENTS
    # Per indicator bit, how many assessments meet it: grouped by bit pattern first (a village has dozens), then
    # each bit summed over the patterns and spelt out as a row of its own (`key` = the bit's index).
    patterns = (
        select(a.c.area_id, a.c.form_id, a.c.form_version, a.c.indicator_bits.label("bits"), func.count().label("n"))
        .where(a.c.form_id.in_(form_ids), a.c.area_id.in_(villages))
        .group_by(a.c.area_id, a.c.form_id, a.c.form_version, a.c.indicator_bits)
        .subquery()
    )
    met = [
        func.sum(patterns.c.n * patterns.c.bits.op(">>")(literal_column(str(bit))).op("&")(1)).label(f"met{bit}")
        for bit in range(MAX_INDICATOR_BITS)
    ]
    keys = [patterns.c.area_id, patterns.c.form_id, patterns.c.form_version]
    per_bit = select(*keys, *met).group_by(*keys).cte("per_bit")
    return union_all(
        *(
            select(
                per_bit.c.area_id,
                literal("indicators"),
                per_bit.c.form_id,
                per_bit.c.form_version,
                cast(null(), Integer),  # typed: in a UNION, PostgreSQL would take a bare NULL for text
                cast(null(), BigInteger),
                literal(str(bit)),
                per_bit.c[f"met{bit}"],
                literal(0),
                literal(0),
            ).where(per_bit.c[f"met{bit}"] > 0)
            for bit in range(MAX_INDICATOR_BITS)
        )
    )


def _visit_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Visits per village, form and review status (found by their village's path)."""
    v = VISITS
    return (
        select(
            v.c.area_id,
            literal("visits"),
            v.c.form_id,
            null(),
            null(),
            null(),
            v.c.review_status,
            func.count(),
            literal(0),
            literal(0),
        )
        .where(v.c.area_path.in_(paths))
        .group_by(v.c.area_id, v.c.form_id, v.c.review_status)
    )


def _flag_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Flags of visits still open to review, per village, form and code."""
    v, f = VISITS, FLAGS
    return (
        select(
            v.c.area_id,
            literal("flags"),
            v.c.form_id,
            null(),
            null(),
            null(),
            f.c.code,
            func.count(),
            literal(0),
            literal(0),
        )
        .select_from(f.join(v, v.c.id == f.c.visit_id))
        .where(v.c.area_path.in_(paths), v.c.review_status.in_(OPEN_REVIEW))
        .group_by(v.c.area_id, v.c.form_id, f.c.code)
    )


def _visitor_cells(villages: Any, paths: Any, form_ids: Any) -> Any:
    """Visits per village, form and member who made them (themselves, or through their leader)."""
    v = VISITS
    made = union_all(
        select(v.c.area_id, v.c.form_id, v.c.submitted_by.label("visitor")).where(v.c.area_path.in_(paths)),
        select(v.c.area_id, v.c.form_id, v.c.on_behalf_of).where(
            v.c.area_path.in_(paths), v.c.on_behalf_of.is_not(None)
        ),
    ).subquery()
    return select(
        made.c.area_id,
        literal("visitors"),
        made.c.form_id,
        null(),
        null(),
        null(),
        cast(made.c.visitor, String),
        func.count(),
        literal(0),
        literal(0),
    ).group_by(made.c.area_id, made.c.form_id, made.c.visitor)


# The cells of `villages` (ids, or a subquery of them) with their `paths`, one SELECT per kind, in CELL_COLUMNS
# order. Given lists, each finds its rows through an index.
RECOUNT: dict[str, Callable[[Any, Any, Any], Any]] = {
    "households": _households_cells,
    "assessed": _assessed_cells,
    "indicators": _indicator_cells,
    "visits": _visit_cells,
    "flags": _flag_cells,
    "visitors": _visitor_cells,
}
KINDS = tuple(RECOUNT)
# The kinds counted from visits, found through their villages' paths.
BY_PATH = frozenset({"visits", "flags", "visitors"})


async def _paths(connection: AsyncConnection, villages: list[int]) -> list[str]:
    return [row.path for row in await connection.execute(select(AREAS.c.path).where(AREAS.c.id.in_(villages)))]


async def _form_ids(connection: AsyncConnection) -> list[str]:
    return [row.form_id for row in await connection.execute(select(FORM_VERSIONS.c.form_id).distinct())]


async def recount(connection: AsyncConnection, villages: list[int]) -> list[Any]:
    """RECOUNT's queries for these villages, every kind, ready to run (their paths and the forms looked up
    first)."""
    paths, form_ids = await _paths(connection, villages), await _form_ids(connection)
    return [build(villages, paths, form_ids) for build in RECOUNT.values()]


async def _refresh(connection: AsyncConnection) -> tuple[int, int]:
    """Recounts the marked cells; returns how many villages, and how many cells were thrown away."""
    newest = (await connection.execute(select(func.max(DIRTY.c.id)))).scalar()
    if newest is None:
        return 0, 0
    marks = DIRTY.c.id <= newest
    # (village, kind) marked; a mark without a kind stands for every kind. At most areas x kinds rows.
    stale: dict[str, set[int]] = {kind: set() for kind in KINDS}
    for area_id, kind in await connection.execute(select(DIRTY.c.area_id, DIRTY.c.kind).where(marks).distinct()):
        for each in KINDS if kind is None else (kind,):
            stale[each].add(area_id)
    form_ids: list[str] | None = None
    paths_of: dict[tuple[int, ...], list[str]] = {}  # a review marks visits and flags of the same villages
    rewritten = 0
    for kind, villages in stale.items():
        if not villages:
            continue
        if len(villages) <= FEW:
            # Few villages (the usual case between two tallies): their ids and paths spelt out, so every count
            # goes down an index. The kinds counted from visits need the paths; the others do not.
            ids = tuple(sorted(villages))
            paths: Any = []
            if kind in BY_PATH:
                if ids not in paths_of:
                    paths_of[ids] = await _paths(connection, list(ids))
                paths = paths_of[ids]
            if form_ids is None:
                form_ids = await _form_ids(connection)
            chosen: Any = list(ids)
            query = RECOUNT[kind](chosen, paths, form_ids)
        else:
            # Many (after a bulk load, or a busy day unread): one pass over the table, joined to the marks.
            chosen = select(DIRTY.c.area_id).where(marks, (DIRTY.c.kind == kind) | DIRTY.c.kind.is_(None))
            paths = select(AREAS.c.path).where(AREAS.c.id.in_(chosen))
            query = RECOUNT[kind](chosen, paths, select(FORM_VERSIONS.c.form_id))
        thrown = await connection.execute(delete(CELLS).where(CELLS.c.kind == kind, CELLS.c.area_id.in_(chosen)))
        rewritten += max(thrown.rowcount, 0)
        await connection.execute(insert(CELLS).from_select(CELL_COLUMNS, query))
    await connection.execute(delete(DIRTY).where(marks))
    return len(set().union(*stale.values())), rewritten


async def refresh(session: AsyncSession) -> int:
    """Brings the cells of every village marked out of date up to date; returns how many villages that was.

    PostgreSQL: its own REPEATABLE READ transaction, so the four kinds are counted in one snapshot, taken after
    the lock (LOCK TABLE takes none; a refresher that waited on another then sees its work). A mark committed
    after the snapshot stays for the next refresh; counting a village again is harmless.
    SQLite: in the session's own transaction, which already holds the database's one write lock (a second
    connection would wait on it) and so sees no other writer's changes until it ends.
    """
    bind = session.bind
    assert isinstance(bind, AsyncEngine)
    if bind.dialect.name != "postgresql":
        return (await _refresh(await session.connection()))[0]
    async with bind.connect() as plain:
        connection = await plain.execution_options(isolation_level="REPEATABLE READ")
        async with connection.begin():
            await connection.execute(text("LOCK TABLE tally_cells IN SHARE ROW EXCLUSIVE MODE"))
            for setting in ANALYTIC_SETTINGS:
                await connection.execute(text(f"SET LOCAL {setting}"))
            villages, rewritten = await _refresh(connection)
    upkeep.cells_rewritten(bind, rewritten)  # committed: their dead rows can be vacuumed
    return villages


async def refresh_in_transaction(connection: AsyncConnection) -> int:
    """`refresh` in the caller's own transaction: for a bulk load whose rows are not committed yet (the demo
    seed), which no other connection could see."""
    return (await _refresh(connection))[0]
