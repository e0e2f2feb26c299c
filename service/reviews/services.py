"""Deciding on visits: one at a time or in bulk, each decision appended to the history.

The visit row keeps a copy of the latest decision (review_status, reviewed_by, reviewed_at, review_note) so the
queue filters on it without a join; it is written in the same statement group as the history row.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.assessments.services import apply_review
from service.audit import services as audit
from service.auth.actor import Actor, Role
from service.db.engine import as_utc, utcnow
from service.db.tables import table_of
from service.households.models import Household
from service.households.visit_state import lock_households, mark_changed
from service.http.paging import Page, clamp_limit
from service.people.models import User
from service.reviews.models import VisitReview
from service.reviews.schemas import BulkReviewItem, BulkReviewOut, MyVisit, ReviewEntry
from service.visits.models import VISITS
from service.visits.schemas import ReviewOut
from service.visits.stored import connection, flag_codes, newest_first_after, next_newest_cursor, utc
from service.visits.visibility import visible_to

REVIEWS = table_of(VisitReview)
USERS = table_of(User)
HOUSEHOLDS = table_of(Household)
# The statuses a decision can set ("pending" is only the state before any decision).
Decided = Literal["approved", "has_issues", "rejected"]
DECISIONS: dict[str, Decided] = {
    "approve": "approved",
    "approved": "approved",
    "has_issues": "has_issues",
    "reject": "rejected",
    "rejected": "rejected",
}
REVIEW_STATUSES = ("pending", "approved", "has_issues", "rejected")
NEEDS_COMMENT = frozenset({"has_issues", "rejected"})


def decision_status(word: str) -> Decided:
    status = DECISIONS.get(word)
    if status is None:
        raise errors.DomainError(
            errors.BAD_BODY,
            "decision phải là approved, has_issues hoặc rejected.",
            "decision must be approved, has_issues or rejected.",
        )
    return status


async def decide(
    session: AsyncSession,
    actor: Actor,
    visit_id: uuid.UUID,
    decision: str,
    comment: str | None,
) -> ReviewOut:
    """Records one decision. Out of scope → 404 (before the role check, so ids do not leak)."""
    conn = await connection(session)
    row = (
        await conn.execute(
            select(VISITS.c.submitted_by, VISITS.c.on_behalf_of, VISITS.c.area_path, VISITS.c.household_id).where(
                VISITS.c.id == visit_id
            )
        )
    ).first()
    if row is None or not visible_to(actor, row):
        raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy phiếu {visit_id}.", f"No visit {visit_id}.")
    actor.require_role(Role.SUPERVISOR)
    status = decision_status(decision)
    note = (comment or "").replace("\x00", "").strip()[:1000] or None  # PostgreSQL text cannot hold NUL
    if status in NEEDS_COMMENT and note is None:
        raise errors.DomainError(errors.VISIT_REVIEW_NOTE_REQUIRED)
    # The household's visit state changed (phones re-sync it); its row and the counter before the assessment rows.
    await mark_changed(conn, [row.household_id])
    now = utcnow()
    await conn.execute(
        REVIEWS.insert().values(visit_id=visit_id, reviewer_id=actor.user_id, at=now, decision=status, comment=note)
    )
    await conn.execute(
        update(VISITS)
        .where(VISITS.c.id == visit_id)
        .values(review_status=status, reviewed_by=actor.user_id, reviewed_at=now, review_note=note)
    )
    await apply_review(conn, visit_id)  # the household's assessment follows the decision, in this transaction
    audit.record(session, actor, "review", "visit", visit_id)
    return ReviewOut(status=status, reviewed_by=actor.user_id, reviewed_at=now, note=note)


async def decide_many(
    session: AsyncSession,
    actor: Actor,
    ids: list[uuid.UUID],
    decision: str,
    comment: str | None,
) -> BulkReviewOut:
    """Each visit decided on its own (a savepoint each): one visit out of scope does not undo the others."""
    actor.require_role(Role.SUPERVISOR)
    decision_status(decision)
    # Every household up front in id order (lock order): each decision below takes the change counter.
    conn = await connection(session)
    await lock_households(
        conn, (await conn.execute(select(VISITS.c.household_id).where(VISITS.c.id.in_(set(ids))))).scalars()
    )
    results: list[BulkReviewItem] = []
    for visit_id in dict.fromkeys(ids):  # the same id twice is one decision
        try:
            async with session.begin_nested():
                review = await decide(session, actor, visit_id, decision, comment)
        except errors.DomainError as exc:
            results.append(BulkReviewItem(id=visit_id, status=exc.kind.status, code=exc.kind.code))
        else:
            results.append(BulkReviewItem(id=visit_id, status=200, review=review))
    decided = sum(1 for item in results if item.status == 200)
    return BulkReviewOut(decided=decided, failed=len(results) - decided, results=results)


async def history(session: AsyncSession, visit_id: uuid.UUID) -> list[ReviewEntry]:
    """Oldest first. Callers have already checked the visit is visible."""
    conn = await connection(session)
    rows = (
        await conn.execute(
            select(REVIEWS.c.decision, REVIEWS.c.comment, REVIEWS.c.at, REVIEWS.c.reviewer_id, USERS.c.full_name)
            .join(USERS, USERS.c.id == REVIEWS.c.reviewer_id)
            .where(REVIEWS.c.visit_id == visit_id)
            .order_by(REVIEWS.c.at, REVIEWS.c.id)
        )
    ).all()
    return [
        ReviewEntry(
            decision=r.decision,
            comment=r.comment,
            at=as_utc(r.at),
            reviewer_id=r.reviewer_id,
            reviewer_name=r.full_name,
        )
        for r in rows
    ]


def _bad_review_status() -> errors.DomainError:
    return errors.DomainError(
        errors.BAD_QUERY,
        f"review_status phải là một trong: {', '.join(REVIEW_STATUSES)}.",
        f"review_status must be one of: {', '.join(REVIEW_STATUSES)}.",
    )


async def my_visits(
    session: AsyncSession,
    actor: Actor,
    *,
    review_status: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[MyVisit]:
    """The caller's own visits (made by them or in their name), newest arrival first. `since` keeps the visits
    that arrived or were reviewed at or after it, so a phone polling with its last poll time sees new feedback."""
    size = clamp_limit(limit)
    mine = or_(VISITS.c.submitted_by == actor.user_id, VISITS.c.on_behalf_of == actor.user_id)
    query = (
        select(
            VISITS.c.id,
            VISITS.c.form_id,
            VISITS.c.household_id,
            HOUSEHOLDS.c.head_name,
            VISITS.c.finished_at,
            VISITS.c.received_at,
            VISITS.c.status,
            VISITS.c.review_status,
            VISITS.c.review_note,
            VISITS.c.reviewed_at,
            VISITS.c.corrects,
            VISITS.c.revisit_of,
        )
        .join(HOUSEHOLDS, HOUSEHOLDS.c.id == VISITS.c.household_id)
        .where(mine)
        .order_by(VISITS.c.received_at.desc(), VISITS.c.id.desc())
        .limit(size + 1)
    )
    if review_status is not None:
        if review_status not in REVIEW_STATUSES:
            raise _bad_review_status()
        query = query.where(VISITS.c.review_status == review_status)
    if since is not None:
        moment = utc(since)
        query = query.where(or_(VISITS.c.received_at >= moment, VISITS.c.reviewed_at >= moment))
    query = newest_first_after(query, cursor)
    conn = await connection(session)
    rows = (await conn.execute(query)).all()
    page = rows[:size]
    ids = [row.id for row in page]
    codes = await flag_codes(conn, ids)
    corrected_by: dict[uuid.UUID, list[uuid.UUID]] = {visit_id: [] for visit_id in ids}
    if ids:
        for later, corrected in (
            await conn.execute(
                select(VISITS.c.id, VISITS.c.corrects)
                .where(VISITS.c.corrects.in_(ids), mine)
                .order_by(VISITS.c.received_at)
            )
        ).all():
            corrected_by[corrected].append(later)
    items = [_my_visit(row, sorted(codes[row.id]), corrected_by[row.id]) for row in page]
    return Page(items=items, next=next_newest_cursor(rows, size))


def _my_visit(row: Any, codes: list[str], corrected_by: list[uuid.UUID]) -> MyVisit:
    return MyVisit(
        id=row.id,
        form_id=row.form_id,
        household_id=row.household_id,
        household_name=row.head_name,
        finished_at=as_utc(row.finished_at),
        received_at=as_utc(row.received_at),
        status=row.status,
        review_status=row.review_status,
        review_comment=row.review_note,
        reviewed_at=as_utc(row.reviewed_at),
        flag_codes=codes,
        corrects=row.corrects,
        revisit_of=row.revisit_of,
        corrected_by=corrected_by,
    )
