"""HTTP: households and the phones' incremental sync."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, patch, post
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.http import limits
from service.households import services as households_service
from service.households.schemas import (
    HouseholdCreate, HouseholdMerge, HouseholdOut, HouseholdSyncPage, HouseholdUpdate, MergeResult,
)
from service.http.deps import CurrentActor, DbSession


class HouseholdController(Controller):
    path = "/api/v1/households"
    request_max_body_size = limits.RECORD_BYTES
    tags = ["households"]

    @get("/", summary="Sync: households changed after `updated_since`, oldest change first, merged/moved included")
    async def list_households(
        self, db_session: DbSession, actor: CurrentActor, area: FromQuery[str | None] = None,
        updated_since: FromQuery[str | None] = None, limit: FromQuery[int | None] = None,
    ) -> HouseholdSyncPage:
        return await households_service.sync_households(db_session, actor, area=area, updated_since=updated_since,
                                                        limit=limit)

    @get("/{household_id:uuid}", summary="One household (the view is recorded in the access log)")
    async def get_household(
        self, db_session: DbSession, actor: CurrentActor, household_id: FromPath[uuid.UUID],
    ) -> HouseholdOut:
        return await households_service.get_household(db_session, actor, household_id)

    @post("/", summary="Create a household with the phone's UUID: 201 new, 200 same again, 409 different")
    async def create_household(
        self, db_session: DbSession, actor: CurrentActor, data: JSONBody[HouseholdCreate],
    ) -> Response[HouseholdOut]:
        body, created = await households_service.create_household(db_session, actor, data)
        return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @patch("/{household_id:uuid}", summary="Change a household; status `moved` when a temporary resident left")
    async def update_household(
        self, db_session: DbSession, actor: CurrentActor, household_id: FromPath[uuid.UUID],
        data: JSONBody[HouseholdUpdate],
    ) -> HouseholdOut:
        return await households_service.update_household(db_session, actor, household_id, data)

    @post("/{household_id:uuid}/merge", status_code=HTTP_200_OK,
          summary="Merge this duplicate into `into` (supervisors, admins); its visits follow the survivor")
    async def merge_household(
        self, db_session: DbSession, actor: CurrentActor, household_id: FromPath[uuid.UUID],
        data: JSONBody[HouseholdMerge],
    ) -> MergeResult:
        return await households_service.merge_households(db_session, actor, household_id, data)
