"""choice_filter and search() in the app, in Chromium: only the choices the filter offers for the answers above are
shown, they follow a changed answer at once, and an answer no longer offered is cleared (as ODK Collect does).

The forms are XLSForms converted as publishing converts them (the JSON phones are served); CSV choices are read by
the app's own form_media.js.
"""

from __future__ import annotations

from typing import Any

import msgspec
from playwright.sync_api import BrowserContext, Page, expect

from forms.load import load_definition
from forms.xlsform import convert_xlsform_report
from tests.forms.test_xlsform_corpus import xlsform
from tests.phone_app.app_steps import DOCS, choose

SETTINGS = [["form_id", "version"], ["cascade", "1"]]
CASCADE_SURVEY = [
    ["type", "name", "label", "choice_filter"],
    ["select_one provinces", "province", "Tỉnh", ""],
    ["select_one districts", "district", "Huyện", "province = ${province}"],
    ["select_multiple crops", "crops", "Cây trồng", "zone = ${province} or zone = 'all'"],
]
CASCADE_CHOICES = [
    ["list_name", "name", "label", "province", "zone"],
    ["provinces", "th", "Thanh Hóa", "", ""],
    ["provinces", "na", "Nghệ An", "", ""],
    ["districts", "tx", "Thọ Xuân", "th", ""],
    ["districts", "ts", "Triệu Sơn", "th", ""],
    ["districts", "dl", "Đô Lương", "na", ""],
    ["crops", "rice", "Lúa", "", "all"],
    ["crops", "sugar", "Mía", "", "th"],
    ["crops", "tea", "Chè", "", "na"],
]
SEARCH_SURVEY = [
    ["type", "name", "label", "appearance"],
    ["text", "q", "Tên thôn", ""],
    ["select_one villages", "contains", "Có chứa", "search('villages', 'contains', 'label', ${q})"],
    ["select_one villages", "starts", "Bắt đầu bằng", "search('villages', 'startswith', 'label', ${q})"],
    ["select_one villages", "ends", "Kết thúc bằng", "search('villages', 'endswith', 'name', ${q})"],
    ["select_one villages", "exact", "Đúng mã xã", "search('villages', 'matches', 'commune', ${q})"],
    ["select_multiple villages", "both", "Hai cột", "search('villages', 'contains', 'label', ${q}, 'commune', 'xl')"],
]
SEARCH_CHOICES = [["list_name", "name", "label"], ["villages", "name", "label"]]
VILLAGES = (
    "name,label,commune\ndong,Thôn Đông,xl\ntay,Thôn Tây,xl\nbac_dong,Bắc Đông,tx\nnam,Thôn Nam,tx\nxl,Xóm XL,tx\n"
)


def converted(survey: list[list[str]], choices: list[list[str]]) -> dict[str, Any]:
    definition, _ = convert_xlsform_report(xlsform(survey, choices, SETTINGS))
    return msgspec.to_builtins(load_definition(definition))


def render(page: Page, form: dict[str, Any], csv: str | None = None) -> None:
    """The form rendered by the app's renderForm on a page of its own, as the visit screen renders it."""
    page.evaluate(
        """async ([form, csv]) => {
        const { newDraft, renderForm } = await import("/app/form.js");
        const media = await import("/app/form_media.js");
        if (csv !== null) await media.fillFileChoices(form, async () => csv);
        document.body.textContent = "";
        const body = document.createElement("div");
        body.className = "form";
        document.body.append(body);
        window.rendered = renderForm(body, form, window.draft = newDraft());
    }""",
        [form, csv],
    )


def shown(page: Page, question: str) -> list[str]:
    return [text.strip() for text in page.locator(f'[data-question="{question}"] label.choice').all_inner_texts()]


def checked(page: Page, question: str) -> list[str]:
    return page.locator(f'[data-question="{question}"] input:checked').evaluate_all("(l) => l.map((i) => i.value)")


def watch(page: Page) -> list[str]:
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("response", lambda response: problems.append(response.url) if response.status >= 400 else None)
    return problems


