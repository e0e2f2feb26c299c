"""HTTP: login, logout, who am I, change my password."""

from __future__ import annotations

from litestar import Controller, Request, Response, get, post
from litestar.params import JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_204_NO_CONTENT

from service.auth import services as auth_service
from service.auth.authn import forget_recent_callers, presented_token
from service.auth.csrf import ACTS_WITHOUT_SESSION
from service.auth.schemas import LoginRequest, LoginResult, Me, PasswordChange
from service.auth.session_cookie import ended_session_cookie, session_cookie
from service.http import limits
from service.http.client_address import client_address
from service.http.deps import AppSettings, CurrentActor, DbSession


def _client_ip(request: Request) -> str:
    return client_address(request, request.app.state.trusted_proxies)


class AuthController(Controller):
    # A logout is seen at once in this worker. (ignore: mypy reads a function stored on the class as a method and
    # drops its `request` parameter; litestar calls the hook as a plain function.)
    after_response = forget_recent_callers  # type: ignore[assignment]
    path = "/api/v1/auth"
    request_max_body_size = limits.LOGIN_BYTES
    tags = ("auth",)

    @post(
        "/login",
        status_code=HTTP_200_OK,
        summary="Password login → Bearer token; also sets the page session cookie (HttpOnly, SameSite=Lax)",
        # The one unsafe API route that acts on no session: a cookie it carries is ignored, so another site
        # gains nothing by sending it (and cross-site JSON needs a CORS preflight we never grant).
        opt={ACTS_WITHOUT_SESSION: True},
    )
    async def login_user(
        self,
        request: Request,
        db_session: DbSession,
        settings: AppSettings,
        data: JSONBody[LoginRequest],
    ) -> Response[LoginResult]:
        result = await auth_service.login(db_session, settings, data, _client_ip(request))
        cookie = session_cookie(request, result.token, settings.session_hours)
        return Response(result, cookies=[cookie], headers={"Cache-Control": "no-store"})

    @post(
        "/logout",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revokes the credential of this request (login session or device token)",
    )
    async def logout_user(self, request: Request, db_session: DbSession, actor: CurrentActor) -> Response[None]:
        token = presented_token(request)
        await auth_service.logout(db_session, token)
        if token:
            request.app.state.token_lookup.forget(token)
        return Response(
            None,
            status_code=HTTP_204_NO_CONTENT,
            cookies=[ended_session_cookie()],
        )


class MeController(Controller):
    # Deactivations, revocations, password changes: this worker's cached callers are read again.
    # (ignore: as on AuthController, mypy reads the stored function as a method.)
    after_response = forget_recent_callers  # type: ignore[assignment]
    path = "/api/v1/me"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("auth",)

    @get("/", summary="Who am I: role, team, area")
    async def get_me(self, db_session: DbSession, actor: CurrentActor, settings: AppSettings) -> Me:
        return await auth_service.me(db_session, actor.user_id, actor.via, settings)

    @post("/password", status_code=HTTP_204_NO_CONTENT, summary="Change my password; my other sessions end")
    async def change_my_password(
        self,
        request: Request,
        db_session: DbSession,
        actor: CurrentActor,
        data: JSONBody[PasswordChange],
    ) -> None:
        await auth_service.change_password(db_session, actor, data, presented_token(request))
