"""The filed report as one document model: the administrative head and foot of Decree 30/2020/NĐ-CP, and the
body as headings, paragraphs and tables. The page, the DOCX and the PDF are each drawn from this model, so the
three say the same thing in the same order."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from forms.labels import text as label_text
from service.activities import catalog
from service.activities.summary import NO_PARTNER
from service.reports.drafting import in_sentence
from service.reports.narrative import ReportSection
from service.reports.numbers import number, percent
from service.reports.texts import DOC_TEXTS, TEXTS
from service.visits.flag_texts import flag_name


@dataclass
class Heading:
    level: int  # 1: I., 2: 1., 3: a)
    text: str


@dataclass
class Paragraph:
    section: ReportSection
    placeholder: str = ""  # shown when the section has no text yet (III)


@dataclass
class Table:
    id: str
    columns: list[str]
    rows: list[list[str]]
    total: list[str] | None = None
    text_columns: tuple[int, ...] = (0,)  # the other columns are figures, right-aligned


@dataclass
class Chart:
    id: str  # drawn on the page only (service/reports/charts.py)


Block = Heading | Paragraph | Table | Chart


@dataclass
class Head:
    committee: str
    issuer: str
    motto_1: str
    motto_2: str
    number: ReportSection
    place: ReportSection
    date_line: str
    title: str
    subtitle: str
    period: str
    recipients_title: str
    recipients: ReportSection
    signer: ReportSection
    signer_name: str
    closing: str


@dataclass
class Document:
    head: Head
    blocks: list[Block] = field(default_factory=list)


def _month(month: int, lang: str) -> str:
    """Decree 30/2020: days below 10 and the months January and February take a leading zero, other months not."""
    return f"{month:02d}" if lang != "vi" or month <= 2 else str(month)


def _period(tally_period: object, lang: str) -> str:
    start = getattr(tally_period, "from_", None)
    end = getattr(tally_period, "to", None)
    if start is None and end is None:
        return DOC_TEXTS[lang]["all_time"]
    t = TEXTS[lang]
    parts = []
    if start is not None:
        parts.append(f"{t['from']} {start.strftime('%d/%m/%Y')}")
    if end is not None:
        parts.append(f"{t['to']} {end.strftime('%d/%m/%Y')}")
    return " ".join(parts)


def partner_name(partner: str, lang: str) -> str:
    """A partner organisation as the report's tables name it (a training logged without one says so)."""
    return DOC_TEXTS[lang]["no_partner"] if partner == NO_PARTNER else partner


