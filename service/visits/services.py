"""Submitting a visit: from the phone's JSON (and photo parts) to rows, objects and flags.

Idempotency: the visit's id is the phone's UUID and its content identity is the SHA-256 of a canonical
encoding of the visit JSON (photos excluded). The row is written with INSERT … ON CONFLICT DO NOTHING, so
concurrent duplicates create one visit; every duplicate then answers from the stored row. A retry is answered
from what was stored even when today's checks would refuse it (household merged or moved since, …).

Writing goes through `write_path.VisitWriter` (a batch of one here, many in `batch.py`). Queries for a JSON
visit, besides authentication: household (1), previous visit of the member (1), insert (1), flags (1, only
when there are any); a household's first good GPS fix adds 3 and `new_household` adds its own.
"""

from __future__ import annotations

import dataclasses
import hashlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import msgspec
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.auth.actor import Actor, Role
from service.db.tables import table_of
from service.http.deps import request_transaction
from service.people.models import User
from service.registry.services import cached_version
from service.visits import attachments_service, evidence_rules, photos_service
from service.visits.answers import Evaluation, evaluate
from service.visits.attachments import AttachmentItem, prepare_attachments
from service.visits.batch import VisitBatcher
from service.visits.households import existing_household, new_household
from service.visits.intake import Intake
from service.visits.multipart import PhotoPart
from service.visits.photo_objects import prepare_photos
from service.visits.schemas import VisitReceipt, VisitSubmission
from service.visits.stored import StoredVisit, connection, form_of, load_visit
from service.visits.write_path import CheckedVisit

_decoder = msgspec.json.Decoder(VisitSubmission)
EARLIEST = datetime(2000, 1, 1, tzinfo=UTC)
LATEST = datetime(2100, 1, 1, tzinfo=UTC)
USERS = table_of(User)
# A phone may correct its clock (network time) during a visit: a finish this much before the start is still one.
CLOCK_SLACK = timedelta(minutes=5)
# Codes under which a retry of an already stored visit is still answered from storage.
_RETRY_SAFE_STATUSES = frozenset({403, 404, 409, 422})
_NOT_RETRY_SAFE = frozenset({errors.VISIT_CONFLICT.code, errors.PHOTO_SLOT_TAKEN.code})


def decode_submission(raw: bytes) -> tuple[VisitSubmission, str]:
    """The submission and its content identity."""
    try:
        submission = _decoder.decode(raw)
    except msgspec.ValidationError as exc:
        raise errors.DomainError(errors.VISIT_MALFORMED, f"Phiếu có trường sai kiểu: {exc}", str(exc)) from None
    except msgspec.DecodeError as exc:
        raise errors.DomainError(
            errors.VISIT_MALFORMED, "Dữ liệu phiếu không phải JSON hợp lệ.", f"The visit is not valid JSON: {exc}"
        ) from None
    if b"\\u0000" in raw and _has_nul(submission):  # PostgreSQL text and JSONB cannot hold NUL
        raise errors.DomainError(
            errors.VISIT_MALFORMED,
            "Văn bản không được chứa ký tự NUL.",
            "Text must not contain NUL characters (\\u0000).",
        )
    digest = hashlib.sha256(msgspec.json.encode(submission, order="sorted")).hexdigest()
    return submission, digest


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    if isinstance(value, list):
        return any(_has_nul(item) for item in value)
    if isinstance(value, msgspec.Struct):
        return any(_has_nul(getattr(value, name)) for name in value.__struct_fields__)
    return False


def _time_problems(submission: VisitSubmission) -> list[dict[str, Any]]:
    """Device clocks can be wrong, but not by centuries: such a time is a broken client, not a visit."""
    times = submission.device_times()
    problems = [
        errors.question_problem(
            name,
            "visit.bad_time",
            "Thời điểm này không hợp lý (ngoài khoảng 2000–2100).",
            "This time is implausible (outside 2000–2100).",
        )
        for name, moment in times.items()
        if moment is not None and not EARLIEST <= moment < LATEST
    ]
    started, finished = submission.started_at, submission.finished_at
    if started is not None and finished is not None and started - finished > CLOCK_SLACK:
        problems.append(
            errors.question_problem(
                "finished_at",
                "visit.finished_before_started",
                "Thời điểm kết thúc sớm hơn thời điểm bắt đầu.",
                "finished_at is earlier than started_at.",
            )
        )
    return problems


async def receive(
    actor: Actor,
    raw: bytes,
    photo_parts: list[PhotoPart] | None,
    intake: Intake,
) -> tuple[VisitReceipt, bool]:
    """`POST /api/v1/visits`: a JSON visit goes to the group-commit batcher when it can take it (no request
    session: injecting one cost ~11 % of the server's CPU under a JSON load); anything else, and whatever the
    batcher hands back, to `submit` in a request transaction. The body is decoded and checked once: what the
    batcher's path found is what `submit` goes on with (a retry of a stored visit comes back from the batcher)."""
    actor.require_role(Role.MEMBER, Role.LEADER)
    submission, digest = decode_submission(raw)
    check = None
    if photo_parts is None:
        batched, check = await submit_batched(actor, submission, digest, intake.batcher)
        if batched is not None:
            return batched, True
    async with request_transaction(intake.sessions) as session:
        return await submit(session, actor, intake, submission, digest, photo_parts, check)


