"""The form registry: published (form_id, version) definitions, immutable once published."""

from __future__ import annotations

import threading
from typing import Any

import anyio
import anyio.to_thread
import msgspec
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import forms
from forms.xlsform import convert_xlsform_report
from forms.xlsform_limits import WorkbookLimits, check_definition_size
from service import errors
from service.common.text import json_has_nul
from service.db.engine import database_key, utcnow
from service.http.limits import FORM_BYTES
from service.http.paging import Page, clamp_limit, decode_cursor, encode_cursor
from service.registry import media
from service.registry.models import FormVersion
from service.registry.schemas import FormSummary, PublishWarning


class Published(msgspec.Struct, frozen=True):
    form_id: str
    version: str
    content_hash: str
    created: bool


def _definition_error(
    exc: forms.FormDefinitionError, kind: errors.ErrorKind = errors.FORM_INVALID
) -> errors.DomainError:
    return errors.DomainError(kind, errors=[msgspec.to_builtins(e) for e in exc.errors])


# The registry's columns (service/registry/models.py): a longer value is refused with its path, on every database
# (SQLite would store it; PostgreSQL's varchar refuses it with a 500).
_COLUMN_LIMITS = (("id", 100), ("version", 50), ("title.vi", 300), ("title.en", 300))


def _fits_columns(definition: forms.FormDefinition) -> list[forms.FormError]:
    values = {
        "id": definition.id,
        "version": definition.version,
        "title.vi": definition.title.get("vi"),
        "title.en": definition.title.get("en"),
    }
    return [
        forms.FormError(
            path=path,
            code="form.too_long",
            message_vi=f"Dài quá {limit} ký tự.",
            message_en=f"Longer than {limit} characters.",
        )
        for path, limit in _COLUMN_LIMITS
        if len(values[path] or "") > limit
    ]


def _stored_definition(definition: forms.FormDefinition, kind: errors.ErrorKind) -> forms.FormDefinition:
    problems = _fits_columns(definition)
    if problems:
        raise _definition_error(forms.FormDefinitionError(problems), kind)
    return definition


def parse_definition(data: bytes | dict[str, Any]) -> forms.FormDefinition:
    if isinstance(data, bytes) and json_has_nul(data):
        raise errors.DomainError(
            errors.FORM_INVALID,
            errors=[
                {
                    "path": "",
                    "code": "form.nul_character",
                    "message_vi": "Biểu mẫu chứa ký tự NUL.",
                    "message_en": "The form contains a NUL character.",
                }
            ],
        )
    try:
        return _stored_definition(forms.load_definition(data), errors.FORM_INVALID)
    except forms.FormDefinitionError as exc:
        raise _definition_error(exc) from exc


def version_was_derived(body: bytes) -> bool:
    """Whether a JSON definition came without a version (so publishing derived one from its content)."""
    try:
        raw = msgspec.json.decode(body)
    except msgspec.DecodeError:
        return False
    return isinstance(raw, dict) and not raw.get("version")


def parse_xlsform(
    data: bytes,
    filename: str,
    limits: WorkbookLimits | None = None,
    max_definition_bytes: int = FORM_BYTES,
) -> tuple[forms.FormDefinition, list[PublishWarning]]:
    """The definition in an XLSForm, and what of it was ignored (warnings, never a refusal).

    CPU-bound (seconds for a big workbook): call it off the event loop, as ``parse_xlsform_off_loop`` does."""
    try:
        converted, warnings = convert_xlsform_report(data, filename, limits)
        definition = _stored_definition(forms.load_definition(converted), errors.XLSFORM_INVALID)
        check_definition_size(len(forms.canonical_json(definition)), max_definition_bytes)
    except forms.FormDefinitionError as exc:
        too_large = any(e.code == errors.XLSFORM_TOO_LARGE.code for e in exc.errors)
        raise _definition_error(exc, errors.XLSFORM_TOO_LARGE if too_large else errors.XLSFORM_INVALID) from exc
    return definition, [PublishWarning(w.path, w.code, w.message_vi, w.message_en) for w in warnings]


