"""The household coverage list: every household of an area, visited or not, with its current assessment.
Visited means what it means everywhere (service/tallies/coverage.py): the household has a current assessment.

One streamed query (households LEFT JOIN assessments, in village order); village, commune and member names
come from small lookups made first, so the big query joins nothing else. Indicators are read from the
assessment's bits, not its JSON.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Date, Text, and_, case, cast, func, literal, literal_column, null, select, true
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from service.areas.models import Area
from service.assessments.models import Assessment
from service.auth.scope import path_prefix_filter
from service.common.clock import VIETNAM_OFFSET
from service.db.tables import table_of
from service.exports import formats
from service.exports.rows import copy_csv, stream_rows
from service.households.models import Household
from service.people.models import User
from service.tallies.coverage import visited as counts_as_visited
from service.tallies.form_info import FormInfo

HOUSEHOLDS = table_of(Household)
ASSESSMENTS = table_of(Assessment)
AREAS = table_of(Area)
USERS = table_of(User)
VISITED_CHOICES = ("yes", "no", "all")
YES, NO = "Có", "Không"
REVIEW_VI = {"pending": "Chưa duyệt", "approved": "Đã duyệt", "has_issues": "Cần xem lại", "rejected": "Trả lại"}

BASE_TITLES = [
    "Mã hộ",
    "Thôn/Khu phố",
    "Xã/Phường",
    "Chủ hộ",
    "Địa chỉ",
    "Chỉ có người cao tuổi",
    "Tạm trú",
    "Đã thăm",
    "Ngày thăm gần nhất",
    "Người thăm",
    "Mức",
    "Tên mức",
]
TAIL_TITLES = ["Trạng thái duyệt", "Vĩ độ", "Kinh độ", "Mã hệ thống"]
TEXT_COLUMNS = (0, 1, 2, 3, 4, 9)  # free text: made inert in CSV
LAT_COLUMN = -3


@dataclass(slots=True)
class Lookups:
    village: dict[int, str]
    commune: dict[int, str]
    people: dict[int, str]


async def lookups(connection: AsyncConnection, root_path: str) -> Lookups:
    areas = (
        await connection.execute(
            select(AREAS.c.id, AREAS.c.name, AREAS.c.parent_id).where(path_prefix_filter(AREAS.c.path, root_path))
        )
    ).all()
    names = {row.id: row.name for row in areas}
    parents = [row.parent_id for row in areas if row.parent_id is not None and row.parent_id not in names]
    if parents:
        names.update(
            {
                row.id: row.name
                for row in await connection.execute(select(AREAS.c.id, AREAS.c.name).where(AREAS.c.id.in_(parents)))
            }
        )
    people = {row.id: row.full_name for row in await connection.execute(select(USERS.c.id, USERS.c.full_name))}
    return Lookups(village=names, commune={row.id: names.get(row.parent_id, "") for row in areas}, people=people)


def titles(form: FormInfo | None) -> list[str]:
    indicators = [label["vi"] for _, label in form.indicators] if form else []
    return BASE_TITLES + indicators + TAIL_TITLES


def statement(root_path: str, form: FormInfo | None, visited: str) -> Any:
    h, a = HOUSEHOLDS, ASSESSMENTS
    # Closing an area closes everything under it: an open village is one whose own closed_at is empty.
    in_subtree = h.c.area_id.in_(
        select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, root_path), AREAS.c.closed_at.is_(None))
    )
    columns = [
        h.c.official_code,
        h.c.area_id,
        h.c.head_name,
        h.c.address,
        h.c.elderly_only,
        h.c.temporary_resident,
        a.c.assessed_at,
        a.c.assessed_by,
        a.c.level,
        a.c.form_version,
        a.c.indicator_bits,
        a.c.review_status,
        h.c.lat,
        h.c.lon,
        h.c.id,
    ]
    joined = and_(a.c.household_id == h.c.id, a.c.form_id == (form.id if form else ""))
    query = select(*columns).select_from(h.outerjoin(a, joined)).where(h.c.status != "merged", in_subtree)
    if visited == "yes":
        query = query.where(counts_as_visited(a.c.household_id))
    elif visited == "no":
        query = query.where(~counts_as_visited(a.c.household_id))
    return query.order_by(h.c.area_id, h.c.change_seq)


async def household_rows(
    engine: AsyncEngine, root_path: str, form: FormInfo | None, visited: str, found: Lookups
) -> AsyncIterator[Sequence[list[Any]]]:
    """Chunks of output rows (lists, in `titles` order)."""
    level_names = {value: name["vi"] for value, name in form.levels} if form else {}
    indicator_names = [name for name, _ in form.indicators] if form else []
    # Per form version: for each exported indicator, its bit in that version's assessments (None: not asked).
    bit_of = {
        version: [1 << names.index(n) if n in names[:63] else None for n in indicator_names]
        for version, names in (form.names_by_version.items() if form else [])
    }
    village, commune, people = found.village, found.commune, found.people
    offset = VIETNAM_OFFSET
    blanks = [None] * len(indicator_names)
    patterns: dict[tuple[str, int], list[str | None]] = {}
    async for chunk in stream_rows(engine, statement(root_path, form, visited)):
        out = []
        for (
            code,
            area_id,
            head,
            address,
            elderly,
            temporary,
            assessed_at,
            assessed_by,
            level,
            version,
            bits,
            review,
            lat,
            lon,
            household_id,
        ) in chunk:
            if assessed_at is None:
                out.append(
                    [
                        code,
                        village.get(area_id),
                        commune.get(area_id),
                        head,
                        address,
                        YES if elderly else NO,
                        YES if temporary else NO,
                        NO,
                        None,
                        None,
                        None,
                        None,
                        *blanks,
                        None,
                        lat,
                        lon,
                        str(household_id),
                    ]
                )
                continue
            cells = patterns.get((version, bits))
            if cells is None:  # a few dozen (version, bits) patterns: each spelt out once
                masks = bit_of.get(version) or [None] * len(indicator_names)
                cells = patterns[(version, bits)] = [None if m is None else (YES if bits & m else NO) for m in masks]
            out.append(
                [
                    code,
                    village.get(area_id),
                    commune.get(area_id),
                    head,
                    address,
                    YES if elderly else NO,
                    YES if temporary else NO,
                    YES,
                    (assessed_at + offset).date().isoformat(),
                    people.get(assessed_by),
                    level,
                    level_names.get(level),
                    *cells,
                    REVIEW_VI.get(review, review),
                    lat,
                    lon,
                    str(household_id),
                ]
            )
        yield out


def location_of(row: Sequence[Any]) -> tuple[float, float] | None:
    lat, lon = row[LAT_COLUMN], row[LAT_COLUMN + 1]
    return (lat, lon) if lat is not None and lon is not None else None


# ---- the same list as CSV written by PostgreSQL itself ---------------------------------------------------------
#
# Every cell of `household_rows` spelt in SQL, so the server's COPY writes the CSV (Python's csv module would
# cost ~4 µs a row, the whole budget at 250,000 rows/s). `tests/tallies/test_export_copy.py` feeds both this and
# `household_rows` through `csv_bytes` the same randomized households and compares what a CSV reader gets.


_FORMULA_CODES = sorted(ord(ch) for ch in formats.FORMULA_START)


def _text_cell(column: Any) -> Any:
    """A free-text cell as `formats.csv_bytes(..., one_line=True)` writes it: line breaks as spaces, a leading
    formula character behind a quote. The plain case is told apart first with cheap tests (strpos, ascii);
    only the rare cell that needs a change pays for translate."""
    one_line = func.translate(column, "\r\n", "  ")
    plain = and_(
        func.strpos(column, "\n") == 0, func.strpos(column, "\r") == 0, func.ascii(column).not_in(_FORMULA_CODES)
    )
    inert = case((func.ascii(one_line).in_(_FORMULA_CODES), literal("'", Text) + one_line), else_=one_line)
    return case((plain, column), else_=inert)


def _yes_no(condition: Any) -> Any:
    return case((condition, YES), else_=NO)


def _indicator_cells(form: FormInfo | None, version: Any, bits: Any) -> list[Any]:
    """Per exported indicator: Có/Không from its bit in the assessment's form version; NULL where that version
    did not ask it, or the household has no assessment."""
    cells = []
    for name, _ in form.indicators if form else []:
        asked = [
            (version == each, _yes_no(bits.op("&")(1 << names.index(name)) != 0))
            for each, names in (form.names_by_version.items() if form else [])
            if name in names[:63]
        ]
        cells.append(case(*asked, else_=null()) if asked else null())
    return cells


def csv_statement(root_path: str, form: FormInfo | None, visited: str) -> Any:
    """`statement`'s rows with each cell already as `household_rows` makes it, in `titles` order.

    Village by village (a LATERAL join per village, in id order): each village's households meet the village's
    assessments in a small in-memory hash join and are sorted by change_seq there, so the million-row list is
    never sorted as a whole (which spilled ~250 MB to disk and took half the time).
    Assessments are found by the village they carry (`Assessment.area_id`, kept in step with the household,
    as the tally relies on too). OFFSET 0 keeps PostgreSQL from flattening the subqueries back into one join.
    """
    h, a, users = HOUSEHOLDS, ASSESSMENTS, USERS
    village, commune = AREAS.alias("village"), AREAS.alias("commune")
    places = (
        select(
            village.c.id,
            _text_cell(village.c.name).label("village"),  # spelt once per village, not per household
            _text_cell(commune.c.name).label("commune"),
        )
        .select_from(village.outerjoin(commune, commune.c.id == village.c.parent_id))
        .where(path_prefix_filter(village.c.path, root_path), village.c.closed_at.is_(None))
        .order_by(village.c.id)
        .offset(0)
        .subquery("places")
    )
    joined = and_(a.c.household_id == h.c.id, a.c.form_id == (form.id if form else ""), a.c.area_id == places.c.id)
    homes = (
        select(
            h.c.official_code,
            h.c.head_name,
            h.c.address,
            h.c.elderly_only,
            h.c.temporary_resident,
            h.c.lat,
            h.c.lon,
            h.c.id,
            h.c.change_seq,
            counts_as_visited(a.c.household_id).label("assessed"),
            a.c.assessed_at,
            a.c.level,
            a.c.form_version,
            a.c.indicator_bits,
            a.c.review_status,
            users.c.full_name.label("visitor"),
        )
        .select_from(h.outerjoin(a, joined).outerjoin(users, users.c.id == a.c.assessed_by))
        .where(h.c.area_id == places.c.id, h.c.status != "merged")
    )
    if visited == "yes":
        homes = homes.where(counts_as_visited(a.c.household_id))
    elif visited == "no":
        homes = homes.where(~counts_as_visited(a.c.household_id))
    x = homes.order_by(h.c.change_seq).offset(0).lateral("homes")
    level_names = {value: name["vi"] for value, name in form.levels} if form else {}
    # The visit's day in Vietnam (UTC+7 all year); copy_csv sets DateStyle ISO.
    local_day = cast(func.timezone("UTC", x.c.assessed_at) + literal_column("interval '7 hours'"), Date)
    columns = [
        _text_cell(x.c.official_code),
        places.c.village,
        places.c.commune,
        _text_cell(x.c.head_name),
        _text_cell(x.c.address),
        _yes_no(x.c.elderly_only),
        _yes_no(x.c.temporary_resident),
        _yes_no(x.c.assessed),
        local_day,
        _text_cell(x.c.visitor),
        x.c.level,
        case(level_names, value=x.c.level, else_=null()) if level_names else null(),
        *_indicator_cells(form, x.c.form_version, x.c.indicator_bits),
        case(REVIEW_VI, value=x.c.review_status, else_=x.c.review_status),
        x.c.lat,
        x.c.lon,
        x.c.id,
    ]
    # Ordered by village alone: the villages come in id order and a nested loop (the only join a LATERAL allows)
    # hands on each village's households in the order the inner query sorted them; asking for change_seq here
    # as well would re-sort every village's finished rows, a sixth of the time.
    return select(*columns).select_from(places.join(x, true())).order_by(places.c.id)


async def copy_household_csv(
    engine: AsyncEngine, root_path: str, form: FormInfo | None, visited: str
) -> AsyncIterator[bytes]:
    """PostgreSQL: the coverage list as `formats.csv_bytes` writes it (BOM, titles, CRLF), from COPY."""
    yield formats.csv_head(titles(form))
    async for data in copy_csv(engine, csv_statement(root_path, form, visited)):
        yield data.replace(b"\n", b"\r\n")  # no cell holds a line break (see _text_cell)
