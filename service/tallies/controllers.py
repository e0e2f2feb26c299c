"""HTTP: tallies of an area and each of its children."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from litestar import get
from litestar.params import FromQuery, QueryParameter

from service.http.deps import CurrentActor, DbSession
from service.tallies import services
from service.tallies.schemas import TallyOut

FromDate = Annotated[date | None, QueryParameter(name="from", description="first local date, inclusive")]
ToDate = Annotated[date | None, QueryParameter(name="to", description="last local date, inclusive")]


@get(
    "/api/v1/tallies",
    tags=["tallies"],
    summary="An area and each of its children: coverage, levels, indicator rates, visits, teams, flags",
)
async def get_tallies(
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    form: FromQuery[str | None] = None,
    from_: FromDate = None,
    to: ToDate = None,
) -> TallyOut:
    return await services.get_tally(db_session, actor, area, form, from_, to)
