"""Keeping each household's current assessment in step with its visits, in the writer's own transaction.

The rule: per (household, form) the assessment comes from the latest visit that counts — approved, unreviewed
('pending') or 'has_issues'; a rejected visit never counts. "Latest" orders by the visit's finished_at (its
received_at when the phone sent none), then by visit id, the same in Python, in the upsert's guard and in the
rebuild's window, so the incremental path and a rescore agree (tests/assessments checks them against each
other on random histories).

Hooks, all on an AsyncConnection inside the caller's transaction, Core SQL only:

    await apply_visits(connection, visit_rows)         # after visits (and flags) are inserted; set-based
    await apply_review(connection, visit_id)            # after a visit's review_status changed
    await after_merge(connection, source_id, survivor)  # after a merge moved the visits to the survivor
    await rebuild(connection, household_ids, form_id)   # recompute from the visits (rescore, reject, merge)
    await refresh_households(connection, ids)          # a household moved or its elderly/temporary flags changed
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import msgspec
from sqlalchemy import ColumnElement, bindparam, delete, func, select, tuple_, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.ext.asyncio import AsyncConnection

import forms
from service.assessments.counting import COUNTING
from service.assessments.models import Assessment
from service.db.engine import utcnow
from service.db.tables import table_of
from service.households.models import Household
from service.registry.media import compile_with_media, tables_of
from service.registry.models import FormVersion
from service.registry.services import cached_version, load_stored
from service.visits.models import Visit

ASSESSMENTS = table_of(Assessment)
VISITS = table_of(Visit)
HOUSEHOLDS = table_of(Household)
FORM_VERSIONS = table_of(FormVersion)
MAX_INDICATOR_BITS = 63  # a BIGINT; indicators past the 63rd are kept in `indicators` only

_COMPILED: dict[tuple[str, str, str], forms.CompiledForm | None] = {}


async def compiled_form(connection: AsyncConnection, form_id: str, version: str) -> forms.CompiledForm | None:
    """The compiled form version (the registry's per-process cache first), None if never published."""
    database_key = str(connection.engine.url)
    found = cached_version(database_key, form_id, version)
    if found is not None:
        return found
    key = (database_key, form_id, version)
    if key not in _COMPILED:
        row = (
            await connection.execute(
                select(FORM_VERSIONS.c.id, FORM_VERSIONS.c.definition).where(
                    FORM_VERSIONS.c.form_id == form_id, FORM_VERSIONS.c.version == version
                )
            )
        ).first()
        compiled, complete = None, True
        if row is not None:
            # Its CSV media too (pulldata(), select_*_from_file), as visit intake compiles it (a rescore runs in a
            # process that never took a visit of this version).
            compiled, complete = await compile_with_media(connection, row.id, load_stored(row.definition))
        if not complete:
            return compiled  # not kept: the missing file may be uploaded later
        if len(_COMPILED) > 512:
            _COMPILED.clear()
        _COMPILED[key] = compiled
    return _COMPILED[key]


def indicator_bits(indicators: Mapping[str, bool]) -> int:
    bits = 0
    for index, value in enumerate(indicators.values()):
        if index >= MAX_INDICATOR_BITS:
            break
        if value:
            bits |= 1 << index
    return bits


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def _answers(value: Any) -> dict[str, Any]:
    # The group-commit path hands rows whose answers it already encoded for asyncpg.
    if isinstance(value, (str, bytes)):
        return msgspec.json.decode(value)
    return value or {}


@dataclass(slots=True)
class _Candidate:
    row: dict[str, Any]

    @property
    def order(self) -> tuple[datetime, uuid.UUID]:
        return (self.row["assessed_at"], self.row["visit_id"])


def _as_uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


async def _assessment_rows(connection: AsyncConnection, visits: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """One assessment row per (household, form): the latest counting visit among `visits`, scored."""
    latest: dict[tuple[uuid.UUID, str], _Candidate] = {}
    for visit in visits:
        if visit.get("review_status", "pending") not in COUNTING:
            continue
        assessed_at = _utc(visit.get("finished_at")) or _utc(visit["received_at"])
        assert assessed_at is not None
        row = {
            "household_id": _as_uuid(visit["household_id"]),
            "form_id": visit["form_id"],
            "form_version": visit["form_version"],
            "visit_id": _as_uuid(visit["id"]),
            "assessed_at": assessed_at,
            "assessed_by": visit.get("on_behalf_of") or visit["submitted_by"],
            "review_status": visit.get("review_status", "pending"),
            "answers": visit["answers"],
        }
        candidate = _Candidate(row)
        key = (row["household_id"], row["form_id"])
        current = latest.get(key)
        if current is None or current.order < candidate.order:
            latest[key] = candidate
    now = utcnow()
    rows = []
    for candidate in latest.values():
        row = candidate.row
        form = await compiled_form(connection, row["form_id"], row["form_version"])
        answers = _answers(row.pop("answers"))
        result = forms.score(form, answers, tables=tables_of(form)) if form is not None else None
        indicators = dict(result.indicators) if result is not None else {}
        row.update(
            level=result.level if result is not None else None,
            indicators=indicators,
            indicator_bits=indicator_bits(indicators),
            updated_at=now,
        )
        rows.append(row)
    return rows


async def refresh_households(connection: AsyncConnection, household_ids: Sequence[uuid.UUID]) -> None:
    """These households moved or had their flags changed: their assessments' copies follow."""
    ids = list(household_ids)
    if not ids:
        return
    home = HOUSEHOLDS.alias("home")

    def copied(column: str) -> Any:
        return select(home.c[column]).where(home.c.id == ASSESSMENTS.c.household_id).scalar_subquery()

    await connection.execute(
        update(ASSESSMENTS)
        .where(ASSESSMENTS.c.household_id.in_(ids))
        .values(
            area_id=copied("area_id"),
            elderly_only=copied("elderly_only"),
            temporary_resident=copied("temporary_resident"),
        )
    )


_UPDATED = (
    "form_version",
    "visit_id",
    "level",
    "indicators",
    "indicator_bits",
    "assessed_at",
    "assessed_by",
    "review_status",
    "updated_at",
    "area_id",
    "elderly_only",
    "temporary_resident",
)


# Bound per assessment; the household's village and flags are read by the INSERT itself (INSERT … SELECT from
# households), so keeping the copies costs no extra statement on the submission path.
_BOUND = {
    "household_id": ASSESSMENTS.c.household_id.type,
    "form_id": ASSESSMENTS.c.form_id.type,
    "form_version": ASSESSMENTS.c.form_version.type,
    "visit_id": ASSESSMENTS.c.visit_id.type,
    "level": ASSESSMENTS.c.level.type,
    "indicators": ASSESSMENTS.c.indicators.type,
    "indicator_bits": ASSESSMENTS.c.indicator_bits.type,
    "assessed_at": ASSESSMENTS.c.assessed_at.type,
    "assessed_by": ASSESSMENTS.c.assessed_by.type,
    "review_status": ASSESSMENTS.c.review_status.type,
    "updated_at": ASSESSMENTS.c.updated_at.type,
}
_COPIED = ("area_id", "elderly_only", "temporary_resident")


def _upsert(dialect: str, *, only_if_later: bool) -> Any:
    source = select(
        *[bindparam(name, type_=type_).label(name) for name, type_ in _BOUND.items()],
        *[HOUSEHOLDS.c[name] for name in _COPIED],
    ).where(HOUSEHOLDS.c.id == bindparam("household_id"))
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(ASSESSMENTS).from_select(
        [*_BOUND, *_COPIED], source
    )
    where = None
    if only_if_later:
        # `<=`: the same visit again (its review changed) refreshes the row; an earlier one never replaces it.
        where = tuple_(ASSESSMENTS.c.assessed_at, ASSESSMENTS.c.visit_id) <= tuple_(
            insert.excluded.assessed_at, insert.excluded.visit_id
        )
    return insert.on_conflict_do_update(
        index_elements=[ASSESSMENTS.c.household_id, ASSESSMENTS.c.form_id],
        set_={name: insert.excluded[name] for name in _UPDATED},
        where=where,
    )


_UPSERTS = {
    (dialect, later): _upsert(dialect, only_if_later=later)
    for dialect in ("postgresql", "sqlite")
    for later in (True, False)
}


async def apply_visits(connection: AsyncConnection, visit_rows: Sequence[Mapping[str, Any]]) -> None:
    """Newly written visits (dicts with the visits table's columns): each counting one becomes its household's
    assessment for its form unless a later counting visit already is. One upsert for the whole batch."""
    rows = await _assessment_rows(connection, visit_rows)
    if rows:
        # In one order (household, form) in every transaction, so two batches upserting the same households'
        # rows queue on them instead of each holding one the other wants.
        rows.sort(key=lambda row: (str(row["household_id"]), row["form_id"]))
        await connection.execute(_UPSERTS[(connection.dialect.name, True)], rows)


_VISIT_FOR_REVIEW = select(*VISITS.c).where(VISITS.c.id == bindparam("visit_id"))
_CURRENT_FROM = select(ASSESSMENTS.c.household_id, ASSESSMENTS.c.form_id).where(
    ASSESSMENTS.c.visit_id == bindparam("visit_id")
)


async def apply_review(connection: AsyncConnection, visit_id: uuid.UUID) -> None:
    """A visit's review changed: a counting visit may (again) be the latest; a rejected one that was the
    household's assessment gives way to the next latest counting visit, or to none."""
    visit = (await connection.execute(_VISIT_FOR_REVIEW, {"visit_id": visit_id})).mappings().first()
    if visit is None:
        return
    if visit["review_status"] in COUNTING:
        await apply_visits(connection, [dict(visit)])
        return
    current = (await connection.execute(_CURRENT_FROM, {"visit_id": visit_id})).first()
    if current is not None:
        await rebuild(connection, [current.household_id], current.form_id)


async def after_merge(connection: AsyncConnection, source_id: uuid.UUID, survivor_id: uuid.UUID) -> None:
    """The merged household's visits now belong to the survivor: its assessments move (or give way)."""
    await connection.execute(delete(ASSESSMENTS).where(ASSESSMENTS.c.household_id == source_id))
    await rebuild(connection, [survivor_id])


def _latest_counting(household_ids: list[uuid.UUID], form_id: str | None) -> Any:
    assessed_at = func.coalesce(VISITS.c.finished_at, VISITS.c.received_at)
    conditions: list[ColumnElement[bool]] = [
        VISITS.c.household_id.in_(household_ids),
        VISITS.c.review_status.in_(COUNTING),
    ]
    if form_id is not None:
        conditions.append(VISITS.c.form_id == form_id)
    ranked = (
        select(
            VISITS.c.id,
            VISITS.c.household_id,
            VISITS.c.form_id,
            VISITS.c.form_version,
            VISITS.c.answers,
            VISITS.c.finished_at,
            VISITS.c.received_at,
            VISITS.c.submitted_by,
            VISITS.c.on_behalf_of,
            VISITS.c.review_status,
            func.row_number()
            .over(
                partition_by=(VISITS.c.household_id, VISITS.c.form_id),
                order_by=(assessed_at.desc(), VISITS.c.id.desc()),
            )
            .label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    return select(*[c for c in ranked.c if c.name != "rank"]).where(ranked.c.rank == 1)


async def rebuild(connection: AsyncConnection, household_ids: Sequence[uuid.UUID], form_id: str | None = None) -> int:
    """Recompute these households' assessments (for one form, or all) from their visits; returns how many
    assessments they now have. Households left without a counting visit lose theirs."""
    ids = list(household_ids)
    if not ids:
        return 0
    visits = [dict(row) for row in (await connection.execute(_latest_counting(ids, form_id))).mappings()]
    rows = await _assessment_rows(connection, visits)
    kept = {(row["household_id"], row["form_id"]) for row in rows}
    stale = delete(ASSESSMENTS).where(ASSESSMENTS.c.household_id.in_(ids))
    if form_id is not None:
        stale = stale.where(ASSESSMENTS.c.form_id == form_id)
    if kept:
        stale = stale.where(tuple_(ASSESSMENTS.c.household_id, ASSESSMENTS.c.form_id).not_in(list(kept)))
    await connection.execute(stale)
    if rows:
        await connection.execute(_UPSERTS[(connection.dialect.name, False)], rows)
    return len(rows)


async def after_visits_written(connection: AsyncConnection, written: Sequence[Any]) -> None:
    """The visit writer's `after_write` hook: the written visits' households get their assessments updated in the
    same transaction (`written` are `service.visits.write_path.WrittenVisit`, each with the row as inserted)."""
    await apply_visits(connection, [visit.row for visit in written])
