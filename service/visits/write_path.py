"""Writing visits: the one path every new visit takes, alone or in a batch, JSON or multipart.

`VisitWriter.write(connection, visits)` takes visits whose household is already known and writes them in the
caller's transaction, with the result they would have had written one at a time in the order given:

0. the visits' households are locked, in id order (docs/reliability.md: lock order): any may take its first fix
   here, and every one takes a new change number (its visit state changed, service/households/visit_state.py);
1. the members' previous GPS fixes are read (one query for all, before anything is inserted);
2. the `visits` rows are inserted (one INSERT … ON CONFLICT DO NOTHING; an id already stored is left alone);
3. in arrival order, each new visit gets its flags — against the previous fix (stored, or a visit earlier in
   this call), against its household's location (which an earlier visit in this call may just have set) —
   its photo rows, and may give its household a location (its first good fix);
4. the flags rows are inserted (one INSERT);
5. the `after_write` hooks run over the written visits, on the same connection, in the same transaction.

The single-visit path (`services.submit`) calls it with one visit, the group-commit batcher (`batch.py`) with
the visits waiting together; so there is one row builder, one insert, one predecessor rule, one first-fix rule.
The inserts are in `row_inserts.py`, the predecessor and first-fix rules in `predecessors.py`.
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Table
from sqlalchemy.ext.asyncio import AsyncConnection

import forms
from service.assessments.services import after_visits_written
from service.auth.actor import Actor
from service.db.engine import utcnow
from service.households import visit_state
from service.households.visit_state import lock_households
from service.settings import Settings
from service.visits.attachments import SlotAttachment, attachment_row
from service.visits.evidence_rules import Fix, Flag, PreviousVisit, future_time_flag, gps_flags
from service.visits.households import Destination
from service.visits.photo_evidence import photo_evidence
from service.visits.photo_objects import SlotPhoto
from service.visits.predecessors import latest_before, locate_household_by_first_fix, stored_predecessors
from service.visits.receipts import flag_out, missing_photos, receipt, status_of
from service.visits.row_inserts import (
    INSERT_ATTACHMENTS,
    INSERT_PHOTOS,
    flag_rows,
    insert_companions,
    insert_flags,
    insert_visits,
)
from service.visits.schemas import AttachmentSlotOut, PhotoSlotOut, VisitReceipt, VisitSubmission
from service.visits.stored import utc


@dataclass(frozen=True, slots=True)
class CheckedVisit:
    """A checked visit: everything decided before anything is written. The one carrier from the checks to the
    writer (JSON or OpenRosa, batched or alone); `destination` is None until its household is resolved (the
    batcher looks households up together), and the writer takes only visits that have one."""

    actor: Actor
    submission: VisitSubmission
    digest: str
    rules: dict[str, forms.PhotoRule]
    skill_level: int | None
    fix: Fix | None
    accuracy_threshold_m: float | None
    destination: Destination | None = None
    on_behalf_of: int | None = None
    photos: list[SlotPhoto] = field(default_factory=list)  # already in the object store
    # audio/video/file questions answered (question → kind), each awaiting its file; the files already in the store.
    attachment_kinds: dict[str, str] = field(default_factory=dict)
    attachments: list[SlotAttachment] = field(default_factory=list)
    # Flags decided before writing (OpenRosa: form.answers_invalid), stored after the GPS and photo flags.
    extra_flags: list[Flag] = field(default_factory=list)
    # Rows another domain keeps with the visit (OpenRosa: the instance XML), inserted only if the visit is.
    companions: list[tuple[Table, dict[str, Any]]] = field(default_factory=list)

    @property
    def placed(self) -> Destination:
        """The visit's household; the writer's callers resolve it first."""
        if self.destination is None:
            raise RuntimeError(f"visit {self.submission.id} has no household yet")
        return self.destination


@dataclass(slots=True)
class WrittenVisit:
    """A visit this call inserted: its `visits` row as written and its flags (GPS, then photos)."""

    item: CheckedVisit
    row: dict[str, Any]
    flags: list[Flag]

    def receipt(self) -> VisitReceipt:
        item = self.item
        return receipt(
            visit_id=item.submission.id,
            household_id=item.placed.household_id,
            status=self.row["status"],
            rules=item.rules,
            flags=[flag_out(f) for f in self.flags],
            skill_level=item.skill_level,
            slots=[PhotoSlotOut(question=p.question, index=p.index, sha256=p.processed.sha256) for p in item.photos],
            received_at=self.row["received_at"],
            attachment_kinds=item.attachment_kinds,
            answers=item.submission.answers,
            attachments=[
                AttachmentSlotOut(
                    question=a.question,
                    kind=a.kind,
                    filename=a.filename,
                    sha256=a.sha256,
                    content_type=a.content_type,
                    size_bytes=a.size_bytes,
                )
                for a in item.attachments
            ],
        )


# Runs after the visits and flags rows are inserted, in the same transaction, over the visits just written.
AfterWrite = Callable[[AsyncConnection, list[WrittenVisit]], Awaitable[None]]


class VisitWriter:
    def __init__(self, settings: Settings, after_write: Sequence[AfterWrite] = ()) -> None:
        self.settings = settings
        self.after_write: list[AfterWrite] = list(after_write)
        self._min_travel_time = timedelta(seconds=settings.min_travel_time_s)
        self._future_slack = timedelta(hours=settings.future_time_slack_h)

    async def write(self, connection: AsyncConnection, items: list[CheckedVisit]) -> list[WrittenVisit | None]:
        """One result per item, in order: None where the visit's id was already stored (or earlier in `items`)."""
        if not items:
            return []
        settings = self.settings
        now = utcnow()
        # Up front and in id order, before the change counter: two batches sharing households then only queue.
        await lock_households(connection, (item.placed.household_id for item in items))
        stored_fixes = await stored_predecessors(connection, items)
        rows = [visit_row(item, now) for item in items]
        inserted = await insert_visits(connection, rows)
        results: list[WrittenVisit | None] = []
        located: dict[uuid.UUID, tuple[float, float] | None] = {}
        fixes_so_far: dict[int, list[PreviousVisit]] = {}  # per member, the fixes written earlier in this call
        for item, row, stored in zip(items, rows, stored_fixes, strict=True):
            visit_id = item.submission.id
            if visit_id not in inserted:
                results.append(None)
                continue
            inserted.discard(visit_id)  # the same id later in `items` is not new
            household_id = item.placed.household_id
            location = located.get(household_id, item.placed.location)
            finished = utc(item.submission.finished_at)
            member = item.actor.user_id
            previous = latest_before(stored, fixes_so_far.get(member, ()), finished)
            flags = gps_flags(
                item.fix,
                accuracy_threshold_m=item.accuracy_threshold_m,
                household_location=location,
                far_from_household_m=settings.far_from_household_m,
                previous=previous,
                finished_at=finished,
                impossible_travel_kmh=settings.impossible_travel_kmh,
                min_travel_time=self._min_travel_time,
            )
            ahead = future_time_flag(item.submission.device_times(), now, self._future_slack)
            if ahead is not None:
                flags.append(ahead)
            if item.fix is not None and finished is not None:
                fixes_so_far.setdefault(member, []).append(
                    PreviousVisit(str(visit_id), item.fix.lat, item.fix.lon, finished)
                )
            if item.photos:  # inserted now: seen by the next visit's reuse check
                flags.extend(
                    await self.write_photos(
                        connection,
                        visit_id,
                        household_id,
                        item.fix,
                        item.submission.started_at,
                        item.submission.finished_at,
                        item.photos,
                        now,
                    )
                )
            if item.attachments:
                await self.write_attachments(connection, visit_id, item.attachments, now)
            flags.extend(item.extra_flags)
            if item.fix is not None and await locate_household_by_first_fix(
                connection, household_id, location, item.fix, item.accuracy_threshold_m
            ):
                location = (item.fix.lat, item.fix.lon)
            located[household_id] = location
            results.append(WrittenVisit(item, row, flags))
        written = [result for result in results if result is not None]
        await insert_flags(connection, [r for w in written for r in flag_rows(w.item.submission.id, w.flags)])
        await insert_companions(connection, (pair for w in written for pair in w.item.companions))
        if written:  # a hook that raises rolls the whole call back: nothing is half-written
            for hook in self.after_write:
                await hook(connection, written)
        return results

    async def write_photos(
        self,
        connection: AsyncConnection,
        visit_id: uuid.UUID,
        household_id: uuid.UUID,
        fix: Fix | None,
        started_at: datetime | None,
        finished_at: datetime | None,
        photos: list[SlotPhoto],
        now: datetime,
    ) -> list[Flag]:
        """Inserts the photo rows of photos entering a visit (already in the object store) and returns their flags
        (reuse, place, time), for the caller to store: with a new visit (`write`) or sent later (photos_service)."""
        rows, flags = await photo_evidence(
            connection, self.settings, visit_id, household_id, fix, started_at, finished_at, photos, now
        )
        await connection.execute(INSERT_PHOTOS, rows)
        return flags

    async def write_attachments(
        self, connection: AsyncConnection, visit_id: uuid.UUID, attachments: list[SlotAttachment], now: datetime
    ) -> None:
        """Inserts the rows of files entering a visit (already in the object store): with a new visit, or later."""
        await connection.execute(INSERT_ATTACHMENTS, [attachment_row(visit_id, item, now) for item in attachments])