def test_cascading_selects_follow_the_answer_above_and_drop_what_it_no_longer_offers(phone: BrowserContext) -> None:
    page = phone.new_page()
    problems = watch(page)
    page.goto("/app")
    render(page, converted(CASCADE_SURVEY, CASCADE_CHOICES))
    assert shown(page, "district") == [] and shown(page, "crops") == ["Lúa"]
    expect(page.locator('[data-question="district"] .hint')).to_have_text(
        "Chưa có lựa chọn nào hợp với các câu trả lời ở trên."
    )
    choose(page, "province", "Thanh Hóa")
    assert shown(page, "district") == ["Thọ Xuân", "Triệu Sơn"]
    assert shown(page, "crops") == ["Lúa", "Mía"]
    choose(page, "district", "Triệu Sơn")
    choose(page, "crops", "Lúa")
    choose(page, "crops", "Mía")
    assert checked(page, "district") == ["ts"] and checked(page, "crops") == ["rice", "sugar"]
    page.screenshot(path=str(DOCS / "app-choice-filter-360.png"))

    choose(page, "province", "Nghệ An")
    assert shown(page, "district") == ["Đô Lương"]
    assert shown(page, "crops") == ["Lúa", "Chè"]
    assert checked(page, "district") == [] and checked(page, "crops") == ["rice"]  # Mía is no longer offered
    collected = page.evaluate("() => window.rendered.collect()")
    assert collected["answers"] == {"province": "na", "crops": ["rice"]}
    assert collected["errors"] == []
    choose(page, "district", "Đô Lương")
    assert page.evaluate("() => window.draft.answers") == {"province": "na", "district": "dl", "crops": ["rice"]}
    text = page.inner_text("body")
    for bad in ("null", "undefined", "NaN"):
        assert bad not in text
    assert problems == []


def test_search_filters_show_only_the_csv_rows_they_match(phone: BrowserContext) -> None:
    page = phone.new_page()
    problems = watch(page)
    page.goto("/app")
    form = converted(SEARCH_SURVEY, SEARCH_CHOICES)
    assert "choice_filter" in form["questions"][1]
    render(page, form, VILLAGES)
    everything = ["Thôn Đông", "Thôn Tây", "Bắc Đông", "Thôn Nam", "Xóm XL"]
    # An empty search text: contains/startswith/endswith offer every row; matches only rows whose column is empty.
    assert shown(page, "contains") == everything and shown(page, "exact") == []
    assert shown(page, "both") == ["Thôn Đông", "Thôn Tây"]

    page.fill('[data-question="q"] textarea', "Đông")
    assert shown(page, "contains") == ["Thôn Đông", "Bắc Đông"]
    assert shown(page, "starts") == []
    assert shown(page, "both") == ["Thôn Đông"]
    page.fill('[data-question="q"] textarea', "thôn")  # ASCII letters ignore case, as in ODK Collect
    assert shown(page, "starts") == ["Thôn Đông", "Thôn Tây", "Thôn Nam"]
    choose(page, "starts", "Thôn Nam")
    page.fill('[data-question="q"] textarea', "dong")
    assert shown(page, "ends") == ["Thôn Đông", "Bắc Đông"]  # the value column (name) ends with "dong"
    assert checked(page, "starts") == []  # Thôn Nam does not start with "dong": the answer is cleared
    page.fill('[data-question="q"] textarea', "TX")
    assert shown(page, "exact") == ["Bắc Đông", "Thôn Nam", "Xóm XL"]
    assert shown(page, "contains") == []  # no label holds "tx"
    choose(page, "exact", "Thôn Nam")
    page.locator('[data-question="exact"]').scroll_into_view_if_needed()
    page.screenshot(path=str(DOCS / "app-search-filter-360.png"), full_page=True)
    assert page.evaluate("() => window.draft.answers") == {"q": "TX", "exact": "nam"}
    assert problems == []


def test_of_two_choices_with_one_value_only_the_offered_one_is_shown(phone: BrowserContext) -> None:
    """allow_choice_duplicates: the same value under two provinces; the filter picks the row, not just the value."""
    form = {
        "id": "dup",
        "version": "1",
        "title": {"vi": "Trùng"},
        "questions": [
            {"type": "text", "name": "province", "label": {"vi": "Tỉnh"}},
            {
                "type": "select_one",
                "name": "town",
                "label": {"vi": "Thị trấn"},
                "allow_choice_duplicates": True,
                "choice_filter": "province = ${province}",
                "choices": [
                    {"value": "tt", "label": {"vi": "Thị trấn (Thanh Hóa)"}, "columns": {"province": "th"}},
                    {"value": "tt", "label": {"vi": "Thị trấn (Nghệ An)"}, "columns": {"province": "na"}},
                ],
            },
        ],
    }
    page = phone.new_page()
    problems = watch(page)
    page.goto("/app")
    render(page, form)
    page.fill('[data-question="province"] textarea', "na")
    assert shown(page, "town") == ["Thị trấn (Nghệ An)"]
    choose(page, "town", "Nghệ An")
    page.fill('[data-question="province"] textarea', "th")
    assert shown(page, "town") == ["Thị trấn (Thanh Hóa)"]
    assert checked(page, "town") == ["tt"]  # the value is still offered, by the other row: the answer stays
    assert problems == []
