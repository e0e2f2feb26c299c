"""The supervisors' pages of the activity log: the list (paged, filtered, with the CSV download), a new record and
a correction. Server-rendered forms under the pages' own rules (session cookie, CSRF field, errors as HTML); the
record's id is made when the form is drawn, so submitting the same form twice records it once."""

from __future__ import annotations

import uuid
from datetime import date
from typing import Any
from urllib.parse import urlencode

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.activities import catalog, page_texts, services, validation
from service.activities.schemas import ActivityEdit, ActivityIn, ActivityOut
from service.areas.models import Area
from service.auth.actor import Actor
from service.auth.scope import path_prefix_filter
from service.http.deps import DbSession
from service.pages import guard
from service.pages.controllers import FORM_LIMIT, _form, _redirect, _render, page_error

TEXT_FIELDS = ("place", "partner", "topic", "beneficiary", "platform", "product", "note")
CHOICE_FIELDS = ("channel", "beneficiary_kind")
NUMBER_FIELDS = ("attendees", "quantity")
MAX_AREAS = 600  # the pickers list a commune's villages, or a district's communes and villages


def _kinds_of(field: str) -> list[str]:
    return [kind for kind, fields in validation.ALLOWED.items() if field in fields]


async def _areas(session: AsyncSession, actor: Actor) -> list[tuple[str, str]]:
    """(code, name) of the areas the caller may record for: their scope root and what lies under it."""
    statement = select(col(Area.code), col(Area.name), col(Area.depth)).where(col(Area.closed_at).is_(None))
    if not actor.is_admin:
        statement = statement.where(path_prefix_filter(col(Area.path), actor.area_path or "/-/"))
    rows = (await session.execute(statement.order_by(col(Area.path)).limit(MAX_AREAS))).all()
    return [(code, ("— " * max(depth - rows[0][2], 0)) + name) for code, name, depth in rows] if rows else []


def _fields_from(form: dict[str, Any]) -> tuple[dict[str, Any], list[dict[str, str]]]:
    """The form's strings as the API's fields; a number that is not one is a field problem, not a 500."""
    body: dict[str, Any] = {"kind": form.get("kind") or "", "area": form.get("area") or None}
    problems = []
    try:
        body["held_on"] = date.fromisoformat(str(form.get("held_on") or ""))
    except ValueError:
        problems.append({"path": "held_on", "code": "activity.invalid", "message_vi": "Ngày không hợp lệ.",
                         "message_en": "Not a date."})  # fmt: skip
    for field in (*TEXT_FIELDS, *CHOICE_FIELDS):
        value = str(form.get(field) or "").strip()
        body[field] = value or None
    counts: dict[str, Any] = {field: form.get(field) for field in NUMBER_FIELDS}
    counts.update({f"service:{code}": form.get(f"service_{code}") for code in catalog.SERVICES})
    services_helped: dict[str, int] = {}
    for name, raw in counts.items():
        text = str(raw or "").strip()
        if not text:
            continue
        if not text.isdigit() or int(text) > 1_000_000:
            field = "services" if name.startswith("service:") else name
            problems.append({"path": field, "code": "activity.invalid", "message_vi": "Cần một số nguyên từ 0.",
                             "message_en": "A whole number from 0."})  # fmt: skip
        elif name.startswith("service:"):
            if int(text):
                services_helped[name.split(":", 1)[1]] = int(text)
        else:
            body[name] = int(text)
    body["services"] = services_helped or None
    return body, problems


def _checked(form: dict[str, Any], shape: type[Any], **extra: Any) -> Any:
    """The form as the API's struct, or ACTIVITY_INVALID listing every problem at once (typing and content)."""
    body, typed = _fields_from(form)
    problems: list[dict[str, str]] = []
    try:
        struct = _convert({**body, **extra}, shape)
        validation.columns(struct)
    except errors.DomainError as exc:
        if exc.kind is not errors.ACTIVITY_INVALID:
            raise
        problems += exc.errors or []
    problems += typed  # last: "not a number" says more than "required" about the same field
    if problems:
        raise errors.DomainError(errors.ACTIVITY_INVALID, errors=problems)
    return struct


def _convert(data: dict[str, Any], shape: type[Any]) -> Any:
    """The form's fields as the API's struct; a value past its bounds is a field problem (422), not a 500."""
    try:
        return msgspec.convert(data, shape, strict=False)
    except msgspec.ValidationError as exc:
        path = str(exc).rpartition("$.")[2].strip("`") or "kind"
        raise errors.DomainError(
            errors.ACTIVITY_INVALID,
            errors=[{"path": path.split("[")[0].split(".")[0], "code": "activity.invalid", "message_vi": str(exc),
                     "message_en": str(exc)}],
        ) from None  # fmt: skip


