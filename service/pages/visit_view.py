"""What the visit page shows beyond the API's VisitDetail: labelled answers, the household, the GPS offset."""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from forms.compiled import CompiledQuestion
from service.auth.actor import Actor
from service.auth.scope import area_path_filter
from service.pages.queue import AREAS, HOUSEHOLDS, USERS
from service.pages.words import bearing_deg, compass, distance
from service.visits.evidence_rules import metres as distance_m
from service.visits.models import VISITS
from service.visits.schemas import VisitDetail
from service.visits.stored import connection

# Attachments are listed with their files (attachment_rows), not as answers.
_HIDDEN_KINDS = {"note", "photo", "group", "audio", "video", "file"}


def _label(label: Any, lang: str) -> str:
    # A label maps language codes to text; Vietnamese is always there, so it is the fallback.
    return label.get(lang) or label["vi"]


def _value_text(item: CompiledQuestion, value: Any, lang: str, t: Any) -> str:
    question = item.question
    if isinstance(value, bool):
        return t("yes") if value else t("no")
    choices = {c.value: _label(c.label, lang) for c in getattr(question, "choices", [])}
    if isinstance(value, list):
        return ", ".join(choices.get(str(v), str(v)) for v in value)
    if isinstance(value, dict) and "lat" in value:
        accuracy = value.get("accuracy_m")
        return f"{value['lat']:.5f}, {value['lon']:.5f}" + (f" (± {distance(accuracy, lang)})" if accuracy else "")
    if choices:
        return choices.get(str(value), str(value))
    return str(value)


def labelled_answers(form: forms.CompiledForm, answers: dict[str, Any], lang: str, t: Any) -> list[tuple[str, str]]:
    rows = []
    for name, item in form.questions.items():
        if item.kind in _HIDDEN_KINDS or name not in answers or answers[name] is None:
            continue
        rows.append((_label(item.question.label, lang), _value_text(item, answers[name], lang, t)))
    return rows


@dataclass
class FileRow:
    """One audio, video or file answer on the visit page: a download link, or what is still missing."""

    label: str
    kind: str
    filename: str
    size: str | None  # None: not received yet
    content_type: str | None
    url: str | None


def _size(size: int, lang: str) -> str:
    text = f"{size / 1_000_000:.1f} MB" if size >= 1_000_000 else f"{max(1, round(size / 1000))} KB"
    return text.replace(".", ",") if lang == "vi" else text


def attachment_rows(form: forms.CompiledForm, detail: VisitDetail, lang: str) -> list[FileRow]:
    """Every file of the visit in form order, received ones as download links, missing ones without."""
    received = {item.question: item for item in detail.attachments}
    missing = {item.question: item for item in detail.missing_attachments}
    rows = []
    for name, kind in form.attachment_kinds.items():
        label = _label(form.questions[name].question.label, lang)
        if name in received:
            item = received[name]
            url = f"/review/visits/{detail.id}/attachments/{quote(name, safe='')}"
            rows.append(FileRow(label, kind, item.filename, _size(item.size_bytes, lang), item.content_type, url))
        elif name in missing:
            rows.append(FileRow(label, kind, missing[name].filename, None, None, None))
    return rows


def skill_level_name(form: forms.CompiledForm, level: int | None, lang: str) -> str | None:
    for candidate in form.levels:
        if candidate.value == level:
            return f"{level} · {_label(candidate.name, lang)}"
    return None if level is None else str(level)


@dataclass
class Offset:
    """The visit's GPS point seen from the household, and the little map's geometry (SVG units)."""

    metres: float
    text: str
    direction: str
    dx: float
    dy: float
    threshold_r: float


def gps_offset(household: tuple[float, float], visit: tuple[float, float], threshold_m: float, lang: str) -> Offset:
    # The same distance the far-from-household flag measured.
    metres = distance_m(household, visit)
    bearing = bearing_deg(household, visit)
    # The farther of the point and the flag threshold fills 80 % of the map's half-height (80 units).
    scale = 80 / max(metres, threshold_m, 1.0)
    r = metres * scale
    return Offset(
        metres=metres,
        text=distance(metres, lang),
        direction=compass(bearing, lang),
        dx=round(r * math.sin(math.radians(bearing)), 1),
        dy=round(-r * math.cos(math.radians(bearing)), 1),
        threshold_r=round(threshold_m * scale, 1),
    )


@dataclass
class VisitContext:
    household_name: str
    household_address: str | None
    household_location: tuple[float, float] | None
    village: str
    member: str
    on_behalf_of: str | None
    corrects: uuid.UUID | None
    corrected_by: list[uuid.UUID]
    revisit_of: uuid.UUID | None = None  # the earlier visit this return visit follows up


async def visit_context(session: AsyncSession, actor: Actor, detail: VisitDetail) -> VisitContext:
    conn = await connection(session)
    household = (
        await conn.execute(
            select(HOUSEHOLDS.c.head_name, HOUSEHOLDS.c.address, HOUSEHOLDS.c.lat, HOUSEHOLDS.c.lon, AREAS.c.name)
            .join(AREAS, AREAS.c.id == HOUSEHOLDS.c.area_id)
            .where(HOUSEHOLDS.c.id == detail.household_id)
        )
    ).one()
    names: dict[int, str] = dict(
        (
            await conn.execute(
                select(USERS.c.id, USERS.c.full_name).where(
                    USERS.c.id.in_([i for i in (detail.submitted_by, detail.on_behalf_of) if i is not None])
                )
            )
        ).all()
    )
    corrects, revisit_of = (
        await conn.execute(select(VISITS.c.corrects, VISITS.c.revisit_of).where(VISITS.c.id == detail.id))
    ).one()
    corrected_by = list(
        (
            await conn.execute(
                select(VISITS.c.id)
                .where(VISITS.c.corrects == detail.id, area_path_filter(VISITS.c.area_path, actor))
                .order_by(VISITS.c.received_at)
            )
        ).scalars()
    )
    location = (household.lat, household.lon) if household.lat is not None and household.lon is not None else None
    return VisitContext(
        household_name=household.head_name or "—",
        household_address=household.address,
        household_location=location,
        village=household.name,
        member=names.get(detail.submitted_by, "?"),
        on_behalf_of=names.get(detail.on_behalf_of) if detail.on_behalf_of else None,
        corrects=corrects,
        corrected_by=corrected_by,
        revisit_of=revisit_of,
    )
