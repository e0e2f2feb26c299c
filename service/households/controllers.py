"""HTTP: households and the phones' incremental sync."""

from __future__ import annotations

import uuid

from litestar import Controller, Response, get, patch, post
from litestar.openapi.datastructures import ResponseSpec
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK, HTTP_201_CREATED

from service.households import edits, locations
from service.households import services as households_service
from service.households.locations import LocationProposalOut
from service.households.schemas import (
    HouseholdCreate,
    HouseholdMerge,
    HouseholdOut,
    HouseholdSyncPage,
    HouseholdUpdate,
    MergeResult,
)
from service.http import limits
from service.http.deps import CurrentActor, DbSession
from service.http.ids import PathId
from service.http.paging import Page, PageLimit


class HouseholdController(Controller):
    path = "/api/v1/households"
    request_max_body_size = limits.RECORD_BYTES
    tags = ("households",)

    @get("/", summary="Sync: households changed after `updated_since`, oldest change first, merged/moved included")
    async def list_households(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        area: FromQuery[str | None] = None,
        updated_since: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> HouseholdSyncPage:
        return await households_service.sync_households(
            db_session, actor, area=area, updated_since=updated_since, limit=limit
        )

    @get("/{household_id:uuid}", summary="One household (the view is recorded in the access log)")
    async def get_household(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        household_id: FromPath[uuid.UUID],
    ) -> HouseholdOut:
        return await households_service.get_household(db_session, actor, household_id)

    @post(
        "/",
        summary="Create a household with the phone's UUID: 201 new, 200 same again, 409 different",
        responses={
            200: ResponseSpec(
                HouseholdOut, generate_examples=False, description="The same household was already created with this id"
            )
        },
    )
    async def create_household(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        data: JSONBody[HouseholdCreate],
    ) -> Response[HouseholdOut]:
        body, created = await households_service.create_household(db_session, actor, data)
        return Response(body, status_code=HTTP_201_CREATED if created else HTTP_200_OK)

    @patch("/{household_id:uuid}", summary="Change a household; status `moved` when a temporary resident left")
    async def update_household(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        household_id: FromPath[uuid.UUID],
        data: JSONBody[HouseholdUpdate],
    ) -> HouseholdOut:
        return await edits.update_household(db_session, actor, household_id, data)

    @post(
        "/{household_id:uuid}/merge",
        status_code=HTTP_200_OK,
        summary="Merge this duplicate into `into` (supervisors, admins); its visits follow the survivor",
    )
    async def merge_household(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        household_id: FromPath[uuid.UUID],
        data: JSONBody[HouseholdMerge],
    ) -> MergeResult:
        return await edits.merge_households(db_session, actor, household_id, data)


class LocationProposalController(Controller):
    """Members' changes to a known household location, which supervisors confirm or reject (locations.py)."""

    path = "/api/v1/location-proposals"
    tags = ("households",)

    @get("/", summary="Location proposals, newest first: supervisors see their area's, members their own")
    async def list_proposals(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        status: FromQuery[str | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[LocationProposalOut]:
        return await locations.list_proposals(db_session, actor, status=status, cursor=cursor, limit=limit)

    @post(
        "/{proposal_id:int}/confirm",
        status_code=HTTP_200_OK,
        summary="Confirm: the household's location becomes the proposed one (supervisors, admins)",
    )
    async def confirm(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        proposal_id: PathId,
    ) -> LocationProposalOut:
        return await locations.decide(db_session, actor, _proposal_id(proposal_id), confirm=True)

    @post(
        "/{proposal_id:int}/reject",
        status_code=HTTP_200_OK,
        summary="Reject: the household keeps its confirmed location (supervisors, admins)",
    )
    async def reject(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        proposal_id: PathId,
    ) -> LocationProposalOut:
        return await locations.decide(db_session, actor, _proposal_id(proposal_id), confirm=False)


def _proposal_id(value: int) -> int:
    # Ids start at 1; anything below finds nothing (and must not reach the driver out of its range).
    return value if value >= 1 else 0