def _values(activity: ActivityOut | None, form: dict[str, Any] | None) -> dict[str, Any]:
    """What the form shows: what was typed (after a refusal), else the stored record."""
    if form is not None:
        return {key: value for key, value in form.items() if key != "csrf"}
    if activity is None:
        return {"held_on": date.today().isoformat(), "kind": "training"}
    values = msgspec.to_builtins(activity)
    for code, n in (activity.services or {}).items():
        values[f"service_{code}"] = n
    return values


class ActivityPages(Controller):
    path = "/activities"
    include_in_schema = False
    exception_handlers = {errors.DomainError: page_error, HTTPException: page_error}  # noqa: RUF012

    async def _draw(
        self,
        request: Request,
        session: AsyncSession,
        actor: Actor,
        *,
        activity_id: uuid.UUID,
        activity: ActivityOut | None = None,
        form: dict[str, Any] | None = None,
        problems: list[dict[str, str]] | None = None,
        status: int = 200,
    ) -> Response[Any]:
        lang = guard.lang_of(request)
        return _render(
            request,
            "activity_form.html",
            status,
            actor=actor,
            a=page_texts.words(lang),
            catalogs=catalog,
            activity_id=activity_id,
            editing=activity is not None,
            values=_values(activity, form),
            problems={p["path"]: p["message_vi" if lang == "vi" else "message_en"] for p in problems or []},
            areas=await _areas(session, actor),
            kinds_of=_kinds_of,
            text_fields=TEXT_FIELDS,
            number_fields=NUMBER_FIELDS,
            csrf=guard.session_csrf(request),
        )

    @get("/", summary="The activity log of the supervisor's area, newest first, paged")
    async def activity_list(self, request: Request, db_session: DbSession) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        params = request.query_params
        area = params.get("area") or None
        kind = params.get("kind") or None
        cursor = params.get("cursor") or None
        page = await services.list_activities(
            db_session, actor, area=area, kind=kind, start=None, end=None, cursor=cursor, limit=50
        )
        lang = guard.lang_of(request)
        root = area
        if root is None and actor.area_id is not None:
            root = (await db_session.execute(select(col(Area.code)).where(col(Area.id) == actor.area_id))).scalar()
        keep = {k: v for k, v in (("area", area), ("kind", kind)) if v}
        return _render(
            request,
            "activities.html",
            actor=actor,
            a=page_texts.words(lang),
            catalogs=catalog,
            page=page,
            area=area or "",
            kind=kind or "",
            root=root,
            areas=await _areas(session=db_session, actor=actor),
            next_query=urlencode({**keep, "cursor": page.next}) if page.next else None,
            saved=params.get("saved") == "1",
            csrf=guard.session_csrf(request),
        )

    @get("/new", summary="The form for a new activity")
    async def new_activity(self, request: Request, db_session: DbSession) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        return await self._draw(request, db_session, actor, activity_id=uuid.uuid4())

    @post("/new/{activity_id:uuid}", request_max_body_size=FORM_LIMIT, summary="Record an activity from the form")
    async def create_activity(
        self, request: Request, db_session: DbSession, activity_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        form = await _form(request)
        guard.check_csrf(request, form)
        try:
            body = _checked(form, ActivityIn, id=str(activity_id))
            await services.record(db_session, actor, body)
        except errors.DomainError as exc:
            if exc.kind is not errors.ACTIVITY_INVALID:
                raise
            return await self._draw(
                request, db_session, actor, activity_id=activity_id, form=form, problems=exc.errors, status=422
            )
        return _redirect("/activities?saved=1")

    @get("/{activity_id:uuid}", summary="One activity, to correct")
    async def edit_form(
        self, request: Request, db_session: DbSession, activity_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        activity = await services.get(db_session, actor, activity_id)
        return await self._draw(request, db_session, actor, activity_id=activity_id, activity=activity)

    @post("/{activity_id:uuid}", request_max_body_size=FORM_LIMIT, summary="Correct an activity from the form")
    async def save_edit(
        self, request: Request, db_session: DbSession, activity_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        activity = await services.get(db_session, actor, activity_id)  # 404 outside the scope, before the form
        form = await _form(request)
        guard.check_csrf(request, form)
        try:
            body = _checked(form, ActivityEdit)
            await services.edit(db_session, actor, activity_id, body)
        except errors.DomainError as exc:
            if exc.kind is not errors.ACTIVITY_INVALID:
                raise
            return await self._draw(
                request, db_session, actor, activity_id=activity_id, activity=activity, form=form,
                problems=exc.errors, status=422,
            )  # fmt: skip
        return _redirect("/activities?saved=1")
