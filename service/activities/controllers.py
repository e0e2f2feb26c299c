"""HTTP: the team-activity log. Team leaders record from the phone (offline, exactly once by the phone's id);
supervisors record, correct, list and export from the pages and the API."""

from __future__ import annotations

import uuid
from typing import Any

from litestar import Controller, Request, Response, get, post, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.activities import catalog, export, services
from service.activities.schemas import ActivityEdit, ActivityIn, ActivityOut
from service.exports.controllers import download
from service.http import limits
from service.http.deps import CurrentActor, DbSession
from service.http.paging import Page, PageLimit
from service.tallies.controllers import FromDate, ToDate


class ActivityController(Controller):
    path = "/api/v1/activities"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("activities",)

    @post("/", summary="Record an activity (201); the same id and content again answers 200, other content 409")
    async def record_activity(
        self, db_session: DbSession, actor: CurrentActor, data: JSONBody[ActivityIn]
    ) -> Response[ActivityOut]:
        body, created = await services.record(db_session, actor, data)
        return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @get("/", summary="Activities in the caller's scope (filters: area, kind, from, to), newest first, paged")
    async def list_activities(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        area: FromQuery[str | None] = None,
        kind: FromQuery[str | None] = None,
        from_: FromDate = None,
        to: ToDate = None,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[ActivityOut]:
        return await services.list_activities(
            db_session, actor, area=area, kind=kind, start=from_, end=to, cursor=cursor, limit=limit
        )

    @get("/catalog", summary="The kinds, channels, beneficiaries and services, with their names (vi, en)")
    async def vocabulary(self, actor: CurrentActor) -> dict[str, Any]:
        return catalog.as_json()  # for signed-in callers, like every other route

    @get("/{activity_id:uuid}", summary="One activity")
    async def get_activity(
        self, db_session: DbSession, actor: CurrentActor, activity_id: FromPath[uuid.UUID]
    ) -> ActivityOut:
        return await services.get(db_session, actor, activity_id)

    @put("/{activity_id:uuid}", summary="Correct an activity (supervisors of its area, or the leader who recorded it)")
    async def edit_activity(
        self, db_session: DbSession, actor: CurrentActor, activity_id: FromPath[uuid.UUID], data: JSONBody[ActivityEdit]
    ) -> ActivityOut:
        return await services.edit(db_session, actor, activity_id, data)


@get("/api/v1/exports/activities.csv", tags=["exports"], summary="The activity log of an area as CSV, streamed")
async def export_activities(
    request: Request,
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    from_: FromDate = None,
    to: ToDate = None,
) -> Stream:
    prepared = await export.prepare_csv(db_session, request.app.state.engine, actor, area=area, start=from_, end=to)
    return download(prepared)
