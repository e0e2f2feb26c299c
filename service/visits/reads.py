"""Reading visits: lists for supervisors (and members' own), one visit with its photos, photo bytes.

Scope: members and leaders see the visits they made or that were made in their name; supervisors their area
subtree; admins everything. Anything outside answers 404. Who looked at which visit goes to the access log.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import exists, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor
from service.auth.scope import area_path_filter
from service.db.engine import as_utc
from service.db.tables import table_of
from service.http.paging import Page, clamp_limit
from service.visits.attachment_reads import attachments_of
from service.visits.evidence_rules import FLAG_CODES
from service.visits.models import FLAGS, PHOTOS, VISITS
from service.visits.receipts import awaited_photo_rules, missing_attachments, missing_photos
from service.visits.schemas import (
    LocationOut,
    PhotoOut,
    ReviewOut,
    VisitDetail,
    VisitSummary,
)
from service.visits.stored import (
    StoredVisit,
    connection,
    flag_codes,
    form_of,
    newest_first_after,
    next_newest_cursor,
    stored_flags,
    utc,
)
from service.visits.visibility import require_visible, require_visible_id
from storage import ObjectNotFound, ObjectStore

AREAS = table_of(Area)
STATUSES = ("complete", "awaiting_photos")
REVIEW_STATUSES = ("pending", "approved", "has_issues", "rejected")
VARIANTS = ("thumb", "large", "original")


def _bad_parameter(name: str, allowed: tuple[str, ...]) -> errors.DomainError:
    return errors.DomainError(
        errors.BAD_QUERY,
        f"{name} phải là một trong: {', '.join(allowed)}.",
        f"{name} must be one of: {', '.join(allowed)}.",
    )


def _scope(actor: Actor) -> Any:
    if actor.role in FIELD_ROLES:
        return or_(VISITS.c.submitted_by == actor.user_id, VISITS.c.on_behalf_of == actor.user_id)
    return area_path_filter(VISITS.c.area_path, actor)


async def list_visits(
    session: AsyncSession,
    actor: Actor,
    *,
    area: str | None = None,
    member: int | None = None,
    flag: str | None = None,
    status: str | None = None,
    review_status: str | None = None,
    since: datetime | None = None,
    cursor: str | None = None,
    limit: int | None = None,
) -> Page[VisitSummary]:
    """Newest first (by arrival); the cursor is the last (received_at, id) seen."""
    size = clamp_limit(limit)
    query = (
        select(
            VISITS.c.id,
            VISITS.c.form_id,
            VISITS.c.form_version,
            VISITS.c.household_id,
            AREAS.c.code,
            VISITS.c.submitted_by,
            VISITS.c.on_behalf_of,
            VISITS.c.finished_at,
            VISITS.c.received_at,
            VISITS.c.status,
            VISITS.c.skill_level,
            VISITS.c.review_status,
        )
        .join(AREAS, AREAS.c.id == VISITS.c.area_id)
        .where(_scope(actor))
        .order_by(VISITS.c.received_at.desc(), VISITS.c.id.desc())
        .limit(size + 1)
    )
    if area is not None:
        root = await area_in_scope(session, actor, area)
        query = query.where(VISITS.c.area_path.startswith(root.path, autoescape=False))
    if member is not None:
        query = query.where(or_(VISITS.c.submitted_by == member, VISITS.c.on_behalf_of == member))
    if flag is not None:
        if flag not in FLAG_CODES:
            raise _bad_parameter("flag", FLAG_CODES)
        query = query.where(exists().where(FLAGS.c.visit_id == VISITS.c.id, FLAGS.c.code == flag))
    if status is not None:
        if status not in STATUSES:
            raise _bad_parameter("status", STATUSES)
        query = query.where(VISITS.c.status == status)
    if review_status is not None:
        if review_status not in REVIEW_STATUSES:
            raise _bad_parameter("review_status", REVIEW_STATUSES)
        query = query.where(VISITS.c.review_status == review_status)
    if since is not None:
        query = query.where(VISITS.c.received_at >= utc(since))
    query = newest_first_after(query, cursor)
    conn = await connection(session)
    rows = (await conn.execute(query)).all()
    page = rows[:size]
    codes = await flag_codes(conn, [row.id for row in page])
    items = [
        VisitSummary(
            id=row.id,
            form_id=row.form_id,
            form_version=row.form_version,
            household_id=row.household_id,
            area_code=row.code,
            submitted_by=row.submitted_by,
            on_behalf_of=row.on_behalf_of,
            finished_at=as_utc(row.finished_at),
            received_at=as_utc(row.received_at),
            status=row.status,
            skill_level=row.skill_level,
            review_status=row.review_status,
            flag_codes=sorted(codes[row.id]),
        )
        for row in page
    ]
    audit.record(session, actor, "list", "visits", area or "*")
    return Page(items=items, next=next_newest_cursor(rows, size))


def photo_url(visit_id: uuid.UUID, question: str, index: int, variant: str) -> str:
    return f"/api/v1/visits/{visit_id}/photos/{question}/{index}/{variant}"


async def get_visit(session: AsyncSession, actor: Actor, visit_id: uuid.UUID) -> VisitDetail:
    conn = await connection(session)
    row = (
        await conn.execute(
            select(VISITS, AREAS.c.code.label("area_code"))
            .join(AREAS, AREAS.c.id == VISITS.c.area_id)
            .where(VISITS.c.id == visit_id)
        )
    ).first()
    visit = require_visible(actor, StoredVisit.from_row(row) if row is not None else None, visit_id)
    assert row is not None
    form = await form_of(session, visit.form_id, visit.form_version)
    photo_rows = (
        await conn.execute(
            select(PHOTOS).where(PHOTOS.c.visit_id == visit_id).order_by(PHOTOS.c.question, PHOTOS.c.idx)
        )
    ).all()
    counts: dict[str, int] = {}
    photos = []
    for p in photo_rows:
        counts[p.question] = counts.get(p.question, 0) + 1
        photos.append(
            PhotoOut(
                question=p.question,
                index=p.idx,
                content_type=p.content_type,
                width=p.width,
                height=p.height,
                size_bytes=p.size_bytes,
                taken_at=as_utc(p.exif_time),
                thumb_url=photo_url(visit_id, p.question, p.idx, "thumb"),
                large_url=photo_url(visit_id, p.question, p.idx, "large"),
                original_url=photo_url(visit_id, p.question, p.idx, "original") if actor.is_admin else None,
            )
        )
    location = None
    if row.lat is not None and row.lon is not None:
        location = LocationOut(
            lat=row.lat,
            lon=row.lon,
            accuracy_m=row.accuracy_m,
            captured_at=as_utc(row.location_captured_at),
            is_mock=bool(row.is_mock),
        )
    audit.record(session, actor, "view", "visit", visit_id)
    files = await attachments_of(conn, visit_id)
    return VisitDetail(
        id=row.id,
        form_id=row.form_id,
        form_version=row.form_version,
        household_id=row.household_id,
        area_code=row.area_code,
        submitted_by=row.submitted_by,
        on_behalf_of=row.on_behalf_of,
        team_id=row.team_id,
        started_at=as_utc(row.started_at),
        finished_at=as_utc(row.finished_at),
        received_at=as_utc(row.received_at),
        location=location,
        answers=row.answers,
        app_name=row.app_name,
        app_version=row.app_version,
        status=row.status,
        skill_level=row.skill_level,
        missing_photos=missing_photos(
            await awaited_photo_rules(session, visit_id, visit.answers, form, visit.status), counts
        ),
        photos=photos,
        flags=await stored_flags(session, visit_id),
        review=ReviewOut(
            status=row.review_status,
            reviewed_by=row.reviewed_by,
            reviewed_at=as_utc(row.reviewed_at),
            note=row.review_note,
        ),
        attachments=files,
        missing_attachments=missing_attachments(
            forms.required_attachments(form, visit.answers), visit.answers, {item.question for item in files}
        ),
    )


async def photo_bytes(
    session: AsyncSession,
    actor: Actor,
    store: ObjectStore,
    visit_id: uuid.UUID,
    question: str,
    index: int,
    variant: str,
) -> tuple[bytes, str, str]:
    """(bytes, content type, ETag) of a photo slot's thumbnail, large view or (admins only) original."""
    if variant not in VARIANTS or len(question) > 100 or "\x00" in question:
        raise errors.DomainError(errors.ROUTE_NOT_FOUND)
    conn = await connection(session)
    await require_visible_id(conn, actor, visit_id)
    if variant == "original" and not actor.is_admin:
        raise errors.DomainError(
            errors.FORBIDDEN,
            "Ảnh gốc (còn vị trí GPS) chỉ quản trị viên được xem.",
            "Only admins may see an original photo (it keeps its GPS position).",
        )
    photo = (
        await conn.execute(
            select(
                PHOTOS.c.sha256, PHOTOS.c.content_type, PHOTOS.c.original_key, PHOTOS.c.large_key, PHOTOS.c.thumb_key
            ).where(PHOTOS.c.visit_id == visit_id, PHOTOS.c.question == question, PHOTOS.c.idx == index)
        )
    ).first()
    if photo is None:
        raise errors.DomainError(errors.NOT_FOUND, "Chưa có ảnh ở vị trí này.", "No photo in this slot yet.")
    key = {"thumb": photo.thumb_key, "large": photo.large_key, "original": photo.original_key}[variant]
    try:
        data = await store.get(key)
    except ObjectNotFound:
        raise errors.DomainError(errors.NOT_FOUND, "Không tìm thấy tệp ảnh.", "The photo's file is missing.") from None
    if variant == "original":
        audit.record(session, actor, "view_original", "visit_photo", f"{visit_id}/{question}/{index}")
    content_type = photo.content_type if variant == "original" else "image/jpeg"
    return data, content_type, f'"{photo.sha256}-{variant}"'
