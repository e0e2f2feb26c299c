"""HTTP: the supervisors' pages. Same login, scoping and error catalog as the API; errors render as HTML."""

from __future__ import annotations

import uuid
from typing import Any
from urllib.parse import parse_qsl, quote

from litestar import Controller, Request, Response, get, post
from litestar.datastructures import Cookie
from litestar.exceptions import HTTPException
from litestar.params import FromPath
from litestar.response import Redirect, Template
from litestar.status_codes import HTTP_303_SEE_OTHER

from service import errors
from service.audit import services as audit
from service.auth import services as auth_service
from service.auth.authn import SESSION_COOKIE, authenticate, forget_recent_callers, presented_token
from service.auth.schemas import LoginRequest
from service.auth.session_cookie import ended_session_cookie, session_cookie
from service.db.engine import utcnow
from service.http.client_address import client_address
from service.http.deps import AppSettings, DbSession, Store
from service.pages import guard, queue, visit_view, words
from service.pages.i18n import translator
from service.reviews import services as reviews
from service.visits import reads
from service.visits.attachment_reads import attachment_file, download
from service.visits.evidence_rules import FLAG_CODES
from service.visits.stored import form_of

FORM_LIMIT = 64_000
# Nothing from another host; no inline script or style; never framed.
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "X-Frame-Options": "DENY",
    "Cache-Control": "no-store",
}


def _render(
    request: Request, name: str, status: int = 200, cookies: list[Cookie] | None = None, **context: Any
) -> Template:
    lang = guard.lang_of(request)
    context.update(
        t=translator(lang),
        lang=lang,
        w=words,
        path=request.url.path,
        query=request.url.query or "",
        flag_codes=FLAG_CODES,
    )
    return Template(template_name=name, context=context, status_code=status, cookies=cookies, headers=SECURITY_HEADERS)


def _redirect(to: str, cookies: list[Cookie] | None = None) -> Redirect:
    return Redirect(to, status_code=HTTP_303_SEE_OTHER, cookies=cookies, headers=SECURITY_HEADERS)


def _signin(request: Request, status: int = 200, message: str | None = None, username: str = "") -> Template:
    token, cookie = guard.login_csrf(request)
    return _render(
        request,
        "signin.html",
        status,
        cookies=[cookie] if cookie else None,
        csrf=token,
        message=message,
        username=username,
        next=guard.safe_next(request.query_params.get("next")),
    )


def page_error(request: Request, exc: Exception) -> Response[Any]:
    """DomainErrors and HTTP errors of page routes as HTML; without a valid session, the sign-in page."""
    if isinstance(exc, errors.DomainError):
        kind, vi, en = exc.kind, exc.detail_vi, exc.detail_en
    elif isinstance(exc, HTTPException) and exc.status_code < 500:
        kind = errors.BAD_REQUEST if exc.status_code != 404 else errors.ROUTE_NOT_FOUND
        vi, en = kind.title_vi, kind.title_en
    else:
        from service.http.problems import handle_unexpected

        handle_unexpected(request, exc)  # logs it
        kind, vi, en = errors.INTERNAL, errors.INTERNAL.title_vi, errors.INTERNAL.title_en
    if kind.status == 401:
        if request.method == "GET" and request.url.path != "/":
            return _redirect(
                "/?next="
                + quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""), safe="/?=&")
            )
        return _signin(request, 401)
    lang = guard.lang_of(request)
    return _render(
        request,
        "error.html",
        kind.status,
        error_status=kind.status,
        code=kind.code,
        message=vi if lang == "vi" else en,
        signed_in=bool(presented_token(request)),
        csrf=guard.session_csrf(request),
    )


async def _form(request: Request) -> dict[str, Any]:
    form = await request.form()
    return {key: form.getall(key) if key == "ids" else form.get(key) for key in form}


def _queue_filter_from(raw: str | None) -> queue.QueueFilter:
    return queue.parse_filter(dict(parse_qsl(raw or "", keep_blank_values=False)))


