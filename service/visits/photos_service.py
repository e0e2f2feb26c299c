"""Attaching photos to a stored visit: `PUT …/photos/{question}/{index}`, and photos re-sent with a retried visit.

A slot (question, index) holds one photo. The same bytes again are a retry (200, nothing written, no new
object); other bytes into a filled slot are refused (409 photo.slot_taken). Attachments to one visit are
serialised by locking the visit row, so its status (`awaiting_photos` → `complete`) is decided on every photo.
"""

from __future__ import annotations

import dataclasses
import hashlib
import uuid
from typing import Any

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.auth.actor import Actor
from service.db.engine import utcnow
from service.visits.attachments_service import current_status
from service.visits.intake import Intake
from service.visits.models import VISITS
from service.visits.multipart import PhotoPart
from service.visits.photo_objects import (
    prepare_photos,
    require_image_content_type,
    slot_name,
)
from service.visits.receipts import stored_receipt
from service.visits.row_inserts import flag_rows, insert_flags
from service.visits.schemas import VisitReceipt
from service.visits.stored import (
    StoredVisit,
    connection,
    form_of,
    load_visit,
    stored_slots,
)
from service.visits.visibility import require_visible


def photo_slots(
    form: forms.CompiledForm,
    rules: dict[str, forms.PhotoRule],
    parts: list[PhotoPart],
) -> tuple[list[tuple[str, int, bytes]], list[dict[str, Any]]]:
    """(question, index, bytes) for each photo part, and the problems; parts without `[i]` take the lowest free
    indexes in the order they came."""
    items: list[tuple[str, int, bytes]] = []
    problems: list[dict[str, Any]] = []
    taken: dict[str, set[int]] = {}
    for part in parts:
        rule = rules.get(part.question)
        if rule is None:
            known = part.question in form.questions and form.questions[part.question].kind == "photo"
            problems.append(
                errors.question_problem(
                    part.question,
                    "photo.not_relevant" if known else "photo.unknown_question",
                    "Câu hỏi ảnh này đang bị ẩn nên không nhận ảnh."
                    if known
                    else "Không có câu hỏi ảnh nào tên như vậy.",
                    "This photo question is hidden by its conditions."
                    if known
                    else "The form has no such photo question.",
                )
            )
            continue
        used = taken.setdefault(part.question, set())
        index = part.index if part.index is not None else min(set(range(len(used) + 1)) - used)
        if index >= rule.max_count or index in used:
            problems.append(
                errors.question_problem(
                    slot_name(part.question, index),
                    "photo.too_many",
                    f"Câu hỏi này nhận tối đa {rule.max_count} ảnh "
                    f"(vị trí 0–{rule.max_count - 1}, mỗi vị trí một ảnh).",
                    f"This question takes at most {rule.max_count} photos (slots 0–{rule.max_count - 1}, one each).",
                )
            )
            continue
        used.add(index)
        items.append((part.question, index, part.data))
    return items, problems


def _slot_taken(question: str, index: int) -> errors.DomainError:
    return errors.DomainError(
        errors.PHOTO_SLOT_TAKEN,
        f"Vị trí ảnh {slot_name(question, index)} đã có một ảnh khác.",
        f"The slot {slot_name(question, index)} already holds a different photo.",
    )


async def attach(
    session: AsyncSession,
    intake: Intake,
    visit: StoredVisit,
    form: forms.CompiledForm,
    items: list[tuple[str, int, bytes]],
) -> tuple[VisitReceipt, bool]:
    """(receipt, whether any photo was added). Objects are written before the rows, as everywhere."""
    stored = {(s.question, s.index): s.sha256 for s in await stored_slots(session, visit.id)}
    new: list[tuple[str, int, bytes]] = []
    for question, index, data in items:
        held = stored.get((question, index))
        if held is None:
            new.append((question, index, data))
        elif held != hashlib.sha256(data).hexdigest():
            raise _slot_taken(question, index)
    if not new:
        # Read again after the slots: `visit` may predate the commit that filled them (its status with them), and
        # a retry must get the body the first PUT got.
        current = await load_visit(session, visit.id)
        assert current is not None
        return await stored_receipt(session, current, form), False

    rules = forms.required_photos(form, visit.answers)
    await session.commit()  # end the read transaction before decoding and uploading
    prepared = await prepare_photos(intake.store, new, rules, intake.photo_pool)

    locked = await load_visit(session, visit.id, lock=True)
    assert locked is not None
    stored = {(s.question, s.index): s.sha256 for s in await stored_slots(session, visit.id)}
    fresh = []
    for item in prepared:  # the slots may have been filled while we were uploading
        held = stored.get((item.question, item.index))
        if held is None:
            fresh.append(item)
        elif held != item.processed.sha256:
            raise _slot_taken(item.question, item.index)
    if not fresh:
        return await stored_receipt(session, locked, form), False

    conn = await connection(session)
    flags = await intake.writer.write_photos(
        conn, visit.id, visit.household_id, locked.fix, locked.started_at, locked.finished_at, fresh, utcnow()
    )
    await insert_flags(conn, flag_rows(visit.id, flags))
    status = await current_status(session, locked, form)  # the photos just written, and any file still missing
    if status != locked.status:
        await conn.execute(update(VISITS).where(VISITS.c.id == visit.id).values(status=status))
    return await stored_receipt(session, dataclasses.replace(locked, status=status), form), True


async def put_photo(
    session: AsyncSession,
    actor: Actor,
    intake: Intake,
    visit_id: uuid.UUID,
    question: str,
    index: int,
    data: bytes,
    content_type: str,
) -> tuple[VisitReceipt, bool]:
    """A photo sent after its visit: only by whoever submitted the visit (or an admin)."""
    require_image_content_type(content_type)
    visit = require_visible(actor, await load_visit(session, visit_id), visit_id)
    if visit.submitted_by != actor.user_id and not actor.is_admin:
        raise errors.DomainError(
            errors.FORBIDDEN,
            "Chỉ người gửi phiếu mới thêm được ảnh.",
            "Only whoever submitted the visit may add its photos.",
        )
    form = await form_of(session, visit.form_id, visit.form_version)
    items, problems = photo_slots(form, forms.required_photos(form, visit.answers), [PhotoPart(question, index, data)])
    if problems:
        raise errors.DomainError(errors.VISIT_INVALID, errors=problems)
    return await attach(session, intake, visit, form, items)
