"""Device tokens: a phone's long-lived, revocable credential, handed over as a QR code to scan.

Issued by an admin, a supervisor of the member's area, or the leader of the member's team. Only the SHA-256 of
the token is stored; the token itself is shown once. Revocation takes effect on the very next request.
"""

from __future__ import annotations

import base64
import io

import anyio.to_thread
import msgspec
import qrcode
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor, Role
from service.auth.models import DeviceToken
from service.auth.tokens import DEVICE_PREFIX, new_token, token_hash
from service.common.text import clean_name
from service.db.engine import as_utc, utcnow
from service.db.tables import row_id
from service.http.ids import cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor
from service.openrosa.collect_qr import collect_settings_payload
from service.people.models import User
from service.people.schemas import DeviceTokenCreate, DeviceTokenIssued, DeviceTokenOut
from service.people.services import user_in_scope


async def _target(session: AsyncSession, actor: Actor, user_id: int) -> User:
    """The member whose tokens the caller manages: 404 when not visible, 403 when visible but not theirs."""
    user, _ = await user_in_scope(session, actor, user_id)
    allowed = (
        actor.is_admin
        or actor.role == Role.SUPERVISOR
        or (actor.role == Role.LEADER and actor.team_id is not None and user.team_id == actor.team_id)
    )
    if not allowed:
        raise errors.DomainError(errors.FORBIDDEN)
    return user


def qr_png(payload: str) -> bytes:
    image = qrcode.make(payload, box_size=8, border=2)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def device_token_out(row: DeviceToken) -> DeviceTokenOut:
    return DeviceTokenOut(
        id=row_id(row),
        label=row.label,
        created_at=as_utc(row.created_at),
        revoked_at=as_utc(row.revoked_at),
        last_used_at=as_utc(row.last_used_at),
    )


async def issue_device_token(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    data: DeviceTokenCreate,
    server_url: str,
) -> DeviceTokenIssued:
    user = await _target(session, actor, user_id)
    if user.role not in FIELD_ROLES or not user.active:
        raise errors.DomainError(errors.DEVICE_FIELD_ROLES_ONLY)
    label = clean_name(data.label)
    if label is not None and len(label) > 100:
        raise errors.DomainError(errors.INVALID_DATA, errors=[{"field": "label", "code": "device_token.bad_label"}])
    token = new_token(DEVICE_PREFIX)
    row = DeviceToken(
        user_id=row_id(user), token_hash=token_hash(token), label=label, created_at=utcnow(), created_by=actor.user_id
    )
    session.add(row)
    await session.flush()
    audit.record(session, actor, "issue_device_token", "member", user.id)
    payload = msgspec.json.encode({"server": server_url.rstrip("/"), "token": token}).decode()
    png = await anyio.to_thread.run_sync(qr_png, payload)
    collect_payload = collect_settings_payload(server_url, token)
    collect_png = await anyio.to_thread.run_sync(qr_png, collect_payload)
    return DeviceTokenIssued(
        id=row_id(row),
        token=token,
        qr_payload=payload,
        qr_png_base64=base64.b64encode(png).decode(),
        label=label,
        created_at=as_utc(row.created_at),
        collect_qr_payload=collect_payload,
        collect_qr_png_base64=base64.b64encode(collect_png).decode(),
    )


async def list_device_tokens(
    session: AsyncSession,
    actor: Actor,
    user_id: int,
    cursor: str | None,
    limit: int | None,
) -> Page[DeviceTokenOut]:
    user = await _target(session, actor, user_id)
    size = clamp_limit(limit)
    after = cursor_int(cursor)
    rows = list(
        (
            await session.execute(
                select(DeviceToken)
                .where(col(DeviceToken.user_id) == user.id, col(DeviceToken.id) > after)
                .order_by(col(DeviceToken.id))
                .limit(size + 1)
            )
        ).scalars()
    )
    return Page(
        items=[device_token_out(r) for r in rows[:size]],
        next=encode_cursor(rows[size - 1].id) if len(rows) > size else None,
    )


async def revoke_device_token(session: AsyncSession, actor: Actor, user_id: int, token_id: int) -> None:
    user = await _target(session, actor, user_id)
    row = (
        await session.execute(
            select(DeviceToken).where(col(DeviceToken.id) == token_id, col(DeviceToken.user_id) == user.id)
        )
    ).scalar_one_or_none()
    if row is None:
        raise errors.DomainError(
            errors.NOT_FOUND, f"Không tìm thấy mã thiết bị {token_id}.", f"No device token {token_id}."
        )
    if row.revoked_at is None:
        row.revoked_at = utcnow()
        audit.record(session, actor, "revoke_device_token", "member", user.id)
        await session.flush()