class PageController(Controller):
    path = "/"
    include_in_schema = False
    exception_handlers = {errors.DomainError: page_error, HTTPException: page_error}  # noqa: RUF012

    @get("/", summary="Sign-in page, or the home page of the signed-in supervisor's area")
    async def home(self, request: Request, db_session: DbSession) -> Response[Any]:
        if not presented_token(request):
            return _signin(request)
        actor = await guard.page_actor(request, db_session)
        figures = await queue.home_figures(db_session, actor, utcnow())
        return _render(request, "home.html", actor=actor, figures=figures, csrf=guard.session_csrf(request))

    # Both end a page session; this worker's cache of recent callers must not keep it alive (as on the API).
    @post(
        "/login",
        request_max_body_size=16_000,
        status_code=HTTP_303_SEE_OTHER,
        after_response=forget_recent_callers,
    )
    async def sign_in(self, request: Request, db_session: DbSession, settings: AppSettings) -> Response[Any]:
        form = await _form(request)
        guard.check_login_csrf(request, form)
        username = str(form.get("username") or "")[:200]
        data = LoginRequest(username=username, password=str(form.get("password") or ""))
        ip = client_address(request, request.app.state.trusted_proxies)
        lang = guard.lang_of(request)
        try:
            result = await auth_service.login(db_session, settings, data, ip)
        except errors.DomainError as exc:
            if exc.kind.status not in (401, 429):
                raise
            response = _signin(request, exc.kind.status, exc.detail_vi if lang == "vi" else exc.detail_en, username)
            response.headers.update(exc.headers)
            return response
        # Signing in over an older page session ends that one: one browser, one live session.
        previous = request.cookies.get(SESSION_COOKIE)
        if previous and previous != result.token:
            await auth_service.logout(db_session, previous)
        cookie = session_cookie(request, result.token, settings.session_hours)
        return _redirect(guard.safe_next(str(form.get("next") or "/")), cookies=[cookie])

    @post(
        "/logout",
        request_max_body_size=FORM_LIMIT,
        status_code=HTTP_303_SEE_OTHER,
        after_response=forget_recent_callers,
    )
    async def sign_out(self, request: Request, db_session: DbSession) -> Response[Any]:
        await authenticate(request, db_session, request.app.state.token_lookup)  # any role may sign out
        guard.check_csrf(request, await _form(request))
        await auth_service.logout(db_session, presented_token(request))
        return _redirect("/", cookies=[ended_session_cookie()])

    @get("/lang/{lang:str}", summary="Switch the pages' language (vi, en) and go back")
    async def switch_language(self, request: Request, lang: FromPath[str]) -> Response[Any]:
        if lang not in guard.LANGS:
            raise errors.DomainError(errors.ROUTE_NOT_FOUND)
        cookie = Cookie(
            key=guard.LANG_COOKIE,
            value=lang,
            path="/",
            samesite="lax",
            max_age=365 * 86400,
            secure=request.url.scheme == "https",
        )
        return _redirect(guard.safe_next(request.query_params.get("next")), cookies=[cookie])

    @get("/review", summary="The review queue: newest first, filtered, paged")
    async def review_queue(self, request: Request, db_session: DbSession) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        params = request.query_params
        f = queue.parse_filter(params)
        cursor = params.get("cursor") or None
        page = await queue.queue(db_session, actor, f, cursor)
        audit.record(db_session, actor, "list", "visits", f.area or "*")
        choices = await queue.filter_choices(db_session, actor)
        flash = {key: int(params[key]) for key in ("done", "failed") if (params.get(key) or "").isdigit()}
        return _render(
            request,
            "queue.html",
            actor=actor,
            f=f,
            page=page,
            choices=choices,
            cursor=cursor,
            csrf=guard.session_csrf(request),
            flash=flash,
            end=params.get("end") == "1",
            statuses=reviews.REVIEW_STATUSES,
        )

    @post(
        "/review/decide",
        request_max_body_size=FORM_LIMIT,
        status_code=HTTP_303_SEE_OTHER,
        summary="Bulk decision from the queue (each visit decided on its own)",
    )
    async def decide_selected(self, request: Request, db_session: DbSession) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        form = await _form(request)
        guard.check_csrf(request, form)
        f = _queue_filter_from(form.get("q"))
        try:
            ids = [uuid.UUID(raw) for raw in form.get("ids") or []][:200]
        except ValueError:
            raise errors.DomainError(errors.BAD_BODY) from None
        outcome = await reviews.decide_many(
            db_session, actor, ids, str(form.get("decision") or "approved"), form.get("comment")
        )
        return _redirect(f"/review?{f.query_string(done=str(outcome.decided), failed=str(outcome.failed))}")

    @get("/review/visits/{visit_id:uuid}", summary="One visit with its evidence, flags explained, and history")
    async def visit_page(
        self, request: Request, db_session: DbSession, settings: AppSettings, visit_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        return await self._visit(
            request, db_session, settings, actor, visit_id, queue.parse_filter(request.query_params)
        )

    async def _visit(
        self,
        request: Request,
        db_session: Any,
        settings: Any,
        actor: Any,
        visit_id: uuid.UUID,
        f: queue.QueueFilter,
        status: int = 200,
        message: str | None = None,
        decision: str | None = None,
        comment: str = "",
    ) -> Template:
        lang = guard.lang_of(request)
        t = translator(lang)
        detail = await reads.get_visit(db_session, actor, visit_id)
        context = await visit_view.visit_context(db_session, actor, detail)
        form = await form_of(db_session, detail.form_id, detail.form_version)
        offset = None
        if detail.location is not None and context.household_location is not None:
            offset = visit_view.gps_offset(
                context.household_location,
                (detail.location.lat, detail.location.lon),
                settings.far_from_household_m,
                lang,
            )
        return _render(
            request,
            "visit.html",
            status,
            actor=actor,
            v=detail,
            c=context,
            offset=offset,
            answers=visit_view.labelled_answers(form, detail.answers, lang, t),
            files=visit_view.attachment_rows(form, detail, lang),
            level=visit_view.skill_level_name(form, detail.skill_level, lang),
            history=await reviews.history(db_session, visit_id),
            f=f,
            q=f.query_string(),
            csrf=guard.session_csrf(request),
            message=message,
            saved=request.query_params.get("saved") == "1",
            decision=decision or request.query_params.get("decision"),
            comment=comment,
        )

    @post(
        "/review/visits/{visit_id:uuid}/decision",
        request_max_body_size=FORM_LIMIT,
        status_code=HTTP_303_SEE_OTHER,
        summary="Decide on one visit, then go on to the next in the queue",
    )
    async def decide_visit(
        self, request: Request, db_session: DbSession, settings: AppSettings, visit_id: FromPath[uuid.UUID]
    ) -> Response[Any]:
        actor = await guard.page_actor(request, db_session)
        form = await _form(request)
        guard.check_csrf(request, form)
        f = _queue_filter_from(form.get("q"))
        decision, comment = str(form.get("decision") or ""), str(form.get("comment") or "")
        try:
            async with db_session.begin_nested():
                await reviews.decide(db_session, actor, visit_id, decision, comment)
        except errors.DomainError as exc:
            if exc.kind.status != 422 and exc.kind.status != 400:
                raise
            lang = guard.lang_of(request)
            return await self._visit(
                request,
                db_session,
                settings,
                actor,
                visit_id,
                f,
                exc.kind.status,
                exc.detail_vi if lang == "vi" else exc.detail_en,
                decision,
                comment,
            )
        following = await queue.next_in_queue(db_session, actor, f, visit_id)
        if following is None:
            return _redirect(f"/review?{f.query_string(end='1')}")
        return _redirect(f"/review/visits/{following}?{f.query_string(saved='1')}")

    @get(
        "/review/visits/{visit_id:uuid}/photos/{question:str}/{index:int}/{variant:str}",
        summary="A visit's photo for the pages (thumb or large), scoped like the visit",
    )
    async def visit_photo(
        self,
        request: Request,
        db_session: DbSession,
        store: Store,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
        index: FromPath[int],
        variant: FromPath[str],
    ) -> Response[bytes]:
        actor = await guard.page_actor(request, db_session)
        if variant not in ("thumb", "large") or not 0 <= index <= 999:
            raise errors.DomainError(errors.ROUTE_NOT_FOUND)
        data, content_type, etag = await reads.photo_bytes(db_session, actor, store, visit_id, question, index, variant)
        return Response(
            data,
            media_type=content_type,
            headers={"ETag": etag, "Cache-Control": "private, max-age=86400", "X-Content-Type-Options": "nosniff"},
        )

    @get(
        "/review/visits/{visit_id:uuid}/attachments/{question:str}",
        summary="A visit's audio, video or file answer as a download (never shown inline), scoped like the visit",
    )
    async def visit_attachment(
        self,
        request: Request,
        db_session: DbSession,
        store: Store,
        visit_id: FromPath[uuid.UUID],
        question: FromPath[str],
    ) -> Response[bytes]:
        actor = await guard.page_actor(request, db_session)
        return download(await attachment_file(db_session, actor, store, visit_id, question))


__all__ = ["PageController"]
