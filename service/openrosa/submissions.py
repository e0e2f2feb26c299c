"""POST /submission: an instance (and its files) → a visit, through the one write path every visit takes.

Exactly once, keyed by the instanceID (→ the visit id, service/openrosa/instance.py):
- new: stored → 201;
- the same XML again (a retry, or the next POST of a split upload): the files it brings fill empty photo slots → 201,
  also for concurrent duplicates (the write path's INSERT … ON CONFLICT DO NOTHING picks one writer);
- other XML under a stored instanceID → 409, and the refused copy is kept (openrosa_conflicts) for a supervisor.

Never strand a finalized form: answers that break the form's rules are stored, answered 201 and flagged
`form.answers_invalid` with the problems (kept in openrosa_submissions.problems). Only protocol faults are refused.
"""

from __future__ import annotations

import hashlib
import logging
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import anyio.to_thread
from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.auth.actor import Actor, Role
from service.db.engine import utcnow
from service.db.tables import table_of
from service.households.schemas import HouseholdCreate
from service.http.deps import request_transaction
from service.openrosa.instance import Instance, parse_instance, visit_id_for
from service.openrosa.mapping import Mapped, map_instance, new_household_id
from service.openrosa.models import OpenRosaConflict
from service.openrosa.multipart import Submission, file_for
from service.openrosa.prepare import (
    SUBMISSIONS,
    Client,
    household_choice,
    prepare,
    record,
)
from service.openrosa.xforms import xform_of
from service.registry import services as registry
from service.visits import attachments_service, photos_service
from service.visits.attachments import SlotAttachment, prepare_attachments
from service.visits.batch import VisitBatcher
from service.visits.households import Destination, existing_household, new_household
from service.visits.intake import Intake
from service.visits.models import VISITS
from service.visits.multipart import PhotoPart
from service.visits.photo_objects import SlotPhoto, prepare_photos
from service.visits.schemas import VisitReceipt
from service.visits.stored import StoredVisit, connection, load_visit
from service.visits.write_path import CheckedVisit

log = logging.getLogger("gocua.openrosa")
CONFLICTS = table_of(OpenRosaConflict)
# Parsing a big instance is CPU work: past this size it runs in a thread.
PARSE_IN_THREAD_BYTES = 64_000


@dataclass(frozen=True, slots=True)
class Outcome:
    receipt: VisitReceipt
    created: bool
    problems: int

    def message(self) -> str:
        waiting = sum(max(0, m.min_count - m.received) for m in self.receipt.missing_photos)
        text = "Đã nhận phiếu" if self.created else "Phiếu đã có trên máy chủ"
        if waiting:
            text += f", còn chờ {waiting} ảnh"
        if self.receipt.missing_attachments:
            text += f", còn chờ {len(self.receipt.missing_attachments)} tệp"
        if self.problems:
            text += f" ({self.problems} câu trả lời cần giám sát viên xem lại)"
        return text + "."


async def receive(
    client: Client,
    body: Submission,
    intake: Intake,
) -> Outcome:
    client.actor.require_role(Role.MEMBER, Role.LEADER)
    if len(body.xml) > PARSE_IN_THREAD_BYTES:
        instance = await anyio.to_thread.run_sync(parse_instance, body.xml)
    else:
        instance = parse_instance(body.xml)
    digest = hashlib.sha256(body.xml).hexdigest()
    visit_id = visit_id_for(instance.form_id, instance.instance_id)
    definition, form = await _published_form(intake.sessions, intake.batcher.database_key, instance)
    mapped = map_instance(definition, instance)
    if not mapped.files and not _file_parts(form, mapped, body) and not instance.deprecated_id:
        batched = await _batched(client, body, instance, digest, visit_id, form, mapped, intake.batcher)
        if batched is not None:
            return batched
    async with request_transaction(intake.sessions) as session:
        existing = await load_visit(session, visit_id)
        if existing is None:
            outcome = await _new(session, client, body, instance, digest, visit_id, form, mapped, intake)
            if outcome is not None:
                return outcome
            existing = await load_visit(session, visit_id)  # a concurrent identical POST won the insert
            assert existing is not None
        if _same(existing, instance, digest, client.actor):
            return await _again(session, existing, body, form, mapped, intake)
    async with request_transaction(intake.sessions) as session:
        await _keep_conflict(session, client, instance, digest, body.xml, existing.id)
    raise errors.DomainError(errors.OPENROSA_INSTANCE_CONFLICT)


