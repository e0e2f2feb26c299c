"""The choice-filter vectors against Enketo's evaluator (npm openrosa-xpath-evaluator, as in test_odk_differential).

ODK evaluates a choice_filter as the predicate of `instance('list')/root/item[filter]`, a bare name being a child of
the item. Each question of tests/support/vectors_choices.py (the filters `search()` becomes included) is asked with
answers written as an XML instance; the items Enketo keeps must be the values Python offers (and so the app, which
the committed vectors hold to Python's answers)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec
from playwright.sync_api import Page

from forms.compiled import choice_row
from forms.spec import SelectOneQuestion
from tests.phone_app.test_odk_differential import enketo_bundle, page  # noqa: F401  (its fixtures)
from tests.support import vectors_choices
from tests.support.vectors_odk import choice_filter_to_xpath

# Answers as an XML instance holds them, as text; a boolean answer is "true" or empty (unanswered), whose truth
# Enketo and we agree on (docs/forms.md, "nodeset-truth").
ANSWER_SETS: list[dict[str, str]] = [
    {},
    {"t": "north", "n": "100", "m": "apple carrot", "b": "true"},
    {"t": "", "n": "0", "m": "", "b": ""},
    {"t": "Fruit", "n": "5", "m": "10"},
    {"t": "a", "n": "1500", "b": "true", "m": "banana lone 10"},
    {"t": "h", "n": "-5", "d": "10.5"},
    {"t": "CITY", "n": "10", "d": "10"},
    {"t": "ội", "m": "durian"},
    {"t": "10", "n": "3"},
]
NAMES = ("t", "n", "m", "b", "d")

RUN = """async (cases) => {
    const enketo = orxe();
    return cases.map((c) => {
        const doc = new DOMParser().parseFromString(c.xml, "text/xml");
        try {
            const found = enketo.evaluate(c.xpath, doc, null, XPathResult.ORDERED_NODE_SNAPSHOT_TYPE, null);
            const values = [];
            for (let i = 0; i < found.snapshotLength; i++) values.push(found.snapshotItem(i).textContent);
            return values;
        } catch (e) { return { error: String(e).slice(0, 200) }; }
    });
}"""


def _element(name: str, value: str | None) -> str:
    if not value:
        return f"<{name}/>"
    return f"<{name}>{value.replace('&', '&amp;').replace('<', '&lt;')}</{name}>"


def _xml(question: dict[str, Any], answers: dict[str, str]) -> str:
    shape = {key: value for key, value in question.items() if key != "choice_filter"}
    typed = msgspec.convert({**shape, "type": "select_one"}, SelectOneQuestion)
    rows = [choice_row(typed, choice) for choice in typed.choices]
    columns = sorted({column for row in rows for column in row} - {"name"})
    # Every item has every column, an empty cell being an empty element, as in an ODK itemset.
    items = "".join(
        "<item>" + _element("name", row["name"]) + "".join(_element(c, row.get(c)) for c in columns) + "</item>"
        for row in rows
    )
    return "<data>" + "".join(_element(name, answers.get(name)) for name in NAMES) + f"<items>{items}</items></data>"


def test_choice_filters_keep_the_items_enketo_keeps(page: Page) -> None:
    cases, expected = [], []
    today = dt.datetime.now(dt.UTC).date()
    for question in vectors_choices.questions():
        written = question["choice_filter"]
        xpath = f"/data/items/item[{choice_filter_to_xpath(written)}]/name"
        for answers in ANSWER_SETS:
            cases.append({"xml": _xml(question, answers), "xpath": xpath})
            expected.append((written, answers, vectors_choices.offered(question, answers, today)))
    assert len(cases) >= 800
    got = page.evaluate(RUN, cases)
    differ = [(w, a, ours, theirs) for (w, a, ours), theirs in zip(expected, got, strict=True) if ours != theirs]
    assert differ[:10] == [], f"{len(differ)} of {len(cases)} differ from Enketo"
