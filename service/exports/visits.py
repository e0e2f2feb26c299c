"""The visits export: one row per visit, one column per question, as ODK and Kobo users expect.

Multi-select answers are split into one 1/0 column per choice; geopoints into lat / lon / accuracy; the visit's
own GPS fix has its three columns too. Titles and choice texts in Vietnamese, English, or as codes.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Sequence
from datetime import datetime
from functools import partial
from typing import Any

import msgspec
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncEngine

import forms
from forms.labels import text as label_text
from service.areas.models import Area
from service.auth.scope import path_prefix_filter
from service.common.clock import local_wall_time
from service.db.tables import table_of
from service.exports.households import REVIEW_VI, Lookups
from service.exports.rows import stream_rows
from service.households.models import Household
from service.visits.flag_texts import flag_name
from service.visits.models import FLAGS, Visit

VISITS = table_of(Visit)
HOUSEHOLDS = table_of(Household)
AREAS = table_of(Area)
LABELS = ("vi", "en", "codes")
_FIXED = [  # (code, vi, en)
    ("visit_id", "Mã phiếu", "Visit id"),
    ("household_code", "Mã hộ", "Household code"),
    ("village", "Thôn/Khu phố", "Village"),
    ("member", "Người thăm", "Visited by"),
    ("started_at", "Bắt đầu", "Started"),
    ("finished_at", "Kết thúc", "Finished"),
    ("review_status", "Trạng thái duyệt", "Review status"),
    ("flags", "Cảnh báo", "Flags"),
    ("skill_level", "Mức", "Level"),
    ("gps_lat", "Vĩ độ", "Latitude"),
    ("gps_lon", "Kinh độ", "Longitude"),
    ("gps_accuracy_m", "Độ chính xác (m)", "Accuracy (m)"),
]
_BOOL = {"vi": ("Có", "Không"), "en": ("Yes", "No"), "codes": ("true", "false")}
Cell = Callable[[Any], list[Any]]


def _text(label: forms.Label | msgspec.UnsetType, labels: str, code: str) -> str:
    # A label is a dict (language → text); a calculate question may have none, and then its name stands in.
    if labels == "codes" or isinstance(label, msgspec.UnsetType):
        return code
    return label_text(label, labels) or code


def _geopoint(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value.get("lat"), value.get("lon"), value.get("accuracy_m")]
    return [None, None, None]


def _split(values: list[str], value: Any) -> list[Any]:
    """A multi-select answer as one 1/0 cell per choice (ODK's and Kobo's split columns)."""
    if value is None:
        return [None] * len(values)
    return [1 if choice in value else 0 for choice in values]


def _choice(texts: dict[str, str], value: Any) -> list[Any]:
    return [texts.get(value, value)]


def _yes_no(yes: str, no: str, value: Any) -> list[Any]:
    return [None if value is None else (yes if value else no)]


def _plain(value: Any) -> list[Any]:
    return [msgspec.json.encode(value).decode() if isinstance(value, (list, dict)) else value]


def question_columns(form: forms.CompiledForm, labels: str) -> tuple[list[str], list[tuple[str, Cell]]]:
    """Titles, and per question (name, answer → cells)."""
    titles: list[str] = []
    cells: list[tuple[str, Cell]] = []
    yes, no = _BOOL[labels]
    for name, item in form.questions.items():
        question = item.question
        title = _text(question.label, labels, name)
        if isinstance(question, forms.NoteQuestion):
            continue
        if isinstance(question, forms.SelectMultipleQuestion):
            values = [choice.value for choice in question.choices]
            titles += [
                f"{title}/{_text(c.label, labels, c.value)}" if labels != "codes" else f"{name}/{c.value}"
                for c in question.choices
            ]
            cells.append((name, partial(_split, values)))
        elif isinstance(question, forms.SelectOneQuestion):
            texts = {c.value: _text(c.label, labels, c.value) for c in question.choices}
            titles.append(title)
            cells.append((name, partial(_choice, texts)))
        elif isinstance(question, forms.GeopointQuestion):
            titles += [f"{title}/lat", f"{title}/lon", f"{title}/accuracy_m"]
            cells.append((name, _geopoint))
        elif isinstance(question, forms.BooleanQuestion):
            titles.append(title)
            cells.append((name, partial(_yes_no, yes, no)))
        else:
            titles.append(title)
            cells.append((name, _plain))
    return titles, cells


def titles(form: forms.CompiledForm, labels: str) -> tuple[list[str], list[tuple[str, Cell]], list[int]]:
    index = {"codes": 0, "vi": 1, "en": 2}[labels]
    fixed = [entry[index] for entry in _FIXED]
    question_titles, cells = question_columns(form, labels)
    text_columns = [1, 2, 3] + [len(fixed) + i for i in range(len(question_titles))]
    return fixed + question_titles, cells, text_columns


def statement(root_path: str, form_id: str) -> Any:
    v, h = VISITS, HOUSEHOLDS
    open_areas = select(AREAS.c.id).where(path_prefix_filter(AREAS.c.path, root_path), AREAS.c.closed_at.is_(None))
    return (
        select(
            v.c.id,
            h.c.official_code,
            v.c.area_id,
            v.c.on_behalf_of,
            v.c.submitted_by,
            v.c.started_at,
            v.c.finished_at,
            v.c.review_status,
            v.c.skill_level,
            v.c.lat,
            v.c.lon,
            v.c.accuracy_m,
            v.c.answers,
            select(func.aggregate_strings(FLAGS.c.code, ";"))
            .where(FLAGS.c.visit_id == v.c.id)
            .scalar_subquery()
            .label("flag_codes"),
        )
        .select_from(v.outerjoin(h, h.c.id == v.c.household_id))
        .where(path_prefix_filter(v.c.area_path, root_path), v.c.form_id == form_id, v.c.area_id.in_(open_areas))
        .order_by(v.c.received_at, v.c.id)
    )


def _local(moment: datetime | None) -> str | None:
    """Vietnam wall time (SQLite hands back naive UTC, PostgreSQL aware)."""
    return local_wall_time(moment)


def _flag_words(codes: str | None, labels: str) -> str | None:
    """A visit's flag codes ("a;b", from the statement) in words of the one flag catalog ("codes": as they are)."""
    if not codes:
        return None
    names = [code if labels == "codes" else flag_name(code, labels) for code in sorted(set(codes.split(";")))]
    return "; ".join(names)


async def visit_rows(
    engine: AsyncEngine, root_path: str, form_id: str, labels: str, cells: list[tuple[str, Cell]], found: Lookups
) -> AsyncIterator[Sequence[list[Any]]]:
    review = REVIEW_VI if labels == "vi" else {}
    async for chunk in stream_rows(engine, statement(root_path, form_id), chunk=2_000):
        out = []
        for (
            visit_id,
            code,
            area_id,
            on_behalf_of,
            submitted_by,
            started,
            finished,
            status,
            level,
            lat,
            lon,
            accuracy,
            answers,
            flag_codes,
        ) in chunk:
            if isinstance(answers, (str, bytes)):
                answers = msgspec.json.decode(answers)
            row = [
                str(visit_id),
                code,
                found.village.get(area_id),
                found.people.get(on_behalf_of or submitted_by),
                _local(started),
                _local(finished),
                review.get(status, status),
                _flag_words(flag_codes, labels),
                level,
                lat,
                lon,
                accuracy,
            ]
            for name, cell in cells:
                row += cell(answers.get(name))
            out.append(row)
        yield out
