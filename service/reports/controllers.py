"""HTTP: the report as JSON, as XLSX, and as a printable page (same auth and scope as the API)."""

from __future__ import annotations

from datetime import date
from urllib.parse import urlencode

from litestar import get
from litestar.params import FromPath, FromQuery
from litestar.response import Stream, Template

from service.exports.controllers import download
from service.exports.formats import MEDIA_TYPES
from service.exports.services import Export
from service.http.deps import CurrentActor, DbSession
from service.reports import services
from service.reports.services import ReportOut
from service.tallies.controllers import FromDate, ToDate


def _lang(lang: str) -> str:
    return lang if lang in services.LANGUAGES else "vi"


def _period_query(start: date | None, end: date | None) -> str:
    return urlencode({k: v.isoformat() for k, v in (("from", start), ("to", end)) if v is not None})


@get("/api/v1/reports/summary", tags=["reports"], summary="The periodic report of an area, as JSON")
async def report_summary(
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    form: FromQuery[str | None] = None,
    from_: FromDate = None,
    to: ToDate = None,
) -> ReportOut:
    return await services.summary(db_session, actor, area, from_, to, form)


@get("/api/v1/reports/summary.xlsx", tags=["reports"], summary="The periodic report's tables as XLSX")
async def report_xlsx(
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    form: FromQuery[str | None] = None,
    from_: FromDate = None,
    to: ToDate = None,
    lang: FromQuery[str] = "vi",
) -> Stream:
    report = await services.summary(db_session, actor, area, from_, to, form)
    name = f"bao-cao_{report.tally.area.code}_{report.generated_at.date().isoformat()}.xlsx"
    return download(Export(name, MEDIA_TYPES["xlsx"], services.xlsx(report, _lang(lang))))


@get("/reports/{area:str}", include_in_schema=False)
async def report_page(
    db_session: DbSession,
    actor: CurrentActor,
    area: FromPath[str],
    form: FromQuery[str | None] = None,
    from_: FromDate = None,
    to: ToDate = None,
    lang: FromQuery[str] = "vi",
) -> Template:
    report = await services.summary(db_session, actor, area, from_, to, form)
    language = _lang(lang)
    context = services.page_context(report, language, _period_query(from_, to))
    return Template(
        template_name="reports/summary.html.j2",
        context=context,
        headers={"Cache-Control": "no-store", "Content-Language": language},
    )
