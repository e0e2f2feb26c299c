"""HTTP: teams, members (all users) and their phones' device tokens."""

from __future__ import annotations

from litestar import Controller, Request, delete, get, patch, post
from litestar.params import FromQuery, JSONBody, RawBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED, HTTP_204_NO_CONTENT

from service.auth import devices as devices_service
from service.auth.actor import Role
from service.auth.authn import forget_recent_callers
from service.http import limits
from service.http.deps import AppSettings, CurrentActor, DbSession
from service.http.ids import PathId, QueryId
from service.http.openapi import TEXT_SCHEMA, raw_body_operation
from service.http.paging import Page, PageLimit
from service.http.public_url import public_base_url
from service.people import services as members_service
from service.people import teams as teams_service
from service.people.importer import import_members_csv
from service.people.schemas import (
    DeviceTokenCreate,
    DeviceTokenIssued,
    DeviceTokenOut,
    MemberCreate,
    MemberImportReport,
    MemberOut,
    MemberUpdate,
    TeamCreate,
    TeamOut,
    TeamUpdate,
)

CSV_MAX_BYTES = 5_000_000


class TeamController(Controller):
    path = "/api/v1/teams"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("teams",)

    @get("/", summary="Teams I can see (members: their own; supervisors: their subtree)")
    async def list_teams(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        area: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[TeamOut]:
        return await teams_service.list_teams(db_session, actor, area=area, cursor=cursor, limit=limit)

    @get("/{team_id:int}", summary="One team")
    async def get_team(self, db_session: DbSession, actor: CurrentActor, team_id: PathId) -> TeamOut:
        return await teams_service.get_team(db_session, actor, team_id)

    @post("/", status_code=HTTP_201_CREATED, summary="Create the team of a village (supervisors, admins)")
    async def create_team(self, db_session: DbSession, actor: CurrentActor, data: JSONBody[TeamCreate]) -> TeamOut:
        return await teams_service.create_team(db_session, actor, data)

    @patch("/{team_id:int}", summary="Rename a team (supervisors, admins)")
    async def update_team(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        team_id: PathId,
        data: JSONBody[TeamUpdate],
    ) -> TeamOut:
        return await teams_service.update_team(db_session, actor, team_id, data)

    @delete(
        "/{team_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Delete a team without members or visits (supervisors, admins)",
    )
    async def delete_team(self, db_session: DbSession, actor: CurrentActor, team_id: PathId) -> None:
        await teams_service.delete_team(db_session, actor, team_id)


CsvImportOperation = raw_body_operation("UTF-8 CSV with a header line.", {"text/csv": TEXT_SCHEMA})


class MemberController(Controller):
    # Deactivations, revocations, password changes: this worker's cached callers are read again.
    after_response = forget_recent_callers  # type: ignore[assignment]
    path = "/api/v1/members"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("members",)

    @get("/", summary="People I can see (members: themselves; leaders: their team; supervisors: subtree)")
    async def list_members(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        area: FromQuery[str | None] = None,
        team_id: QueryId = None,
        role: FromQuery[str | None] = None,
        include_inactive: FromQuery[bool] = False,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[MemberOut]:
        return await members_service.list_members(
            db_session,
            actor,
            area=area,
            team_id=team_id,
            role=role,
            include_inactive=include_inactive,
            cursor=cursor,
            limit=limit,
        )

    @get("/{user_id:int}", summary="One person (the view is recorded in the access log)")
    async def get_member(self, db_session: DbSession, actor: CurrentActor, user_id: PathId) -> MemberOut:
        return await members_service.get_member(db_session, actor, user_id)

    @post(
        "/",
        status_code=HTTP_201_CREATED,
        summary="Create a person (supervisors: members and leaders in their area; admins: anyone)",
    )
    async def create_member(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        data: JSONBody[MemberCreate],
    ) -> MemberOut:
        return await members_service.create_member(db_session, actor, data)

    @patch("/{user_id:int}", summary="Change a person: name, phone, role, village, smartphone, active, password")
    async def update_member(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        user_id: PathId,
        data: JSONBody[MemberUpdate],
    ) -> MemberOut:
        return await members_service.update_member(db_session, actor, user_id, data)

    @delete(
        "/{user_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Deactivate a person (kept for their visits); their tokens and sessions stop at once",
    )
    async def deactivate_member(self, db_session: DbSession, actor: CurrentActor, user_id: PathId) -> None:
        await members_service.deactivate_member(db_session, actor, user_id)

    @post(
        "/import",
        status_code=HTTP_200_OK,
        request_max_body_size=CSV_MAX_BYTES,
        operation_class=CsvImportOperation,
        summary="Bulk import from CSV (text/csv body): username, full_name, area_code[, role, phone, "
        "has_smartphone, password]",
    )
    async def import_members(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        body: RawBody,
    ) -> MemberImportReport:
        actor.require_role(Role.SUPERVISOR, Role.ADMIN)
        return await import_members_csv(db_session, actor, body)

    @get("/{user_id:int}/device-tokens", summary="A member's device tokens (never the tokens themselves)")
    async def list_device_tokens(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        user_id: PathId,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[DeviceTokenOut]:
        return await devices_service.list_device_tokens(db_session, actor, user_id, cursor, limit)

    @post(
        "/{user_id:int}/device-tokens",
        status_code=HTTP_201_CREATED,
        summary="Issue a phone token (leader of the team, supervisor, admin): the token and a QR code to scan",
    )
    async def issue_device_token(
        self,
        request: Request,
        db_session: DbSession,
        actor: CurrentActor,
        settings: AppSettings,
        user_id: PathId,
        data: JSONBody[DeviceTokenCreate | None] = None,
    ) -> DeviceTokenIssued:
        return await devices_service.issue_device_token(
            db_session, actor, user_id, data or DeviceTokenCreate(), public_base_url(request, settings)
        )

    @delete(
        "/{user_id:int}/device-tokens/{token_id:int}",
        status_code=HTTP_204_NO_CONTENT,
        summary="Revoke a phone token; it stops working on its next request",
    )
    async def revoke_device_token(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        user_id: PathId,
        token_id: PathId,
    ) -> None:
        await devices_service.revoke_device_token(db_session, actor, user_id, token_id)