# One XLSForm parse at a time per worker: each may hold a bounded workbook in memory, so N uploads at once must
# not multiply it; the other requests keep being served on the event loop meanwhile.
# (A thread lock, not an anyio limiter: it holds across the event loops a process may run, as tests do.)
_PARSE_SLOT = threading.Lock()


def _parse_one_at_a_time(
    data: bytes, filename: str, limits: WorkbookLimits, max_definition_bytes: int
) -> tuple[forms.FormDefinition, list[PublishWarning]]:
    with _PARSE_SLOT:
        return parse_xlsform(data, filename, limits, max_definition_bytes)


async def parse_xlsform_off_loop(
    data: bytes, filename: str, limits: WorkbookLimits, max_definition_bytes: int
) -> tuple[forms.FormDefinition, list[PublishWarning]]:
    return await anyio.to_thread.run_sync(_parse_one_at_a_time, data, filename, limits, max_definition_bytes)


async def _latest_row(session: AsyncSession, form_id: str) -> FormVersion | None:
    statement = (
        select(FormVersion).where(col(FormVersion.form_id) == form_id).order_by(col(FormVersion.id).desc()).limit(1)
    )
    return (await session.execute(statement)).scalars().first()


async def _version_row(session: AsyncSession, form_id: str, version: str) -> FormVersion | None:
    statement = select(FormVersion).where(col(FormVersion.form_id) == form_id, col(FormVersion.version) == version)
    return (await session.execute(statement)).scalars().first()


def _same_or_conflict(existing: FormVersion, digest: str) -> Published:
    if existing.content_hash != digest:
        raise errors.DomainError(
            errors.FORM_VERSION_EXISTS,
            f"Biểu mẫu {existing.form_id} phiên bản {existing.version} đã phát hành với nội dung khác; "
            "hãy đặt số phiên bản mới.",
            f"Form {existing.form_id} version {existing.version} was already published with other content; "
            "publish it under a new version.",
        )
    return Published(existing.form_id, existing.version, existing.content_hash, created=False)


async def publish(session: AsyncSession, definition: forms.FormDefinition, published_by: int | None) -> Published:
    digest = forms.content_hash(definition)
    existing = await _version_row(session, definition.id, definition.version)
    if existing is not None:
        return _same_or_conflict(existing, digest)
    latest = await _latest_row(session, definition.id)
    if latest is not None:
        problems = forms.check_compatible(load_stored(latest.definition), definition)
        if problems:
            raise errors.DomainError(errors.FORM_INCOMPATIBLE, errors=[msgspec.to_builtins(p) for p in problems])
    row = FormVersion(
        form_id=definition.id,
        version=definition.version,
        title_vi=definition.title["vi"],
        title_en=definition.title["en"],
        content_hash=digest,
        definition=msgspec.json.decode(forms.canonical_json(definition)),
        published_at=utcnow(),
        published_by=published_by,
    )
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        # Another publisher won the race for this (form_id, version).
        existing = await _version_row(session, definition.id, definition.version)
        if existing is None:
            raise
        return _same_or_conflict(existing, digest)
    return Published(row.form_id, row.version, digest, created=True)


def load_stored(definition: dict[str, Any]) -> forms.FormDefinition:
    return forms.load_definition(definition)


# Published versions never change, so each is parsed once per process, keyed by its content hash.
_PARSED: dict[tuple[str, str, str], tuple[forms.FormDefinition, bytes]] = {}
_PARSED_LIMIT = 512


def _parsed(row: FormVersion) -> tuple[forms.FormDefinition, bytes]:
    key = (row.form_id, row.version, row.content_hash)
    found = _PARSED.get(key)
    if found is None:
        definition = load_stored(row.definition)
        found = (definition, forms.canonical_json(definition))
        if len(_PARSED) >= _PARSED_LIMIT:
            _PARSED.clear()
        _PARSED[key] = found
    return found


