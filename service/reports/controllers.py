"""HTTP: the report as JSON, as XLSX, and as a printable page (same auth and scope as the API)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from typing import Annotated
from urllib.parse import urlencode

import anyio
import msgspec
from litestar import Request, get, put
from litestar.params import FromPath, FromQuery, JSONBody
from litestar.response import Stream, Template

from service.audit import services as audit
from service.auth.actor import Role
from service.exports.controllers import download
from service.exports.formats import MEDIA_TYPES
from service.exports.services import Export
from service.http import limits
from service.http.deps import CurrentActor, DbSession
from service.reports import document, docx_writer, pdf_writer, services
from service.reports.narrative import ReportSection
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
    lang: FromQuery[str] = "vi",
) -> ReportOut:
    return await services.summary(db_session, actor, area, from_, to, form, _lang(lang))


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
    language = _lang(lang)
    report = await services.summary(db_session, actor, area, from_, to, form, language)
    can_edit = actor.is_admin or actor.role == Role.SUPERVISOR
    context = services.page_context(report, language, _period_query(from_, to), can_edit=can_edit)
    return Template(
        template_name="reports/summary.html.j2",
        context=context,
        headers={"Cache-Control": "no-store", "Content-Language": language},
    )


async def _one(content: bytes) -> AsyncIterator[bytes]:
    yield content


@get(
    ["/api/v1/reports/summary.docx", "/api/v1/reports/summary.pdf"],
    tags=["reports"],
    summary="The filed report (Decree 30 layout) as DOCX or PDF, with the officer's text (supervisors and above)",
)
async def report_document(
    request: Request,
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    form: FromQuery[str | None] = None,
    from_: FromDate = None,
    to: ToDate = None,
    lang: FromQuery[str] = "vi",
) -> Stream:
    language = _lang(lang)
    report = await services.summary(db_session, actor, area, from_, to, form, language)  # 404 outside the scope
    actor.require_role(Role.SUPERVISOR)
    fmt = request.url.path.rsplit(".", 1)[-1]
    audit.record(db_session, actor, f"export_report_{fmt}", "area", report.tally.area.code)
    doc = document.build(report, language)
    if fmt == "docx":
        content = await anyio.to_thread.run_sync(docx_writer.render, doc)
        media_type = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    else:
        content = await anyio.to_thread.run_sync(pdf_writer.render, doc, language)
        media_type = "application/pdf"
    name = f"bao-cao_{report.tally.area.code}_{report.generated_at.date().isoformat()}.{fmt}"
    return download(Export(name, media_type, _one(content)))


class NarrativeIn(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    section: Annotated[str, msgspec.Meta(max_length=30)]
    # Empty: back to the drafted text.
    text: Annotated[str, msgspec.Meta(max_length=8000)]


@put(
    "/api/v1/reports/narrative",
    tags=["reports"],
    summary="Keep the officer's text for one paragraph of an area's report for a period (supervisors and above)",
    request_max_body_size=limits.RECORD_BYTES,
)
async def save_narrative(
    db_session: DbSession,
    actor: CurrentActor,
    area: FromQuery[str],
    data: JSONBody[NarrativeIn],
    from_: FromDate = None,
    to: ToDate = None,
    lang: FromQuery[str] = "vi",
) -> ReportSection:
    return await services.save_narrative(db_session, actor, area, from_, to, data.section, data.text, _lang(lang))