async def _batched(
    client: Client,
    body: Submission,
    instance: Instance,
    digest: str,
    visit_id: uuid.UUID,
    form: forms.CompiledForm,
    mapped: Mapped,
    batcher: VisitBatcher,
) -> Outcome | None:
    """The common case, a visit without photos to a known household, written with the JSON visits waiting at the
    same moment (group commit, no request session). None hands it to the single-visit path: a new household, an
    id already stored (a retry), a household the batcher cannot place."""
    household_id = household_choice(mapped)
    if household_id is None:
        return None
    prepared = prepare(client, instance, visit_id, household_id, None, form, mapped)
    pending = CheckedVisit(
        client.actor,
        prepared.submission,
        digest,
        prepared.rules,
        prepared.evaluation.level,
        prepared.fix,
        form.geopoint_threshold,
        extra_flags=prepared.flags(),
        companions=[record(client, body, instance, digest, visit_id, mapped, prepared.problems)],
        attachment_kinds=prepared.evaluation.attachment_kinds,
    )
    written = await batcher.submit(pending)
    if not isinstance(written, VisitReceipt):
        return None
    return Outcome(written, True, len(prepared.problems))


def _same(existing: StoredVisit, instance: Instance, digest: str, actor: Actor) -> bool:
    return (
        existing.form_id == instance.form_id
        and existing.payload_hash == digest
        and existing.submitted_by == actor.user_id
    )


# (database, form id, version) → the published form, once it is known to have an XForm: published versions never
# change, so the hot path asks the database nothing about the form after the first submission.
_FORMS: dict[tuple[str, str, str], tuple[forms.FormDefinition, forms.CompiledForm]] = {}
_FORMS_LIMIT = 512


async def _published_form(
    sessions: Callable[[], AsyncSession], database_key: str, instance: Instance
) -> tuple[forms.FormDefinition, forms.CompiledForm]:
    key = (database_key, instance.form_id, instance.version)
    found = _FORMS.get(key)
    if found is not None:
        return found
    async with request_transaction(sessions) as session:
        try:
            row = await registry.get_version(session, instance.form_id, instance.version)
        except errors.DomainError:
            raise errors.DomainError(
                errors.OPENROSA_FORM_UNKNOWN,
                f"Máy chủ không có biểu mẫu “{instance.form_id}” phiên bản “{instance.version}”. "
                "Hãy tải lại biểu mẫu trống.",
                f"No form {instance.form_id!r} version {instance.version!r}.",
            ) from None
        if (await xform_of(session, row)).xform is None:
            raise errors.DomainError(errors.OPENROSA_FORM_CLOSED)
        definition = registry.definition_of(row)
    found = (definition, forms.compile_form(definition))
    if len(_FORMS) >= _FORMS_LIMIT:
        _FORMS.clear()
    _FORMS[key] = found
    return found


def _photo_parts(mapped: Mapped, body: Submission) -> list[PhotoPart]:
    parts = []
    for (question, index), filename in mapped.files.items():
        part = file_for(body.files, filename)
        if part is not None:
            parts.append(PhotoPart(question, index, part.data))
    unreferenced = len(body.files) - len(parts)
    if unreferenced > 0:  # Collect sends the instance folder whole
        log.debug("%d file part(s) not referenced by the instance were ignored", unreferenced)
    return parts


def _file_parts(form: forms.CompiledForm, mapped: Mapped, body: Submission) -> list[PhotoPart]:
    """The files of audio, video and file questions: each answer names its file part."""
    parts = []
    for question in form.attachment_kinds:
        name = mapped.answers.get(question)
        part = file_for(body.files, name) if isinstance(name, str) and name else None
        if part is not None:
            parts.append(PhotoPart(question, None, part.data, part.content_type, part.filename))
    return parts


async def _correction(session: AsyncSession, actor: Actor, instance: Instance) -> uuid.UUID | None:
    """The visit an edit (meta/deprecatedID) corrects: it must exist, be visible, and not be corrected already."""
    if not instance.deprecated_id:
        return None
    earlier_id = visit_id_for(instance.form_id, instance.deprecated_id)
    earlier = await load_visit(session, earlier_id)
    if earlier is None or not actor.sees_path(earlier.area_path):
        raise errors.DomainError(errors.OPENROSA_DEPRECATED_UNKNOWN)
    corrected = await (await connection(session)).execute(select(VISITS.c.id).where(VISITS.c.corrects == earlier_id))
    if corrected.first() is not None:
        raise errors.DomainError(errors.OPENROSA_ALREADY_CORRECTED)
    return earlier_id