def definition_of(row: FormVersion) -> forms.FormDefinition:
    return _parsed(row)[0]


def canonical_bytes(row: FormVersion) -> bytes:
    """The exact bytes whose SHA-256 is the ETag (JSONB reorders keys, so re-serialise canonically)."""
    return _parsed(row)[1]


async def get_latest(session: AsyncSession, form_id: str) -> FormVersion:
    row = await _latest_row(session, form_id)
    if row is None:
        raise errors.DomainError(errors.FORM_NOT_FOUND)
    return row


async def get_version(session: AsyncSession, form_id: str, version: str) -> FormVersion:
    row = await _version_row(session, form_id, version)
    if row is None:
        if await _latest_row(session, form_id) is None:
            raise errors.DomainError(errors.FORM_NOT_FOUND)
        raise errors.DomainError(errors.FORM_VERSION_NOT_FOUND)
    return row


async def list_latest(session: AsyncSession, cursor: str | None, limit: int | None) -> Page[FormSummary]:
    """Latest version of each form, ordered by form_id; the cursor is the last form_id seen."""
    size = clamp_limit(limit)
    after = decode_cursor(cursor, str)
    if after is not None and len(after) > 100:  # longer than any form id: not a cursor we issued
        raise errors.DomainError(errors.BAD_CURSOR)
    newest = select(col(FormVersion.form_id), func.max(col(FormVersion.id)).label("newest_id")).group_by(
        col(FormVersion.form_id)
    )
    if after is not None:
        newest = newest.where(col(FormVersion.form_id) > after)
    newest_ids = newest.subquery()
    statement = (
        select(FormVersion)
        .join(newest_ids, col(FormVersion.id) == newest_ids.c.newest_id)
        .order_by(col(FormVersion.form_id))
        .limit(size + 1)
    )
    rows = list((await session.execute(statement)).scalars())
    items = [
        FormSummary(
            id=r.form_id, version=r.version, title=forms.Label(vi=r.title_vi, en=r.title_en), hash=r.content_hash
        )
        for r in rows[:size]
    ]
    next_cursor = encode_cursor(rows[size - 1].form_id) if len(rows) > size else None
    return Page(items=items, next=next_cursor)


# (form_id, version) → compiled definition. Safe to keep for the life of the process: a published
# version never changes, so the hot path of visit submission needs no database round trip for it.
# Keyed by database too, so processes that talk to several databases (the tests) never mix them up.
_BY_VERSION: dict[tuple[str, str, str], forms.CompiledForm] = {}


def cached_version(database_key: str, form_id: str, version: str) -> forms.CompiledForm | None:
    """The compiled form if this process has already loaded it for that database (`str(engine.url)`)."""
    return _BY_VERSION.get((database_key, form_id, version))


async def compiled_version(session: AsyncSession, form_id: str, version: str) -> forms.CompiledForm | None:
    """The compiled form for validating answers, or None when that form version was never published."""
    key = (database_key(session), form_id, version)
    found = _BY_VERSION.get(key)
    if found is None:
        row = await _version_row(session, form_id, version)
        if row is None:
            return None
        assert row.id is not None
        # select_*_from_file choices and pulldata() read CSV media
        found, complete = await media.compile_with_media(session, row.id, definition_of(row))
        if not complete:
            return found  # not kept: the missing file may arrive at any time (media are immutable once there)
        if len(_BY_VERSION) >= _PARSED_LIMIT:
            _BY_VERSION.clear()
        _BY_VERSION[key] = found
    return found


def forget_compiled(form_id: str, version: str) -> None:
    for key in [key for key in _BY_VERSION if key[1:] == (form_id, version)]:
        _BY_VERSION.pop(key, None)
