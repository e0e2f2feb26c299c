"""The receipt phones get for a visit, and its status (complete, or awaiting photos).

The receipt of a first submission is built in memory; every later answer (a retry, a photo attached) is built
from the rows by the same function, so a phone retrying a visit gets byte-for-byte the body it got first,
plus whatever photos arrived since.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service.visits.evidence_rules import Flag
from service.visits.schemas import (
    AttachmentSlotOut,
    FlagOut,
    MissingAttachment,
    MissingPhotos,
    PhotoSlotOut,
    VisitReceipt,
)
from service.visits.stored import StoredVisit, stored_attachments, stored_flags, stored_slots

COMPLETE = "complete"
AWAITING_PHOTOS = "awaiting_photos"


def flag_out(flag: Flag) -> FlagOut:
    return FlagOut(code=flag.code, value=flag.value, unit=flag.unit, detail=flag.detail)


def missing_photos(rules: Mapping[str, forms.PhotoRule], counts: Mapping[str, int]) -> list[MissingPhotos]:
    return [
        MissingPhotos(question=name, min_count=rule.min_count, max_count=rule.max_count, received=counts.get(name, 0))
        for name, rule in rules.items()
        if counts.get(name, 0) < rule.min_count
    ]


def missing_attachments(
    kinds: Mapping[str, str], answers: Mapping[str, Any], held: Collection[str]
) -> list[MissingAttachment]:
    """The answered audio/video/file questions (question → kind) whose file is not among `held`."""
    return [
        MissingAttachment(question=name, kind=kind, filename=str(answers.get(name) or ""))
        for name, kind in kinds.items()
        if name not in held
    ]


def status_of(missing: list[MissingPhotos], missing_files: Collection[Any] = ()) -> str:
    return AWAITING_PHOTOS if missing or missing_files else COMPLETE


def receipt(
    *,
    visit_id: uuid.UUID,
    household_id: uuid.UUID,
    status: str,
    rules: Mapping[str, forms.PhotoRule],
    slots: Iterable[PhotoSlotOut],
    flags: Iterable[FlagOut],
    skill_level: int | None,
    received_at: datetime,
    attachment_kinds: Mapping[str, str] | None = None,
    answers: Mapping[str, Any] | None = None,
    attachments: Iterable[AttachmentSlotOut] = (),
) -> VisitReceipt:
    photos = sorted(slots, key=lambda slot: (slot.question, slot.index))
    files = sorted(attachments, key=lambda item: item.question)
    counts: dict[str, int] = {}
    for slot in photos:
        counts[slot.question] = counts.get(slot.question, 0) + 1
    return VisitReceipt(
        id=visit_id,
        household_id=household_id,
        # ignore: `status` is a str here (status_of, or the stored column); it only ever holds the Literal's two
        # values, and checking it per receipt would be work on the hot path for the type checker's sake.
        status=status,  # type: ignore[arg-type]
        missing_photos=missing_photos(rules, counts),
        photos=photos,
        flags=list(flags),
        skill_level=skill_level,
        received_at=received_at,
        attachments=files,
        missing_attachments=missing_attachments(
            attachment_kinds or {}, answers or {}, {item.question for item in files}
        ),
    )


async def awaited_photo_rules(
    session: AsyncSession, visit_id: uuid.UUID, answers: Mapping[str, Any], form: forms.CompiledForm, status: str
) -> dict[str, forms.PhotoRule]:
    """The photos a stored visit takes: the form's rules, with an OpenRosa visit's minimums raised to the photos
    its instance names while it waits for them (a split upload; service/openrosa/awaited.py)."""
    rules = forms.required_photos(form, answers)
    if status != AWAITING_PHOTOS or not rules:
        return rules
    # Imported here: the OpenRosa domain builds on this one (a module-level import would be circular).
    from service.openrosa.awaited import named_photo_rules

    return await named_photo_rules(session, visit_id, form, rules)


async def stored_receipt(session: AsyncSession, visit: StoredVisit, form: forms.CompiledForm) -> VisitReceipt:
    return receipt(
        visit_id=visit.id,
        household_id=visit.household_id,
        status=visit.status,
        rules=await awaited_photo_rules(session, visit.id, visit.answers, form, visit.status),
        slots=await stored_slots(session, visit.id),
        flags=await stored_flags(session, visit.id),
        skill_level=visit.skill_level,
        received_at=visit.received_at,
        attachment_kinds=forms.required_attachments(form, visit.answers),
        answers=visit.answers,
        attachments=await stored_attachments(session, visit.id),
    )