async def _destination(session: AsyncSession, actor: Actor, household_id: uuid.UUID) -> Destination:
    try:
        return await existing_household(session, actor, household_id)
    except errors.DomainError as exc:
        if exc.kind.status != 404:
            raise
        raise errors.DomainError(
            errors.OPENROSA_HOUSEHOLD_MISSING,
            "Hộ được chọn không thuộc địa bàn của bạn hoặc đã bị xóa. Hãy cập nhật biểu mẫu rồi chọn lại hộ.",
            f"No household {household_id} in the member's area.",
        ) from None


async def _new(
    session: AsyncSession,
    client: Client,
    body: Submission,
    instance: Instance,
    digest: str,
    visit_id: uuid.UUID,
    form: forms.CompiledForm,
    mapped: Mapped,
    intake: Intake,
) -> Outcome | None:
    """Writes a new visit alone (photos, a new household, an edit); None when a concurrent identical POST inserted
    it first."""
    actor = client.actor
    household_id = household_choice(mapped)
    corrects = await _correction(session, actor, instance)
    prepared = prepare(client, instance, visit_id, household_id, corrects, form, mapped)
    problems = prepared.problems
    kinds = prepared.evaluation.attachment_kinds
    files, _, _ = attachments_service.attachment_items(
        form, kinds, prepared.submission.answers, _file_parts(form, mapped, body)
    )
    items, photo_problems = photos_service.photo_slots(
        form, prepared.evaluation.photo_rules, _photo_parts(mapped, body)
    )
    problems.extend(photo_problems)
    destination = await _destination(session, actor, household_id) if household_id is not None else None
    slot_photos: list[SlotPhoto] = []
    slot_files: list[SlotAttachment] = []
    if items or files:
        await session.commit()  # decoding and uploading take a while: end the read transaction first
        if files:  # checked (size, type) before any photo is decoded
            slot_files = await prepare_attachments(intake.store, intake.settings, files)
        if items:
            slot_photos = await prepare_photos(intake.store, items, prepared.evaluation.photo_rules, intake.photo_pool)
    if destination is None:
        destination = await new_household(
            session,
            actor,
            HouseholdCreate(
                id=new_household_id(instance.form_id, instance.instance_id),
                head_name=mapped.new_head_name,
                address=mapped.new_address,
            ),
        )
    item = CheckedVisit(
        actor=actor,
        submission=prepared.submission,
        digest=digest,
        rules=prepared.rules,
        skill_level=prepared.evaluation.level,
        fix=prepared.fix,
        accuracy_threshold_m=form.geopoint_threshold,
        destination=destination,
        photos=slot_photos,
        attachment_kinds=kinds,
        attachments=slot_files,
        extra_flags=prepared.flags(),
        companions=[record(client, body, instance, digest, visit_id, mapped, problems)],
    )
    (written,) = await intake.writer.write(await connection(session), [item])
    if written is None:
        return None
    return Outcome(written.receipt(), True, len(problems))


async def _again(
    session: AsyncSession,
    existing: StoredVisit,
    body: Submission,
    form: forms.CompiledForm,
    mapped: Mapped,
    intake: Intake,
) -> Outcome:
    """The same XML again: files it brings fill the slots still empty (a split upload's next POST)."""
    kinds = forms.required_attachments(form, existing.answers)
    files, _, _ = attachments_service.attachment_items(form, kinds, existing.answers, _file_parts(form, mapped, body))
    if files and await attachments_service.attach_files(session, intake, existing, form, files):
        existing = await load_visit(session, existing.id) or existing  # its status may have changed
    rules = forms.required_photos(form, existing.answers)
    items, _ = photos_service.photo_slots(form, rules, _photo_parts(mapped, body))
    receipt, _ = await photos_service.attach(session, intake, existing, form, items)
    problems = (
        await (await connection(session)).execute(
            select(SUBMISSIONS.c.problems).where(SUBMISSIONS.c.visit_id == existing.id)
        )
    ).scalar()
    return Outcome(receipt, False, len(problems or []))


async def _keep_conflict(
    session: AsyncSession, client: Client, instance: Instance, digest: str, xml: bytes, visit_id: uuid.UUID
) -> None:
    """Keeps the refused copy once (a client retrying it sends the same bytes again)."""
    kept = await (await connection(session)).execute(
        select(CONFLICTS.c.id).where(CONFLICTS.c.visit_id == visit_id, CONFLICTS.c.xml_sha256 == digest)
    )
    if kept.first() is not None:
        return
    await (await connection(session)).execute(
        insert(CONFLICTS).values(
            visit_id=visit_id,
            form_id=instance.form_id[:100],
            instance_id=instance.instance_id,
            xml_sha256=digest,
            xml=xml,
            submitted_by=client.actor.user_id,
            device_id=(client.device_id or "")[:100] or None,
            received_at=utcnow(),
        )
    )
