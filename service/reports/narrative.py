"""The officer's text: each drafted paragraph may be rewritten, and the rewrite is kept per area and period with
who wrote it and when (every save is a row; the newest is in force). The figures the paragraph was written
against are kept with it, so a figure that changed since is pointed out on the page."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service.activities.models import ReportNarrative
from service.db.engine import as_utc
from service.people.models import User
from service.reports.drafting import Draft, Figure


class FigureChange(msgspec.Struct, kw_only=True):
    name: str
    label: str
    then: str  # as it was when the officer saved the text
    now: str


class ReportSection(msgspec.Struct, kw_only=True):
    key: str
    part: str
    drafted: str
    text: str  # the text in force: the officer's when edited, else the draft
    edited: bool
    edited_by: str | None
    edited_at: datetime | None
    figures: list[Figure]
    changed: list[FigureChange]


@dataclass(slots=True)
class Edit:
    text: str
    figures: dict[str, Any]
    by: str
    at: datetime


def period_key(start: date | None, end: date | None) -> str:
    return f"{start.isoformat() if start else ''}/{end.isoformat() if end else ''}"


def figure_snapshot(figures: list[Figure]) -> dict[str, Any]:
    return {f.name: {"value": f.value, "text": f.text} for f in figures}


async def load(session: AsyncSession, area_id: int, period: str) -> dict[str, Edit]:
    """The text in force for each edited section of an area and period."""
    n = ReportNarrative
    newest = (
        select(func.max(col(n.id)))
        .where(col(n.area_id) == area_id, col(n.period) == period)
        .group_by(col(n.section))
        .scalar_subquery()
    )
    rows = await session.execute(
        select(col(n.section), col(n.text), col(n.figures), col(n.edited_at), col(User.full_name))
        .join(User, col(User.id) == col(n.edited_by))
        .where(col(n.id).in_(newest))
    )
    return {
        section: Edit(text=text, figures=figures, by=by, at=as_utc(at))
        for section, text, figures, at, by in rows
        if text  # an emptied paragraph goes back to the draft
    }


def sections(drafts: list[Draft], edits: dict[str, Edit]) -> list[ReportSection]:
    out = []
    for draft in drafts:
        edit = edits.get(draft.key)
        changed = []
        if edit is not None:
            for figure in draft.figures:
                then = edit.figures.get(figure.name)
                if then is not None and then.get("value") != figure.value:
                    changed.append(
                        FigureChange(name=figure.name, label=figure.label, then=then.get("text", ""), now=figure.text)
                    )
        out.append(
            ReportSection(
                key=draft.key,
                part=draft.part,
                drafted=draft.text,
                text=edit.text if edit else draft.text,
                edited=edit is not None,
                edited_by=edit.by if edit else None,
                edited_at=edit.at if edit else None,
                figures=draft.figures,
                changed=changed,
            )
        )
    return out


def add_edit(session: AsyncSession, area_id: int, period: str, draft: Draft, text: str, user_id: int) -> None:
    from service.db.engine import utcnow

    session.add(
        ReportNarrative(
            area_id=area_id,
            period=period,
            section=draft.key,
            text=text,
            figures=figure_snapshot(draft.figures),
            edited_by=user_id,
            edited_at=utcnow(),
        )
    )
