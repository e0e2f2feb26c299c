"""Each household's visit state, synced to the phones with the household (issue 19: every door in the hand).

What a member needs to know about a door: when it was last visited and what the supervisor said, whether it
counts as visited, its current digital-skill level, and whether a follow-up was asked for and not yet made.

"Visited" is the tallies' meaning (`visit_stands`): a visit to the household stands, i.e. its review is
one of `service.assessments.services.COUNTING` (never a rejected one). A follow-up is pending while the latest
standing visit answered `follow_up` = yes: the return visit, once it stands, is the latest and clears it (or
asks again).

The state is computed when a page is synced, not stored: what keeps it fresh on the phones is that every change
to it (a visit written, a review decided, a rescore) gives the household a new change number in the same
transaction (`mark_changed`), so the incremental `updated_since` sync brings the household back.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

import msgspec
from sqlalchemy import bindparam, func, select, update
from sqlalchemy.ext.asyncio import AsyncConnection

from service.assessments.counting import COUNTING
from service.assessments.models import Assessment
from service.db.engine import as_utc
from service.db.tables import table_of
from service.households import changes
from service.households.models import Household
from service.households.schemas import VisitState
from service.visits.models import VISITS

HOUSEHOLDS = table_of(Household)
ASSESSMENTS = table_of(Assessment)
# The bundled form's question "Cần quay lại hỗ trợ thêm?" (a boolean) and what needs doing.
FOLLOW_UP_QUESTION = "follow_up"
FOLLOW_UP_REASON_QUESTION = "follow_up_reason"
# Decisions whose comment the member must read on the household.
COMMENTED = ("has_issues", "rejected")


def visit_stands(review_status: Any) -> Any:
    """The condition (on a visits' `review_status` column) under which a visit makes its household count as
    visited: the same rule as the tallies' coverage and the assessments (`COUNTING`: pending, approved,
    has_issues; never rejected). The app's "visited" and its village progress come from here alone: point it
    at the one coverage definition when there is one."""
    return review_status.in_(COUNTING)


def _latest(conditions: list[Any], *columns: Any) -> Any:
    moment = func.coalesce(VISITS.c.finished_at, VISITS.c.received_at)
    ranked = (
        select(
            *columns,
            VISITS.c.household_id,
            moment.label("at"),
            func.row_number()
            .over(partition_by=VISITS.c.household_id, order_by=(moment.desc(), VISITS.c.id.desc()))
            .label("rank"),
        )
        .where(*conditions)
        .subquery()
    )
    return select(*[c for c in ranked.c if c.name != "rank"]).where(ranked.c.rank == 1)


async def visit_states(connection: AsyncConnection, household_ids: Sequence[uuid.UUID]) -> dict[uuid.UUID, VisitState]:
    """The visit state of each of these households that has a visit (three indexed queries for a sync page)."""
    ids = list(household_ids)
    if not ids:
        return {}
    c = VISITS.c
    latest = _latest([c.household_id.in_(ids)], c.id, c.review_status, c.review_note, c.answers)
    standing = _latest(
        [c.household_id.in_(ids), visit_stands(c.review_status)], c.id, c.submitted_by, c.on_behalf_of, c.answers
    )
    levels = select(ASSESSMENTS.c.household_id, ASSESSMENTS.c.level, ASSESSMENTS.c.assessed_at).where(
        ASSESSMENTS.c.household_id.in_(ids)
    )
    level_of: dict[uuid.UUID, tuple[datetime, int | None]] = {}
    for row in await connection.execute(levels):
        at = as_utc(row.assessed_at)
        if row.household_id not in level_of or level_of[row.household_id][0] < at:
            level_of[row.household_id] = (at, row.level)
    stood = {row.household_id: row for row in await connection.execute(standing)}
    states: dict[uuid.UUID, VisitState] = {}
    for row in await connection.execute(latest):
        state = VisitState(
            last_visit=row.id,
            last_at=as_utc(row.at),
            review=row.review_status,
            note=row.review_note if row.review_status in COMMENTED else None,
        )
        if row.review_status == "rejected":
            state.answers = _answers(row.answers)
        good = stood.get(row.household_id)
        if good is not None:
            answers = _answers(good.answers)
            state.visited = True
            state.visited_at = as_utc(good.at)
            state.visited_by = good.on_behalf_of or good.submitted_by
            state.follow_up = answers.get(FOLLOW_UP_QUESTION) is True
            if state.follow_up:
                reason = answers.get(FOLLOW_UP_REASON_QUESTION)
                state.follow_up_reason = reason if isinstance(reason, str) else None
                state.answers = state.answers or answers
        level = level_of.get(row.household_id)
        state.level = level[1] if level else None
        states[row.household_id] = state
    return states


def _answers(value: Any) -> dict[str, Any]:
    if isinstance(value, (str, bytes)):
        value = msgspec.json.decode(value)
    return value if isinstance(value, dict) else {}


# ---- keeping the phones' copy fresh ----------------------------------------------------------------------------


async def lock_households(connection: AsyncConnection, household_ids: Iterable[uuid.UUID]) -> list[uuid.UUID]:
    """Locks these household rows in id order, the first step of the writers' lock order (docs/reliability.md:
    household rows → the change counter → assessment rows). Returns the ids, sorted. SQLite: writers are
    serialized already, nothing to lock."""
    ids = sorted(set(household_ids))
    if ids and connection.dialect.name == "postgresql":
        await connection.execute(
            select(HOUSEHOLDS.c.id)
            .where(HOUSEHOLDS.c.id.in_(ids))
            .order_by(HOUSEHOLDS.c.id)
            .with_for_update(key_share=True)
        )
    return ids


_NEW_NUMBER = (
    update(HOUSEHOLDS)
    .where(HOUSEHOLDS.c.id == bindparam("household_id"))
    .values(change_seq=bindparam("seq"))
    .execution_options(synchronize_session=False)
)


async def mark_changed(
    connection: AsyncConnection, household_ids: Iterable[uuid.UUID], *, locked: bool = False
) -> None:
    """These households' visit state changed: each takes a new change number in the caller's transaction, so the
    next incremental sync brings them back. Locks them (id order) before the counter, unless the caller already
    did (`locked`); call it before touching assessment rows. `updated_at` stays: it is the household's own data
    that did not change."""
    ids = sorted(set(household_ids)) if locked else await lock_households(connection, household_ids)
    if not ids:
        return
    top = await changes.bump(connection, count=len(ids))
    first = top - len(ids) + 1
    await connection.execute(_NEW_NUMBER, [{"household_id": hid, "seq": first + n} for n, hid in enumerate(ids)])


async def after_visits_written(connection: AsyncConnection, written: Sequence[Any]) -> None:
    """The visit writer's `after_write` hook, run before the assessments' (lock order): the households of the
    written visits (`WrittenVisit`s) come back in the next sync with their new state. The writer locked them
    first thing (`VisitWriter.write`, step 0)."""
    await mark_changed(connection, [visit.row["household_id"] for visit in written], locked=True)
