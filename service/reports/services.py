"""The periodic report: the district report's tables, out of the tallies, as JSON, a printable page and XLSX."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from forms import Label
from forms.labels import text as label_text
from service import errors
from service.activities import catalog
from service.activities.summary import ActivitySummary, AreaActivities, summarize
from service.areas.services import area_in_scope
from service.auth.actor import Actor, Role
from service.common.clock import VIETNAM, local_now
from service.reports import charts, drafting, narrative
from service.reports.document import partner_name
from service.reports.narrative import ReportSection
from service.reports.numbers import number, percent
from service.reports.texts import DOC_TEXTS, TEXTS
from service.tallies import services as tallies
from service.tallies.schemas import AreaTally, TallyOut
from service.visits.flag_texts import flag_name

LANGUAGES = ("vi", "en")


class ReportOut(msgspec.Struct, kw_only=True):
    generated_at: datetime
    tally: TallyOut
    # The team-activity log rolled up (I.2), and every paragraph of the filed report: drafted from the figures,
    # or as the officer rewrote it (with who, when, and the figures changed since).
    activities: ActivitySummary
    sections: list[ReportSection]


async def summary(
    session: AsyncSession,
    actor: Actor,
    area: str,
    start: date | None,
    end: date | None,
    form_id: str | None = None,
    lang: str = "vi",
) -> ReportOut:
    computed = await tallies.compute(session, actor, area, form_id, start, end)
    tally = tallies.tally_out(computed)
    acts = await summarize(session, computed.tree, start, end)
    edits = await narrative.load(session, computed.tree.root.id, narrative.period_key(start, end))
    return ReportOut(
        generated_at=local_now(),
        tally=tally,
        activities=acts,
        sections=narrative.sections(drafting.drafts(tally, acts, lang), edits),
    )


async def save_narrative(
    session: AsyncSession,
    actor: Actor,
    area: str,
    start: date | None,
    end: date | None,
    section: str,
    text: str,
    lang: str = "vi",
) -> ReportSection:
    """Keep the officer's text for one paragraph of this area's report for this period (supervisors and above)."""
    if section not in drafting.SECTION_KEYS:
        raise errors.DomainError(errors.REPORT_UNKNOWN_SECTION)
    await area_in_scope(session, actor, area)  # 404 outside the caller's scope, before 403 for a field role
    actor.require_role(Role.SUPERVISOR)
    computed = await tallies.compute(session, actor, area, None, start, end)
    tally = tallies.tally_out(computed)
    acts = await summarize(session, computed.tree, start, end)
    draft = next(d for d in drafting.drafts(tally, acts, lang) if d.key == section)
    period = narrative.period_key(start, end)
    narrative.add_edit(session, computed.tree.root.id, period, draft, text.strip(), actor.user_id)
    await session.flush()
    edits = await narrative.load(session, computed.tree.root.id, period)
    return narrative.sections([draft], edits)[0]


def page_context(report: ReportOut, lang: str, query: str, *, can_edit: bool = False) -> dict[str, Any]:
    from service.reports import document

    tally = report.tally
    t = TEXTS[lang]
    area = tally.area
    coverage_rows = [(child.name, child.households.coverage) for child in tally.children]
    level_rows = [(label_text(level.name, lang) or t["unscored"], level.households) for level in area.levels]
    return {
        "t": t,
        "lang": lang,
        "other_lang": "en" if lang == "vi" else "vi",
        "report": report,
        "tally": tally,
        "area": area,
        "children": tally.children,
        "query": query,
        "label": (lambda label: label_text(label, lang) or ""),
        "n": (lambda value: number(value, lang)),
        "pct": (lambda value: percent(value, lang)),
        "flag_name": (lambda code: flag_name(code, lang)),
        "coverage_chart": charts.coverage_bars(coverage_rows, title=t["chart_coverage"]) if coverage_rows else None,
        "level_chart": charts.level_distribution(level_rows, title=t["chart_levels"]) if area.assessed else None,
        "generated": report.generated_at.strftime("%d/%m/%Y %H:%M"),
        "doc": document.build(report, lang),
        "can_edit": can_edit,
        "local_time": (lambda moment: moment.astimezone(VIETNAM).strftime("%d/%m/%Y %H:%M")),
    }


def _row(entry: AreaTally) -> list[Any]:
    return [
        entry.code,
        entry.name,
        entry.teams,
        entry.members,
        entry.active_members,
        entry.households.total,
        entry.households.visited,
        entry.households.coverage,
    ]


async def xlsx(report: ReportOut, lang: str) -> AsyncIterator[bytes]:
    """The report's tables, one sheet each, as the page shows them."""
    from service.exports.formats import xlsx_sheets

    t = TEXTS[lang]
    tally = report.tally
    area = tally.area

    def label(value: Label) -> str:
        return label_text(value, lang) or ""

    coverage = [
        t["col_code"],
        t["col_area"],
        t["col_teams"],
        t["col_members"],
        t["col_active"],
        t["col_households"],
        t["col_visited"],
        t["col_coverage"],
    ]
    sheets = [
        (t["sheet_coverage"], coverage, [_row(child) for child in tally.children] + [_row(area)]),
        (
            t["sheet_levels"],
            [t["col_level"], t["col_name"], t["col_households"], t["col_share"]],
            [
                [level.value, label(level.name) if level.name else t["unscored"], level.households, level.share]
                for level in area.levels
            ],
        ),
        (
            t["sheet_indicators"],
            [t["col_indicator"], t["col_numerator"], t["col_denominator"], t["col_rate"]],
            [[label(item.label), item.numerator, item.denominator, item.rate] for item in area.indicators],
        ),
        (
            t["sheet_hard"],
            [t["col_group"], t["col_households"], t["col_visited"], t["col_coverage"]],
            [
                [
                    t["elderly_only"],
                    area.hard_to_reach.elderly_only.total,
                    area.hard_to_reach.elderly_only.visited,
                    area.hard_to_reach.elderly_only.coverage,
                ],
                [
                    t["temporary"],
                    area.hard_to_reach.temporary_resident.total,
                    area.hard_to_reach.temporary_resident.visited,
                    area.hard_to_reach.temporary_resident.coverage,
                ],
                [t["no_smartphone"], area.hard_to_reach.no_smartphone_households, None, None],
            ],
        ),
        (
            t["sheet_flags"],
            [t["col_flag"], t["col_count"]],
            [[flag_name(code, lang), count] for code, count in area.open_flags.items()],
        ),
        *_activity_sheets(report.activities, lang),
    ]
    async for data in xlsx_sheets(sheets):
        yield data


