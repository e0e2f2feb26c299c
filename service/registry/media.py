"""Files that travel with a published form version: its CSV media and the XLSForm it was published from.

Both are immutable like the version itself: the same file again is a no-op, other bytes under the same name are
refused (publish a new version). Other parts of the service read them through the three functions named in the
registry's contract: ``list_media``, ``read_media`` and ``xlsform_source`` (the XForm builder uses the last two).
"""

from __future__ import annotations

import hashlib
import re
import weakref
from collections.abc import Mapping
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import col

import forms
from forms.media_csv import check_media_name, choices_from_records, read_csv
from service import errors
from service.db.engine import utcnow
from service.registry.models import FormMedia, FormSource, FormVersion

CSV_CONTENT_TYPE = "text/csv"
# CSV media are read row by row for choices, so their rows are bounded like a sheet's, a little more generously
# (a list of villages of a province is a few thousand rows).
MEDIA_MAX_ROWS = 100_000


class MediaInfo(msgspec.Struct, frozen=True):
    name: str
    content_type: str
    size: int
    md5: str  # hex


class MediaUpload(msgspec.Struct, frozen=True):
    """One file as received: its name (the upload's filename) and bytes."""

    name: str
    data: bytes


# ---- the contract read by other parts of the service ----------------------------------------------------------


async def list_media(session: AsyncSession, form_version_id: int) -> list[MediaInfo]:
    """The media files of a form version, by name."""
    statement = (
        select(col(FormMedia.name), col(FormMedia.content_type), col(FormMedia.size), col(FormMedia.md5))
        .where(col(FormMedia.form_version_id) == form_version_id)
        .order_by(col(FormMedia.name))
    )
    return [MediaInfo(*row) for row in (await session.execute(statement)).all()]


