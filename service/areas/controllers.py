"""HTTP: the area tree."""

from __future__ import annotations

from litestar import Controller, get, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.areas import services as areas_service
from service.areas.schemas import AreaCreate, AreaOut
from service.http import limits
from service.http.deps import CurrentActor, DbSession
from service.http.paging import Page, PageLimit


class AreaController(Controller):
    path = "/api/v1/areas"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("areas",)

    @get("/", summary="Areas in my scope (filter by parent code or level); closed ones on request")
    async def list_areas(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        parent: FromQuery[str | None] = None,
        level: FromQuery[str | None] = None,
        include_closed: FromQuery[bool] = False,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[AreaOut]:
        return await areas_service.list_areas(
            db_session, actor, parent=parent, level=level, include_closed=include_closed, cursor=cursor, limit=limit
        )

    @get("/{code:str}", summary="One area by its code")
    async def get_area(self, db_session: DbSession, actor: CurrentActor, code: FromPath[str]) -> AreaOut:
        return await areas_service.get_area(db_session, actor, code)

    @post("/", status_code=HTTP_201_CREATED, summary="Create an area (admins)")
    async def create_area(self, db_session: DbSession, actor: CurrentActor, data: JSONBody[AreaCreate]) -> AreaOut:
        return await areas_service.create_area(db_session, actor, data)

    @post(
        "/{code:str}/close",
        status_code=HTTP_200_OK,
        summary="Close an area and everything under it (admins); closed areas are kept, never deleted",
    )
    async def close_area(self, db_session: DbSession, actor: CurrentActor, code: FromPath[str]) -> AreaOut:
        return await areas_service.close_area(db_session, actor, code)
