"""HTTP: streamed exports. The format is the path's suffix (households.csv, households.xlsx, ...)."""

from __future__ import annotations

from urllib.parse import quote

from litestar import Request, get
from litestar.params import FromQuery
from litestar.response import Stream

from service.exports import services
from service.exports.services import Export
from service.http.deps import CurrentActor, DbSession


def download(export: Export) -> Stream:
    """A streamed file to save: its name in Content-Disposition (plain and UTF-8, for Vietnamese), never cached."""
    disposition = f"attachment; filename=\"{export.filename}\"; filename*=UTF-8''{quote(export.filename)}"
    return Stream(
        export.body,
        media_type=export.media_type,
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


def _suffix(request: Request) -> str:
    return request.url.path.rsplit(".", 1)[-1]


@get(
    ["/api/v1/exports/households.csv", "/api/v1/exports/households.xlsx", "/api/v1/exports/households.geojson"],
    tags=["exports"],
    summary="Household coverage list of an area (supervisors and above), streamed",
)
async def export_households(
    request: Request,
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    visited: FromQuery[str] = "all",
    form: FromQuery[str | None] = None,
) -> Stream:
    export = await services.prepare_households(
        db_session, request.app.state.engine, actor, area=area, fmt=_suffix(request), visited=visited, form_id=form
    )
    return download(export)


@get(
    ["/api/v1/exports/visits.csv", "/api/v1/exports/visits.xlsx"],
    tags=["exports"],
    summary="Visits of an area, one column per question (labels vi|en|codes), streamed",
)
async def export_visits(
    request: Request,
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    labels: FromQuery[str] = "vi",
    form: FromQuery[str | None] = None,
) -> Stream:
    export = await services.prepare_visits(
        db_session, request.app.state.engine, actor, area=area, fmt=_suffix(request), labels=labels, form_id=form
    )
    return download(export)
