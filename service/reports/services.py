"""The periodic report: the district report's tables, out of the tallies, as JSON, a printable page and XLSX."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime
from typing import Any

import msgspec
from sqlalchemy.ext.asyncio import AsyncSession

from forms import Label
from forms.labels import text as label_text
from service.auth.actor import Actor
from service.common.clock import local_now
from service.reports import charts
from service.reports.texts import TEXTS
from service.tallies import services as tallies
from service.tallies.schemas import AreaTally, TallyOut
from service.visits.flag_texts import flag_name

LANGUAGES = ("vi", "en")


class ReportOut(msgspec.Struct, kw_only=True):
    generated_at: datetime
    tally: TallyOut


async def summary(
    session: AsyncSession, actor: Actor, area: str, start: date | None, end: date | None, form_id: str | None = None
) -> ReportOut:
    tally = await tallies.get_tally(session, actor, area, form_id, start, end)
    return ReportOut(generated_at=local_now(), tally=tally)


def number(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value:,}" if isinstance(value, int) else f"{value:,.1f}"
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".") if lang == "vi" else text


def percent(value: float | None, lang: str) -> str:
    if value is None:
        return "–"
    text = f"{value * 100:.1f}%"
    return text.replace(".", ",") if lang == "vi" else text


def page_context(report: ReportOut, lang: str, query: str) -> dict[str, Any]:
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
    ]
    async for data in xlsx_sheets(sheets):
        yield data
