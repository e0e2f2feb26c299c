"""HTTP: bulk review for supervisors; the member's own visits with their feedback for phones."""

from __future__ import annotations

from datetime import datetime

from litestar import Controller, get, post
from litestar.params import FromQuery, JSONBody
from litestar.status_codes import HTTP_200_OK

from service.http.deps import CurrentActor, DbSession
from service.http.paging import Page, PageLimit
from service.reviews import services
from service.reviews.schemas import BulkReviewOut, BulkReviewRequest, MyVisit


class BulkReviewController(Controller):
    path = "/api/v1/visits/review"
    tags = ["visits"]  # noqa: RUF012 (Litestar reads a plain list)

    @post(
        "/",
        status_code=HTTP_200_OK,
        request_max_body_size=64_000,
        summary="Decide on several visits at once; each decision recorded on its own, failures reported per id",
    )
    async def review_many(
        self, db_session: DbSession, actor: CurrentActor, data: JSONBody[BulkReviewRequest]
    ) -> BulkReviewOut:
        return await services.decide_many(db_session, actor, data.ids, data.decision, data.comment)


class MyVisitsController(Controller):
    path = "/api/v1/me/visits"
    tags = ["auth"]  # noqa: RUF012

    @get("/", summary="My own visits with the latest review decision and comment, newest first")
    async def list_my_visits(
        self,
        db_session: DbSession,
        actor: CurrentActor,
        review_status: FromQuery[str | None] = None,
        since: FromQuery[datetime | None] = None,
        cursor: FromQuery[str | None] = None,
        limit: PageLimit = None,
    ) -> Page[MyVisit]:
        return await services.my_visits(
            db_session, actor, review_status=review_status, since=since, cursor=cursor, limit=limit
        )
