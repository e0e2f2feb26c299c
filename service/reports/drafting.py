"""The report's paragraphs drafted from the data, each with the figures it states.

A paragraph names its figures (name, label, value, the value as written), so a paragraph an officer rewrote can
be compared with today's figures, and the tests can find every figure of the JSON in the DOCX and the PDF.
Section keys follow the district report: I.1, I.2.a–c, II.1, II.2, III, plus the document's own lines (opening,
number, place, recipients, signer).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import msgspec

from service.activities import catalog
from service.activities.summary import NO_PARTNER, ActivitySummary
from service.reports.numbers import number, percent
from service.tallies.schemas import TallyOut


class Figure(msgspec.Struct, kw_only=True):
    name: str
    label: str
    value: float | None
    text: str  # as the paragraph writes it


@dataclass
class Draft:
    key: str
    part: str  # "head": the document's lines; "body": the report's paragraphs
    text: str
    figures: list[Figure] = field(default_factory=list)


BODY_KEYS = ("opening", "I.1", "I.2.a", "I.2.b", "I.2.c", "II.1", "II.2", "III")
HEAD_KEYS = ("number", "place", "recipients", "signer")
SECTION_KEYS = HEAD_KEYS + BODY_KEYS
LEVEL_PREFIXES = ("Thành phố ", "Thị trấn ", "Thị xã ", "Huyện ", "Phường ", "Tỉnh ", "Quận ", "Xã ")


def short_name(area_name: str) -> str:
    """'Huyện Thọ Xuân' → 'Thọ Xuân' (the place line of a document names the place without its level)."""
    for prefix in LEVEL_PREFIXES:
        if area_name.startswith(prefix):
            return area_name[len(prefix) :]
    return area_name


def in_sentence(area_name: str) -> str:
    """'Xã Xuân Lập' inside a sentence is 'xã Xuân Lập' (the level is a common noun; the name keeps its capitals)."""
    for prefix in LEVEL_PREFIXES:
        if area_name.startswith(prefix):
            return prefix.lower() + area_name[len(prefix) :]
    return area_name


class _Writer:
    """Collects the figures of one paragraph while its sentence is written."""

    def __init__(self, lang: str) -> None:
        self.lang = lang
        self.figures: list[Figure] = []

    def n(self, name: str, label: str, value: int | None) -> str:
        text = number(value, self.lang)
        self.figures.append(Figure(name=name, label=label, value=value, text=text))
        return text

    def pct(self, name: str, label: str, value: float | None) -> str:
        text = percent(value, self.lang)
        self.figures.append(Figure(name=name, label=label, value=None if value is None else round(value, 4), text=text))
        return text


def _email_gap(tally: TallyOut) -> tuple[int, int] | None:
    """(households assessed without an email address, households assessed) from the form's email indicator."""
    for item in tally.area.indicators:
        if item.name == "email":
            return item.denominator - item.numerator, item.denominator
    return None