async def read_media(session: AsyncSession, form_version_id: int, name: str) -> bytes | None:
    """One media file's bytes, or None when the version has no file of that name."""
    statement = select(col(FormMedia.content)).where(
        col(FormMedia.form_version_id) == form_version_id, col(FormMedia.name) == name
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def xlsform_source(session: AsyncSession, form_version_id: int) -> bytes | None:
    """The XLSForm bytes the version was published from, or None (published as JSON, or before this existed)."""
    statement = select(col(FormSource.content)).where(col(FormSource.form_version_id) == form_version_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def csv_tables(session: AsyncSession | AsyncConnection, form_version_id: int) -> dict[str, list[dict[str, str]]]:
    """Every CSV media file of the version as records (column → text): what select_*_from_file, pulldata() and
    search() read. Read in an ORM session (visit intake) or on a Core connection (assessments, rescore)."""
    statement = select(col(FormMedia.name), col(FormMedia.content)).where(
        col(FormMedia.form_version_id) == form_version_id
    )
    tables = {}
    for name, content in (await session.execute(statement)).all():
        tables[name] = read_csv(content, name, max_rows=MEDIA_MAX_ROWS, max_cell_chars=1_000_000)
    return tables


# ---- writing ------------------------------------------------------------------------------------------------------


def _media_error(exc: forms.FormDefinitionError) -> errors.DomainError:
    return errors.DomainError(errors.FORM_MEDIA_INVALID, errors=[msgspec.to_builtins(e) for e in exc.errors])


def files_named_by(definition: forms.FormDefinition) -> dict[str, tuple[str, str]]:
    """CSV files the form reads for its choices: name → (value column, label column)."""
    named: dict[str, tuple[str, str]] = {}

    def walk(questions: list[Any]) -> None:
        for question in questions:
            inner = getattr(question, "questions", None)
            if isinstance(inner, list):
                walk(inner)
            file = getattr(question, "choices_file", msgspec.UNSET)
            if isinstance(file, str):
                value = question.choices_file_value
                label = question.choices_file_label
                named[file] = (
                    value if isinstance(value, str) else "name",
                    label if isinstance(label, str) else "label",
                )

    walk(definition.questions)
    return named


def check_upload(
    definition: forms.FormDefinition, upload: MediaUpload, *, max_bytes: int, max_cell_chars: int
) -> list[dict[str, str]]:
    """The upload's records, or a DomainError: a bad name, too big, not UTF-8 CSV, or lacking the columns the
    form's select_*_from_file questions read."""
    try:
        check_media_name(upload.name)
        if len(upload.data) > max_bytes:
            raise errors.DomainError(
                errors.TOO_LARGE,
                f"Tệp {upload.name} nặng {len(upload.data):,} byte (tối đa {max_bytes:,}).",
                f"File {upload.name} is {len(upload.data):,} bytes (at most {max_bytes:,}).",
            )
        records = read_csv(upload.data, upload.name, max_rows=MEDIA_MAX_ROWS, max_cell_chars=max_cell_chars)
    except forms.FormDefinitionError as exc:
        raise _media_error(exc) from exc
    needed = files_named_by(definition).get(upload.name)
    if needed is not None:
        header = set(records[0]) if records else set()
        missing = [column for column in needed if column not in header]
        if missing or not records:
            shown = ", ".join(missing) or "(no rows)"
            raise errors.DomainError(
                errors.FORM_MEDIA_INVALID,
                errors=[
                    {
                        "path": upload.name,
                        "code": "form_media.missing_columns",
                        "message_vi": f"Tệp {upload.name} thiếu cột mà câu hỏi chọn từ tệp cần: {shown}.",
                        "message_en": f"{upload.name} lacks columns its select-from-file question reads: {shown}.",
                    }
                ],
            )
    return records


async def add_media(
    session: AsyncSession, version: FormVersion, upload: MediaUpload, uploaded_by: int | None
) -> tuple[MediaInfo, bool]:
    """Store one checked file for a version: (its info, whether it was new). Same bytes again: not new."""
    digest = hashlib.md5(upload.data, usedforsecurity=False).hexdigest()
    info = MediaInfo(upload.name, CSV_CONTENT_TYPE, len(upload.data), digest)
    assert version.id is not None
    existing = await _media_md5(session, version.id, upload.name)
    if existing is not None:
        return _same_or_conflict(info, existing), False
    row = FormMedia(
        form_version_id=version.id,
        name=upload.name,
        content_type=CSV_CONTENT_TYPE,
        size=len(upload.data),
        md5=digest,
        content=upload.data,
        uploaded_at=utcnow(),
        uploaded_by=uploaded_by,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = await _media_md5(session, version.id, upload.name)
        if existing is None:
            raise
        return _same_or_conflict(info, existing), False
    forget_compiled(version)
    return info, True


def _same_or_conflict(info: MediaInfo, existing_md5: str) -> MediaInfo:
    if existing_md5 != info.md5:
        raise errors.DomainError(
            errors.FORM_MEDIA_EXISTS,
            f"Phiên bản này đã có tệp {info.name} với nội dung khác; hãy phát hành phiên bản mới.",
            f"This version already has {info.name} with other content; publish a new version.",
        )
    return info


async def _media_md5(session: AsyncSession, form_version_id: int, name: str) -> str | None:
    statement = select(col(FormMedia.md5)).where(
        col(FormMedia.form_version_id) == form_version_id, col(FormMedia.name) == name
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def keep_xlsform_source(
    session: AsyncSession, form_version_id: int, content: bytes, filename: str, uploaded_by: int | None
) -> None:
    """Keep the XLSForm a version was published from (the first one, when the same content comes again)."""
    if await xlsform_source(session, form_version_id) is not None:
        return
    row = FormSource(
        form_version_id=form_version_id,
        filename=filename[:200],
        size=len(content),
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest(),
        content=content,
        uploaded_at=utcnow(),
        uploaded_by=uploaded_by,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        pass  # a concurrent publish of the same content kept it first


async def source_filename(session: AsyncSession, form_version_id: int) -> str | None:
    statement = select(col(FormSource.filename)).where(col(FormSource.form_version_id) == form_version_id)
    return (await session.execute(statement)).scalar_one_or_none()


# ---- choices from CSV files, for checking answers --------------------------------------------------------------


def with_file_choices(
    definition: forms.FormDefinition, tables: dict[str, list[dict[str, str]]]
) -> tuple[forms.FormDefinition, bool]:
    """The definition with each select_*_from_file question's choices read from its CSV, and whether every file
    it names was there (a form still waiting for a file offers no choices for that question)."""
    named = files_named_by(definition)
    if not named:
        return definition, True
    complete = all(name in tables for name in named)

    def fill(questions: list[Any]) -> list[Any]:
        filled = []
        for question in questions:
            inner = getattr(question, "questions", None)
            if isinstance(inner, list):
                question = msgspec.structs.replace(question, questions=fill(inner))
            file = getattr(question, "choices_file", msgspec.UNSET)
            if isinstance(file, str) and file in tables:
                value_column, label_column = named[file]
                choices = msgspec.convert(
                    choices_from_records(tables[file], value_column, label_column), list[forms.Choice]
                )
                question = msgspec.structs.replace(question, choices=choices)
            filled.append(question)
        return filled

    return msgspec.structs.replace(definition, questions=fill(definition.questions)), complete


# pulldata('file', …) names a CSV media file, with or without its .csv.
_PULLDATA = re.compile(r"""pulldata\s*\(\s*['"]([^'"]+)['"]""")
# The CSV tables of each compiled form that reads any (pulldata()), for the visit checks.
_TABLES: weakref.WeakKeyDictionary[forms.CompiledForm, Mapping[str, list[dict[str, str]]]] = weakref.WeakKeyDictionary()


def tables_named_by(definition: forms.FormDefinition) -> set[str]:
    """Every CSV file the form reads: its select_*_from_file files and the files its pulldata() calls name."""
    named = set(files_named_by(definition))
    for name in _PULLDATA.findall(forms.canonical_json(definition).decode()):
        named.add(name if name.endswith(".csv") else f"{name}.csv")
    return named


async def compile_with_media(
    session: AsyncSession | AsyncConnection, form_version_id: int, definition: forms.FormDefinition
) -> tuple[forms.CompiledForm, bool]:
    """The version compiled for checking and scoring answers: its select_*_from_file choices read from its CSV media,
    the files its pulldata() reads remembered with it (``tables_of``); and whether every file it names was there."""
    needed = tables_named_by(definition)
    if not needed:
        return forms.compile_form(definition), True
    tables = await csv_tables(session, form_version_id)
    definition, complete = with_file_choices(definition, tables)
    compiled = forms.compile_form(definition)
    remember_tables(compiled, tables)
    return compiled, complete and needed <= set(tables)


def remember_tables(form: forms.CompiledForm, tables: Mapping[str, list[dict[str, str]]]) -> None:
    _TABLES[form] = tables


def tables_of(form: forms.CompiledForm) -> Mapping[str, list[dict[str, str]]] | None:
    """The CSV media a compiled form's pulldata() reads (None: the form reads none)."""
    return _TABLES.get(form)


def forget_compiled(version: FormVersion) -> None:
    """A new file changes the choices a version offers: compile it again on next use (in this worker; the others
    never cached it, as a version waiting for a file is not cached)."""
    from service.registry import services

    services.forget_compiled(version.form_id, version.version)
