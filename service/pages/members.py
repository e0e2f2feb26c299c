"""The supervisors' members page: the members and leaders of their area (scoped like GET /api/v1/members), and a
button per person that issues a phone token and shows, once, both QR codes: the Gõ Cửa app's and ODK Collect's
settings. The issuing and revoking go through service/auth/devices.py, so the page and the API share every rule."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.auth import devices
from service.auth.actor import FIELD_ROLES, Actor
from service.auth.authn import forget_recent_callers
from service.auth.models import DeviceToken
from service.db.tables import row_id
from service.http.deps import AppSettings, DbSession
from service.http.ids import cursor_int
from service.http.paging import encode_cursor
from service.http.public_url import public_base_url
from service.openrosa.collect_qr import collect_server_url
from service.pages import guard
from service.pages.controllers import FORM_LIMIT, _form, _redirect, _render, page_error
from service.people.models import User
from service.people.schemas import DeviceTokenCreate
from service.people.services import user_in_scope, visible_users

PAGE_SIZE = 50


@dataclass(frozen=True)
class MemberRow:
    id: int
    full_name: str
    username: str
    role: str
    area_name: str
    phone: str | None
    live_tokens: int


@dataclass(frozen=True)
class MemberList:
    items: list[MemberRow]
    next: str | None


async def members_page(session: AsyncSession, actor: Actor, cursor: str | None) -> MemberList:
    """Active members and leaders the caller may see, by id, a page at a time, with their live token counts."""
    rows = (
        await session.execute(
            select(User, col(Area.name))
            .outerjoin(Area, col(Area.id) == col(User.area_id))
            .where(
                visible_users(actor),
                col(User.role).in_([role.value for role in FIELD_ROLES]),
                col(User.active),
                col(User.id) > cursor_int(cursor),
            )
            .order_by(col(User.id))
            .limit(PAGE_SIZE + 1)
        )
    ).all()
    shown = rows[:PAGE_SIZE]
    ids = [row_id(user) for user, _ in shown]
    counts: dict[int, int] = {}
    if ids:
        counts = {
            user_id: n
            for user_id, n in (
                await session.execute(
                    select(col(DeviceToken.user_id), func.count())
                    .where(col(DeviceToken.user_id).in_(ids), col(DeviceToken.revoked_at).is_(None))
                    .group_by(col(DeviceToken.user_id))
                )
            ).all()
        }
    items = [
        MemberRow(
            id=row_id(user),
            full_name=user.full_name,
            username=user.username,
            role=user.role,
            area_name=area_name or "",
            phone=user.phone,
            live_tokens=counts.get(row_id(user), 0),
        )
        for user, area_name in shown
    ]
    return MemberList(items, encode_cursor(shown[-1][0].id) if len(rows) > PAGE_SIZE else None)


async def revoke_all(session: AsyncSession, actor: Actor, user_id: int) -> int:
    """Revokes every live token of one member through the service (its scope check runs first); how many."""
    revoked = 0
    cursor: str | None = None
    while True:
        page = await devices.list_device_tokens(session, actor, user_id, cursor, None)
        for token in page.items:
            if token.revoked_at is None:
                await devices.revoke_device_token(session, actor, user_id, token.id)
                revoked += 1
        if page.next is None:
            return revoked
        cursor = page.next


class MemberPages(Controller):
    path = "/members"
    include_in_schema = False
    exception_handlers = {errors.DomainError: page_error, HTTPException: page_error}  # noqa: RUF012

    @get("/", summary="Members and leaders of the supervisor's area, paged, with a phone-token button each")
    async def member_list(self, request: Request, db_session: DbSession) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        params = request.query_params
        cursor = params.get("cursor") or None
        page = await members_page(db_session, actor, cursor)
        revoked = params.get("revoked") or ""
        return _render(
            request,
            "members.html",
            actor=actor,
            page=page,
            cursor=cursor,
            revoked=int(revoked) if revoked.isdigit() else None,
            csrf=guard.session_csrf(request),
        )

    @post(
        "/{user_id:int}/device-token",
        request_max_body_size=FORM_LIMIT,
        status_code=200,
        summary="Issue a phone token; the answer shows the app's and ODK Collect's QR codes once",
    )
    async def issue_token(
        self, request: Request, db_session: DbSession, settings: AppSettings, user_id: FromPath[int]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        guard.check_csrf(request, await _form(request))
        base = public_base_url(request, settings)
        issued = await devices.issue_device_token(db_session, actor, user_id, DeviceTokenCreate(), base)
        person, _ = await user_in_scope(db_session, actor, user_id)
        return _render(
            request,
            "member_qr.html",
            actor=actor,
            person=person,
            issued=issued,
            collect_url=collect_server_url(base, issued.token),
            csrf=guard.session_csrf(request),
        )

    @post(
        "/{user_id:int}/device-tokens/revoke",
        request_max_body_size=FORM_LIMIT,
        status_code=303,
        after_response=forget_recent_callers,  # this worker's cache of callers must not keep a revoked token alive
        summary="Revoke every live phone token of one member (they stop on their next request)",
    )
    async def revoke_tokens(self, request: Request, db_session: DbSession, user_id: FromPath[int]) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        guard.check_csrf(request, await _form(request))
        revoked = await revoke_all(db_session, actor, user_id)
        return _redirect(f"/members?revoked={revoked}")


__all__ = ["MemberPages"]