def drafts(tally: TallyOut, acts: ActivitySummary, lang: str) -> list[Draft]:  # one paragraph after another
    vi = lang == "vi"
    area = tally.area
    a = acts.area
    out: list[Draft] = []
    name = area.name
    out.append(Draft("number", "head", "Số:      /BC-UBND" if vi else "No.:      /BC-UBND"))
    out.append(Draft("place", "head", short_name(name)))
    recipients = (
        "- Cấp trên trực tiếp (b/c);\n- Chủ tịch, các Phó Chủ tịch UBND;\n- Các Tổ công nghệ số cộng đồng;\n- Lưu: VT."
        if vi
        else "- The authority above (for its information);\n- The chair and vice-chairs;\n- The teams;\n- Archive."
    )
    out.append(Draft("recipients", "head", recipients))
    out.append(Draft("signer", "head", "TM. ỦY BAN NHÂN DÂN\nCHỦ TỊCH" if vi else "FOR THE PEOPLE'S COMMITTEE\nCHAIR"))
    out.append(
        Draft(
            "opening",
            "body",
            f"Ủy ban nhân dân {in_sentence(name)} báo cáo tình hình hoạt động của Tổ công nghệ số cộng đồng như sau:"
            if vi
            else f"The People's Committee of {name} reports on the Community Digital Technology Teams as follows:",
        )
    )

    w = _Writer(lang)
    if vi:
        text = (
            f"Trên địa bàn đã thành lập {w.n('teams', 'Số tổ', area.teams)} Tổ công nghệ số cộng đồng với "
            f"{w.n('members', 'Số thành viên', area.members)} thành viên; trong kỳ có "
            f"{w.n('active_members', 'Thành viên đã đi hướng dẫn', area.active_members)} thành viên trực tiếp đến "
            "hộ gia đình hướng dẫn người dân."
        )
    else:
        text = (
            f"The area has {w.n('teams', 'Teams', area.teams)} Community Digital Technology Teams with "
            f"{w.n('members', 'Members', area.members)} members; "
            f"{w.n('active_members', 'Active members', area.active_members)} of them went to households in the period "
            "to guide residents in person."
        )
    out.append(Draft("I.1", "body", text, w.figures))

    w = _Writer(lang)
    partners = [
        f"{p.partner} ({w.n('partner:' + p.partner, p.partner, p.trainings)} {'lớp' if vi else 'classes'})"
        for p in acts.by_partner
        if p.partner != NO_PARTNER
    ]
    if vi:
        text = (
            f"Các Tổ CNSCĐ đã phối hợp tổ chức {w.n('trainings', 'Lớp tập huấn', a.trainings)} lớp tập huấn, bồi dưỡng "
            f"với {w.n('training_attendees', 'Lượt người dự tập huấn', a.training_attendees)} lượt người tham dự"
            + (f", phối hợp với: {'; '.join(partners)}" if partners else "")
            + f". Tổ chức {w.n('conferences', 'Hội nghị', a.conferences)} hội nghị và "
            f"{w.n('guidance_sessions', 'Buổi hướng dẫn', a.guidance_sessions)} buổi hướng dẫn tại cơ sở. "
            f"Về truyền thông: {w.n('zalo_groups', 'Nhóm Zalo', a.zalo_groups)} nhóm Zalo được thành lập, "
            f"{w.n('broadcasts', 'Lượt phát loa truyền thanh', a.broadcasts)} lượt phát trên loa truyền thanh, "
            f"{w.n('posts', 'Tin, bài', a.posts)} tin, bài."
        )
    else:
        text = (
            f"The teams held {w.n('trainings', 'Training classes', a.trainings)} training classes with "
            f"{w.n('training_attendees', 'Attendances', a.training_attendees)} attendances"
            + (f", with: {'; '.join(partners)}" if partners else "")
            + f"; {w.n('conferences', 'Conferences', a.conferences)} conferences and "
            f"{w.n('guidance_sessions', 'Guidance sessions', a.guidance_sessions)} guidance sessions. "
            f"Communication: {w.n('zalo_groups', 'Zalo groups', a.zalo_groups)} Zalo groups created, "
            f"{w.n('broadcasts', 'Loudspeaker broadcasts', a.broadcasts)} loudspeaker broadcasts, "
            f"{w.n('posts', 'Posts', a.posts)} posts."
        )
    out.append(Draft("I.2.a", "body", text, w.figures))

    w = _Writer(lang)
    platforms = [
        f"{p.platform}: {w.n('platform:' + p.platform, p.platform, p.households + p.businesses)}"
        for p in acts.by_platform
    ]
    if vi:
        text = (
            f"Trên địa bàn có {w.n('wifi_points', 'Điểm wifi công cộng', a.wifi_points)} điểm phát wifi miễn phí "
            "tại nhà văn hóa và nơi công cộng phục vụ người dân truy cập internet. Các tổ đã hỗ trợ "
            f"{w.n('ecommerce_households', 'Hộ lên sàn TMĐT', a.ecommerce_households)} hộ gia đình và "
            f"{w.n('ecommerce_businesses', 'Doanh nghiệp, HTX lên sàn TMĐT', a.ecommerce_businesses)} doanh nghiệp, "
            "hợp tác xã đưa sản phẩm lên sàn thương mại điện tử"
            + (f" ({'; '.join(platforms)})" if platforms else "")
            + "."
        )
    else:
        text = (
            f"The area has {w.n('wifi_points', 'Public wifi points', a.wifi_points)} free wifi points at cultural "
            "houses and public places, for residents to reach the internet. "
            f"The teams put {w.n('ecommerce_households', 'Households onboarded', a.ecommerce_households)} households "
            f"and {w.n('ecommerce_businesses', 'Businesses onboarded', a.ecommerce_businesses)} businesses on "
            "e-commerce platforms" + (f" ({'; '.join(platforms)})" if platforms else "") + "."
        )
    out.append(Draft("I.2.b", "body", text, w.figures))

    w = _Writer(lang)
    services = [
        f"{catalog.name(catalog.SERVICES, s.service, lang)}: "
        f"{w.n('service:' + s.service, catalog.name(catalog.SERVICES, s.service, lang), s.people)}"
        for s in acts.by_service
    ]
    households = area.households
    if vi:
        text = (
            f"Các tổ đã đến {w.n('visited', 'Hộ đã đến', households.visited)}/"
            f"{w.n('households', 'Số hộ', households.total)} hộ gia đình (đạt "
            f"{w.pct('coverage', 'Tỷ lệ bao phủ', households.coverage)}) với "
            f"{w.n('visits', 'Lượt thăm hộ', area.visits.total)} lượt thăm hộ, hướng dẫn người dân sử dụng dịch vụ "
            "công trực tuyến, định danh điện tử VNeID, thanh toán không dùng tiền mặt, sổ sức khỏe điện tử. "
            "Tại bộ phận một cửa, các tổ đã tổ chức "
            f"{w.n('one_stop_sessions', 'Buổi hỗ trợ tại một cửa', a.one_stop_sessions)} buổi hỗ trợ với "
            f"{w.n('people_helped', 'Lượt người được hỗ trợ', a.people_helped)} lượt người được hướng dẫn"
            + (f" ({'; '.join(services)})" if services else "")
            + "."
        )
    else:
        text = (
            f"The teams reached {w.n('visited', 'Households visited', households.visited)}/"
            f"{w.n('households', 'Households', households.total)} households "
            f"({w.pct('coverage', 'Coverage', households.coverage)}) in "
            f"{w.n('visits', 'Visits', area.visits.total)} visits, guiding residents through online public services, "
            "the VNeID electronic identity, cashless payment and the electronic health book. At the commune's "
            "one-stop office they held "
            f"{w.n('one_stop_sessions', 'One-stop help sessions', a.one_stop_sessions)} help sessions for "
            f"{w.n('people_helped', 'People helped', a.people_helped)} people"
            + (f" ({'; '.join(services)})" if services else "")
            + "."
        )
    out.append(Draft("I.2.c", "body", text, w.figures))

    w = _Writer(lang)
    reached = sorted(
        (child for child in tally.children if child.households.total), key=lambda c: -(c.households.coverage or 0)
    )
    if vi:
        text = (
            "Cấp ủy, chính quyền quan tâm chỉ đạo; các tổ được tập huấn và có công cụ ghi nhận kết quả thống nhất. "
            f"Tỷ lệ hộ gia đình được các tổ đến hướng dẫn đạt {w.pct('coverage', 'Tỷ lệ bao phủ', households.coverage)}"
        )
        if reached:
            best = reached[0]
            text += f"; cao nhất là {best.name} ({w.pct('best_coverage', 'Tỷ lệ cao nhất', best.households.coverage)})"
        text += "."
    else:
        text = (
            "The local Party committees and authorities gave the work their attention; the teams were trained and "
            "record their results with one tool. The share of households the teams reached and guided is "
            f"{w.pct('coverage', 'Coverage', households.coverage)}"
        )
        if reached:
            best = reached[0]
            best_coverage = w.pct("best_coverage", "Best coverage", best.households.coverage)
            text += f"; the highest is {best.name} ({best_coverage})"
        text += "."
    out.append(Draft("II.1", "body", text, w.figures))

    w = _Writer(lang)
    hard = area.hard_to_reach
    email = _email_gap(tally)
    flags = sum(area.open_flags.values())
    if vi:
        text = (
            "Hộ chỉ có người cao tuổi: các tổ mới đến "
            f"{w.n('elderly_visited', 'Hộ cao tuổi đã đến', hard.elderly_only.visited)}/"
            f"{w.n('elderly_total', 'Hộ chỉ có người cao tuổi', hard.elderly_only.total)} hộ "
            f"({w.pct('elderly_coverage', 'Bao phủ hộ cao tuổi', hard.elderly_only.coverage)}); người tạm trú: "
            f"{w.n('temporary_visited', 'Hộ tạm trú đã đến', hard.temporary_resident.visited)}/"
            f"{w.n('temporary_total', 'Hộ tạm trú', hard.temporary_resident.total)} hộ "
            f"({w.pct('temporary_coverage', 'Bao phủ hộ tạm trú', hard.temporary_resident.coverage)}), đối tượng "
            "không cố định nên khó tiếp cận, hướng dẫn. "
            f"{w.n('members_without_smartphone', 'Thành viên chưa có điện thoại', hard.members_without_smartphone)} "
            "thành viên tổ chưa có điện thoại thông minh."
        )
        if email is not None:
            text += (
                f" Trong {w.n('assessed', 'Hộ đã đánh giá', email[1])} hộ đã đánh giá, "
                f"{w.n('households_without_email', 'Hộ chưa có thư điện tử', email[0])} hộ chưa có địa chỉ "
                "thư điện tử, phải hướng dẫn tạo email trước khi đăng ký dịch vụ công."
            )
        text += (
            f" Còn {w.n('open_flags', 'Cảnh báo chưa xử lý', flags)} cảnh báo về minh chứng thăm hộ chưa được xử lý."
        )
    else:
        text = (
            f"Elderly-only households: {w.n('elderly_visited', 'Elderly-only visited', hard.elderly_only.visited)}/"
            f"{w.n('elderly_total', 'Elderly-only households', hard.elderly_only.total)} reached "
            f"({w.pct('elderly_coverage', 'Elderly-only coverage', hard.elderly_only.coverage)}); temporary residents: "
            f"{w.n('temporary_visited', 'Temporary visited', hard.temporary_resident.visited)}/"
            f"{w.n('temporary_total', 'Temporary residents', hard.temporary_resident.total)} "
            f"({w.pct('temporary_coverage', 'Temporary coverage', hard.temporary_resident.coverage)}), who move "
            "often and are hard to reach and guide. "
            f"{w.n('members_without_smartphone', 'Members without a smartphone', hard.members_without_smartphone)} "
            "team members have no smartphone."
        )
        if email is not None:
            text += (
                f" Of {w.n('assessed', 'Households assessed', email[1])} households assessed, "
                f"{w.n('households_without_email', 'Households without email', email[0])} have no email address "
                "and must first be helped to create one before they can register for online public services."
            )
        text += f" {w.n('open_flags', 'Open flags', flags)} flags on visit evidence are still open."
    out.append(Draft("II.2", "body", text, w.figures))
    out.append(Draft("III", "body", ""))
    return out