def service_writer(settings: Settings) -> VisitWriter:
    """The writer the service uses: every written visit updates its household's assessment in the same
    transaction (service/assessments), so tallies always agree with the visits, and gives the household a new
    change number first (the lock order), so phones re-sync its visit state."""
    return VisitWriter(settings, after_write=[visit_state.after_visits_written, after_visits_written])


# ---- the row builder -------------------------------------------------------------------------------------------


def visit_row(item: CheckedVisit, received_at: datetime) -> dict[str, Any]:
    """The `visits` row for a submission; every column named, so rows of a batch share one shape."""
    submission, fix, destination = item.submission, item.fix, item.placed
    location, app = submission.location, submission.app
    counts: dict[str, int] = {}
    for photo in item.photos:
        counts[photo.question] = counts.get(photo.question, 0) + 1
    return {
        "id": submission.id,
        "form_id": submission.form_id,
        "form_version": submission.form_version,
        "household_id": destination.household_id,
        "submitted_by": item.actor.user_id,
        "on_behalf_of": item.on_behalf_of,
        "team_id": item.actor.team_id,
        "area_id": destination.area_id,
        "area_path": destination.area_path,
        "started_at": utc(submission.started_at),
        "finished_at": utc(submission.finished_at),
        "received_at": received_at,
        "lat": fix.lat if fix else None,
        "lon": fix.lon if fix else None,
        "accuracy_m": fix.accuracy_m if fix else None,
        "location_captured_at": utc(location.captured_at) if location else None,
        "is_mock": bool(fix and fix.is_mock),
        "answers": submission.answers,
        "app_name": (app.name or None) if app else None,  # lengths checked when decoded (AppInfo)
        "app_version": (app.version or None) if app else None,
        "payload_hash": item.digest,
        "status": status_of(
            missing_photos(item.rules, counts),
            item.attachment_kinds.keys() - {attachment.question for attachment in item.attachments},
        ),
        "skill_level": item.skill_level,
        "review_status": "pending",
        "reviewed_by": None,
        "reviewed_at": None,
        "review_note": None,
        "corrects": submission.corrects or None,
        "revisit_of": getattr(submission, "revisit_of", None) or None,
    }