async def submit_batched(
    actor: Actor,
    submission: VisitSubmission,
    digest: str,
    batcher: VisitBatcher,
) -> tuple[VisitReceipt | None, Check | None]:
    """The common case without a request session: a valid JSON visit to a known household, written by the
    batcher. A None receipt hands the visit to `submit`, which knows every rule, error and retry answer, with
    the check made here (None if none was)."""
    if (
        submission.household_id is None
        or submission.new_household is not None
        or submission.on_behalf_of not in (None, actor.user_id)
    ):
        return None, None
    form = cached_version(batcher.database_key, submission.form_id, submission.form_version)
    if form is None:
        return None, None
    check = _check(form, submission, [])
    if check.problems:
        return None, check
    evaluation = check.evaluation
    pending = CheckedVisit(
        actor,
        submission,
        digest,
        evaluation.photo_rules,
        evaluation.level,
        _fix(form, submission),
        form.geopoint_threshold,
        attachment_kinds=evaluation.attachment_kinds,
    )
    written = await batcher.submit(pending)
    return (written if isinstance(written, VisitReceipt) else None), check


async def submit(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    submission: VisitSubmission,
    digest: str,
    photo_parts: list[PhotoPart] | None = None,
    check: Check | None = None,
) -> tuple[VisitReceipt, bool]:
    """(receipt, created). 201 when created, 200 for a retry of a stored visit. `check`: what `_check` already
    found for this submission without photo parts (the batcher's path), not worked out again."""
    actor.require_role(Role.MEMBER, Role.LEADER)
    parts = photo_parts or []
    if parts:
        # Before any photo work: a phone re-sending a stored visit with its photos costs one lookup, not decodes.
        existing = await load_visit(session, submission.id)
        if existing is not None:
            return await _answer_stored(session, actor, intake, existing, digest, parts), False
    try:
        return await _submit_new(session, actor, intake, submission, digest, parts, check)
    except errors.DomainError as exc:
        if exc.kind.status not in _RETRY_SAFE_STATUSES or exc.kind.code in _NOT_RETRY_SAFE:
            raise
        await session.rollback()
        existing = await load_visit(session, submission.id)
        if existing is None:
            raise
        return await _answer_stored(session, actor, intake, existing, digest, parts), False


async def _answer_stored(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    existing: StoredVisit,
    digest: str,
    parts: list[PhotoPart],
) -> VisitReceipt:
    if existing.submitted_by != actor.user_id or existing.payload_hash != digest:
        raise errors.DomainError(errors.VISIT_CONFLICT)
    form = await form_of(session, existing.form_id, existing.form_version)
    kinds = forms.required_attachments(form, existing.answers)
    files, problems, parts = attachments_service.attachment_items(form, kinds, existing.answers, parts)
    rules = forms.required_photos(form, existing.answers)
    items, photo_problems = photos_service.photo_slots(form, rules, parts)
    problems.extend(photo_problems)
    if problems:
        raise errors.DomainError(errors.VISIT_INVALID, errors=problems)
    if files and await attachments_service.attach_files(session, intake, existing, form, files):
        existing = await load_visit(session, existing.id) or existing  # its status may have changed
    receipt_, _ = await photos_service.attach(session, intake, existing, form, items)
    return receipt_


async def _submit_new(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    submission: VisitSubmission,
    digest: str,
    parts: list[PhotoPart],
    check: Check | None,
) -> tuple[VisitReceipt, bool]:
    checked, photos, files = await _plan(session, actor, submission, digest, parts, check)
    if photos or files:
        # Decoding and uploading take a while: end the read transaction first (on SQLite it holds the write lock).
        await session.commit()
        # Files are checked (size, type) before any photo is decoded or anything uploaded.
        slot_files = await prepare_attachments(intake.store, intake.settings, files) if files else []
        slot_photos = await prepare_photos(intake.store, photos, checked.rules, intake.photo_pool) if photos else []
        checked = dataclasses.replace(checked, photos=slot_photos, attachments=slot_files)
    if submission.new_household is not None:
        destination = await new_household(session, actor, submission.new_household)
        checked = dataclasses.replace(checked, destination=destination)
    return await _write(session, actor, intake, checked)


@dataclass(frozen=True, slots=True)
class Check:
    """Everything about a submission that needs no database."""

    form: forms.CompiledForm
    evaluation: Evaluation
    photos: list[tuple[str, int, bytes]]  # (question, index, bytes) per photo part
    problems: list[dict[str, Any]]
    files: list[AttachmentItem]  # per part of an audio, video or file question


