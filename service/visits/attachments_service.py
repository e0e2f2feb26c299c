"""Binding file parts to audio, video and file questions, and adding files to a stored visit.

A question takes one file, whose name is the question's answer. The same bytes again are a retry (nothing written);
other bytes for a question that has its file are refused (409 attachment.taken). Files added to a stored visit lock
the visit row, as photos do, so its status (`awaiting_photos` → `complete`) is decided with every file.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Mapping
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.auth.actor import Actor
from service.db.engine import utcnow
from service.visits.attachments import AttachmentItem, prepare_attachments, sha256_hex
from service.visits.intake import Intake
from service.visits.models import ATTACHMENTS, PHOTOS, VISITS
from service.visits.multipart import PhotoPart
from service.visits.receipts import (
    awaited_photo_rules,
    missing_attachments,
    missing_photos,
    status_of,
    stored_receipt,
)
from service.visits.schemas import VisitReceipt
from service.visits.stored import StoredVisit, connection, form_of, load_visit
from service.visits.visibility import require_visible


def attachment_items(
    form: forms.CompiledForm,
    kinds: Mapping[str, str],
    answers: Mapping[str, Any],
    parts: list[PhotoPart],
) -> tuple[list[AttachmentItem], list[dict[str, Any]], list[PhotoPart]]:
    """(files for audio/video/file questions, their problems, the other parts: photos). `kinds`: the questions shown
    and answered with a file name (the only ones that take a file)."""
    items: list[AttachmentItem] = []
    problems: list[dict[str, Any]] = []
    photos: list[PhotoPart] = []
    seen: set[str] = set()
    for part in parts:
        kind = form.attachment_kinds.get(part.question)
        if kind is None:
            photos.append(part)
            continue
        if part.question not in kinds:
            problems.append(
                errors.question_problem(
                    part.question,
                    "attachment.not_answered",
                    "Câu hỏi này chưa được trả lời bằng tên tệp (hoặc đang bị ẩn) nên không nhận tệp.",
                    "This question is not answered with a file name (or is hidden), so it takes no file.",
                )
            )
            continue
        if part.index not in (None, 0) or part.question in seen:
            problems.append(
                errors.question_problem(
                    part.question,
                    "attachment.too_many",
                    "Câu hỏi này chỉ nhận một tệp.",
                    "This question takes one file.",
                )
            )
            continue
        seen.add(part.question)
        items.append(AttachmentItem(part.question, kind, str(answers[part.question]), part.data, part.content_type))
    return items, problems, photos


def _taken(question: str) -> errors.DomainError:
    return errors.DomainError(
        errors.ATTACHMENT_TAKEN,
        f"Câu hỏi {question} đã có một tệp khác.",
        f"The question {question} already holds a different file.",
    )


async def _held(session: AsyncSession, visit_id: uuid.UUID) -> dict[str, str]:
    query = select(ATTACHMENTS.c.question, ATTACHMENTS.c.sha256).where(ATTACHMENTS.c.visit_id == visit_id)
    return {row.question: row.sha256 for row in (await (await connection(session)).execute(query)).all()}


async def current_status(session: AsyncSession, visit: StoredVisit, form: forms.CompiledForm) -> str:
    """complete, or awaiting_photos while a photo the form needs or an answered question's file is missing."""
    conn = await connection(session)
    counts: dict[str, int] = {}
    for (question,) in (await conn.execute(select(PHOTOS.c.question).where(PHOTOS.c.visit_id == visit.id))).all():
        counts[question] = counts.get(question, 0) + 1
    held = await _held(session, visit.id)
    rules = await awaited_photo_rules(session, visit.id, visit.answers, form, visit.status)
    return status_of(
        missing_photos(rules, counts),
        missing_attachments(forms.required_attachments(form, visit.answers), visit.answers, held),
    )


async def attach_files(
    session: AsyncSession,
    intake: Intake,
    visit: StoredVisit,
    form: forms.CompiledForm,
    items: list[AttachmentItem],
) -> bool:
    """Adds the files a stored visit does not hold yet; whether any was added. Objects before rows, as everywhere."""
    held = await _held(session, visit.id)
    new = []
    for item in items:
        digest = held.get(item.question)
        if digest is None:
            new.append(item)
        elif digest != await asyncio.to_thread(sha256_hex, item.data):  # a replay: off the event loop
            raise _taken(item.question)
    if not new:
        return False
    await session.commit()  # end the read transaction before uploading
    prepared = await prepare_attachments(intake.store, intake.settings, new)
    locked = await load_visit(session, visit.id, lock=True)
    assert locked is not None
    held = await _held(session, visit.id)
    fresh = []
    for slot in prepared:  # another request may have brought them meanwhile
        digest = held.get(slot.question)
        if digest is None:
            fresh.append(slot)
        elif digest != slot.sha256:
            raise _taken(slot.question)
    if not fresh:
        return False
    conn = await connection(session)
    await intake.writer.write_attachments(conn, visit.id, fresh, utcnow())
    status = await current_status(session, locked, form)
    if status != locked.status:
        await conn.execute(update(VISITS).where(VISITS.c.id == visit.id).values(status=status))
    return True


async def put_attachment(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    visit_id: uuid.UUID,
    question: str,
    data: bytes,
    content_type: str,
) -> tuple[VisitReceipt, bool]:
    """A file sent after its visit (`PUT …/attachments/{question}`): only by whoever submitted it (or an admin)."""
    visit = require_visible(actor, await load_visit(session, visit_id), visit_id)
    if visit.submitted_by != actor.user_id and not actor.is_admin:
        raise errors.DomainError(
            errors.FORBIDDEN,
            "Chỉ người gửi phiếu mới thêm được tệp.",
            "Only whoever submitted the visit may add its files.",
        )
    form = await form_of(session, visit.form_id, visit.form_version)
    kinds = forms.required_attachments(form, visit.answers)
    items, problems, others = attachment_items(
        form, kinds, visit.answers, [PhotoPart(question, None, data, content_type)]
    )
    if others:
        problems.append(
            errors.question_problem(
                question,
                "attachment.unknown_question",
                "Không có câu hỏi ghi âm, video hay tệp nào tên như vậy.",
                "The form has no audio, video or file question of that name.",
            )
        )
    if problems:
        raise errors.DomainError(errors.VISIT_INVALID, errors=problems)
    added = await attach_files(session, intake, visit, form, items)
    current = await load_visit(session, visit.id)
    assert current is not None
    return await stored_receipt(session, current, form), added