def build(report: object, lang: str) -> Document:
    """`report` is a ReportOut (typed loosely here: reports.services imports this module)."""
    from service.reports.services import ReportOut

    assert isinstance(report, ReportOut)
    d, t = DOC_TEXTS[lang], TEXTS[lang]
    tally, acts = report.tally, report.activities
    area = tally.area
    by_key = {s.key: s for s in report.sections}

    def n(value: float | None) -> str:
        return number(value, lang)

    def pct(value: float | None) -> str:
        return percent(value, lang)

    when: datetime = report.generated_at
    place = by_key["place"].text
    head = Head(
        committee=d["committee"],
        issuer=area.name.upper(),
        motto_1=d["motto_1"],
        motto_2=d["motto_2"],
        number=by_key["number"],
        place=by_key["place"],
        date_line=d["date"].format(place=place, d=f"{when.day:02d}", m=_month(when.month, lang), y=when.year),
        title=d["title"],
        subtitle=d["subtitle"],
        period=d["period"].format(period=_period(tally.period, lang)),
        recipients_title=d["recipients"],
        recipients=by_key["recipients"],
        signer=by_key["signer"],
        signer_name=d["signer_name"],
        closing=d["closing"].format(area=in_sentence(area.name)),
    )
    doc = Document(head=head)
    add = doc.blocks.append
    add(Paragraph(by_key["opening"]))
    add(Heading(1, d["I"]))
    add(Heading(2, d["I.1"]))
    add(Paragraph(by_key["I.1"]))
    if tally.children:
        add(
            Table(
                "teams",
                [t["col_area"], t["col_teams"], t["col_members"], t["col_active"]],
                [[c.name, n(c.teams), n(c.members), n(c.active_members)] for c in tally.children],
                [t["total"], n(area.teams), n(area.members), n(area.active_members)],
            )
        )
    add(Heading(2, d["I.2"]))
    add(Heading(3, d["I.2.a"]))
    add(Paragraph(by_key["I.2.a"]))
    if acts.by_partner:
        add(
            Table(
                "partners",
                [d["col_partner"], d["col_trainings"], d["col_attendees"]],
                [[partner_name(p.partner, lang), n(p.trainings), n(p.attendees)] for p in acts.by_partner],
            )
        )
    a = acts.area
    if acts.children:
        add(
            Table(
                "training-by-area",
                [
                    t["col_area"],
                    d["col_trainings"],
                    d["col_attendees"],
                    d["col_conferences"],
                    d["col_guidance"],
                    d["col_zalo"],
                    d["col_broadcasts"],
                    d["col_posts"],
                ],
                [
                    [
                        c.name,
                        n(c.trainings),
                        n(c.training_attendees),
                        n(c.conferences),
                        n(c.guidance_sessions),
                        n(c.zalo_groups),
                        n(c.broadcasts),
                        n(c.posts),
                    ]
                    for c in acts.children
                ],
                [
                    t["total"],
                    n(a.trainings),
                    n(a.training_attendees),
                    n(a.conferences),
                    n(a.guidance_sessions),
                    n(a.zalo_groups),
                    n(a.broadcasts),
                    n(a.posts),
                ],
            )
        )
    add(Heading(3, d["I.2.b"]))
    add(Paragraph(by_key["I.2.b"]))
    if acts.children:
        add(
            Table(
                "support-by-area",
                [t["col_area"], d["col_wifi"], d["col_ecom_households"], d["col_ecom_businesses"]],
                [
                    [c.name, n(c.wifi_points), n(c.ecommerce_households), n(c.ecommerce_businesses)]
                    for c in acts.children
                ],
                [t["total"], n(a.wifi_points), n(a.ecommerce_households), n(a.ecommerce_businesses)],
            )
        )
    if acts.by_platform:
        add(
            Table(
                "platforms",
                [d["col_platform"], d["col_ecom_households"], d["col_ecom_businesses"]],
                [[p.platform, n(p.households), n(p.businesses)] for p in acts.by_platform],
            )
        )
    add(Heading(3, d["I.2.c"]))
    add(Paragraph(by_key["I.2.c"]))
    if tally.children:
        add(
            Table(
                "coverage",
                [
                    t["col_area"],
                    t["col_teams"],
                    t["col_members"],
                    t["col_active"],
                    t["col_households"],
                    t["col_visited"],
                    t["col_coverage"],
                ],
                [
                    [
                        c.name,
                        n(c.teams),
                        n(c.members),
                        n(c.active_members),
                        n(c.households.total),
                        n(c.households.visited),
                        pct(c.households.coverage),
                    ]
                    for c in tally.children
                ],
                [
                    t["total"],
                    n(area.teams),
                    n(area.members),
                    n(area.active_members),
                    n(area.households.total),
                    n(area.households.visited),
                    pct(area.households.coverage),
                ],
            )
        )
        add(Chart("coverage-chart"))
    if acts.by_service:
        add(
            Table(
                "services",
                [d["col_service"], d["col_people"]],
                [[catalog.name(catalog.SERVICES, s.service, lang), n(s.people)] for s in acts.by_service],
                [t["total"], n(a.people_helped)],
            )
        )
    add(
        Table(
            "levels",
            [t["col_level"], t["col_name"], t["col_households"], t["col_share"]],
            [
                [
                    "–" if level.value is None else str(level.value),
                    (label_text(level.name, lang) or "") if level.name else t["unscored"],
                    n(level.households),
                    pct(level.share),
                ]
                for level in area.levels
            ],
            ["", f"{t['total']} ({t['assessed']})", n(area.assessed), ""],
            text_columns=(1,),
        )
    )
    if area.assessed:
        add(Chart("level-chart"))
    if area.indicators:
        add(
            Table(
                "indicators",
                [t["col_indicator"], t["col_numerator"], t["col_denominator"], t["col_rate"]],
                [
                    [label_text(item.label, lang) or item.name, n(item.numerator), n(item.denominator), pct(item.rate)]
                    for item in area.indicators
                ],
            )
        )
    add(Heading(1, d["II"]))
    add(Heading(2, d["II.1"]))
    add(Paragraph(by_key["II.1"]))
    add(Heading(2, d["II.2"]))
    add(Paragraph(by_key["II.2"]))
    hard = area.hard_to_reach
    add(
        Table(
            "hard-to-reach",
            [t["col_group"], t["col_households"], t["col_visited"], t["col_coverage"]],
            [
                [
                    t["elderly_only"],
                    n(hard.elderly_only.total),
                    n(hard.elderly_only.visited),
                    pct(hard.elderly_only.coverage),
                ],
                [
                    t["temporary"],
                    n(hard.temporary_resident.total),
                    n(hard.temporary_resident.visited),
                    pct(hard.temporary_resident.coverage),
                ],
                [t["no_smartphone"], n(hard.no_smartphone_households), "", ""],
                [t["members_no_phone"], n(hard.members_without_smartphone), "", ""],
            ],
        )
    )
    if area.open_flags:
        add(
            Table(
                "flags",
                [t["col_flag"], t["col_count"]],
                [[flag_name(code, lang), n(count)] for code, count in area.open_flags.items()],
            )
        )
    add(Heading(1, d["III"]))
    add(Paragraph(by_key["III"], placeholder=d["III_empty"]))
    return doc