# The activity log's columns in the workbook: AreaActivities' figures in the order the filed report gives them.
_ACTIVITY_COLUMNS = (
    ("trainings", "col_trainings"),
    ("training_attendees", "col_attendees"),
    ("conferences", "col_conferences"),
    ("guidance_sessions", "col_guidance"),
    ("zalo_groups", "col_zalo"),
    ("broadcasts", "col_broadcasts"),
    ("posts", "col_posts"),
    ("wifi_points", "col_wifi"),
    ("ecommerce_households", "col_ecom_households"),
    ("ecommerce_businesses", "col_ecom_businesses"),
    ("one_stop_sessions", "col_one_stop"),
    ("people_helped", "col_people"),
)


def _activity_sheets(acts: ActivitySummary, lang: str) -> list[tuple[str, list[str], list[list[Any]]]]:
    """Section I.2 as the DOCX and PDF give it: per child area with the area's own total, then per partner,
    platform and service (each sheet is there, with its column titles, even when nothing was logged)."""
    t, d = TEXTS[lang], DOC_TEXTS[lang]
    figures = [d[title] for _, title in _ACTIVITY_COLUMNS]

    def row(area: AreaActivities) -> list[Any]:
        return [area.code, area.name, *(getattr(area, field) for field, _ in _ACTIVITY_COLUMNS)]

    return [
        (d["sheet_activities"], [t["col_code"], t["col_area"], *figures], [*map(row, acts.children), row(acts.area)]),
        (
            d["sheet_partners"],
            [d["col_partner"], d["col_trainings"], d["col_attendees"]],
            [[partner_name(p.partner, lang), p.trainings, p.attendees] for p in acts.by_partner],
        ),
        (
            d["sheet_platforms"],
            [d["col_platform"], d["col_ecom_households"], d["col_ecom_businesses"]],
            [[p.platform, p.households, p.businesses] for p in acts.by_platform],
        ),
        (
            d["sheet_services"],
            [d["col_service"], d["col_people"]],
            [[catalog.name(catalog.SERVICES, s.service, lang), s.people] for s in acts.by_service],
        ),
    ]