def _check(form: forms.CompiledForm, submission: VisitSubmission, parts: list[PhotoPart]) -> Check:
    """Evaluates the answers once: calculated values are written into the submission, to be stored with it."""
    evaluation = evaluate(form, submission.answers)
    if evaluation.answers is not submission.answers:
        submission.answers = dict(evaluation.answers)  # calculated values are stored with the visit
    problems: list[dict[str, Any]] = [msgspec.to_builtins(e) for e in evaluation.errors]
    problems.extend(_time_problems(submission))
    if (submission.household_id is None) == (submission.new_household is None):
        problems.append(
            errors.question_problem(
                "household_id",
                "visit.household_required",
                "Cần đúng một trong hai: household_id hoặc new_household.",
                "Give exactly one of household_id and new_household.",
            )
        )
    files, file_problems, parts = attachments_service.attachment_items(
        form, evaluation.attachment_kinds, submission.answers, parts
    )
    problems.extend(file_problems)
    items, photo_problems = photos_service.photo_slots(form, evaluation.photo_rules, parts)
    problems.extend(photo_problems)
    return Check(form, evaluation, items, problems, files)


async def _plan(
    session: AsyncSession,
    actor: Actor,
    submission: VisitSubmission,
    digest: str,
    parts: list[PhotoPart],
    check: Check | None,
) -> tuple[CheckedVisit, list[tuple[str, int, bytes]], list[AttachmentItem]]:
    """The checked visit (its household resolved unless it brings a new one), its photo parts by slot, its files."""
    form = await form_of(session, submission.form_id, submission.form_version)
    if check is None or check.form is not form or parts:
        check = _check(form, submission, parts)
    evaluation, items, problems = check.evaluation, check.photos, list(check.problems)
    on_behalf_of = await _on_behalf_of(session, actor, submission.on_behalf_of, problems)
    if problems:
        raise errors.DomainError(errors.VISIT_INVALID, errors=problems)
    destination = None
    if submission.household_id is not None:
        destination = await existing_household(session, actor, submission.household_id)
    checked = CheckedVisit(
        actor=actor,
        submission=submission,
        digest=digest,
        rules=evaluation.photo_rules,
        skill_level=evaluation.level,
        fix=_fix(form, submission),
        accuracy_threshold_m=form.geopoint_threshold,
        destination=destination,
        on_behalf_of=on_behalf_of,
        attachment_kinds=evaluation.attachment_kinds,
    )
    return checked, items, check.files


async def _on_behalf_of(
    session: AsyncSession, actor: Actor, user_id: int | None, problems: list[dict[str, Any]]
) -> int | None:
    if user_id is None or user_id == actor.user_id:
        return None
    if actor.role != Role.LEADER:
        raise errors.DomainError(errors.VISIT_ON_BEHALF_FORBIDDEN)
    connection_ = await connection(session)
    row = (
        await connection_.execute(select(USERS.c.team_id, USERS.c.role, USERS.c.active).where(USERS.c.id == user_id))
    ).first()
    if row is None or not row.active or row.team_id != actor.team_id or row.role not in (Role.MEMBER, Role.LEADER):
        problems.append(
            errors.question_problem(
                "on_behalf_of",
                "visit.not_team_member",
                "Người này không thuộc tổ của bạn.",
                "This person is not a member of your team.",
            )
        )
        return None
    return user_id


def _fix(form: forms.CompiledForm, submission: VisitSubmission) -> evidence_rules.Fix | None:
    """The visit's GPS fix: the phone's location, else the form's (first answered) geopoint question."""
    location = submission.location
    if location is not None:
        return evidence_rules.Fix(location.lat, location.lon, location.accuracy_m, location.is_mock)
    for name, item in form.questions.items():
        value = submission.answers.get(name) if item.kind == "geopoint" else None
        if isinstance(value, dict) and "lat" in value and "lon" in value:
            return evidence_rules.Fix(value["lat"], value["lon"], value.get("accuracy_m"))
    return None


async def _write(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    checked: CheckedVisit,
) -> tuple[VisitReceipt, bool]:
    """The visit as a batch of one, through the write path every visit takes."""
    (written,) = await intake.writer.write(await connection(session), [checked])
    if written is None:  # a concurrent duplicate won: answer as its retry
        existing = await load_visit(session, checked.submission.id)
        assert existing is not None
        parts = [PhotoPart(p.question, p.index, p.processed.original) for p in checked.photos]
        if checked.attachments:  # the same bytes again: the stored visit's files are compared by digest
            parts.extend(await _file_parts(intake, checked))
        return await _answer_stored(session, actor, intake, existing, checked.digest, parts), False
    return written.receipt(), True


async def _file_parts(intake: Intake, checked: CheckedVisit) -> list[PhotoPart]:
    """The files a visit that lost the race to a concurrent duplicate brought, read back to answer as its retry."""
    return [
        PhotoPart(item.question, None, await intake.store.get(item.key), item.content_type)
        for item in checked.attachments
    ]
