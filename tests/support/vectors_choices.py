"""The "choice_filters" vectors: which choices a select with a choice_filter offers, by the Python implementation.

Each question (choices with extra columns, or choices read from a CSV file with its own value and label columns,
and the filters XLSForm's search('file', mode, column, value …) appearance becomes) is asked with each answer set;
the phone app's choice_filter.js must offer the same values in the same order (tests/phone_app/test_app_pieces.py).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import msgspec

from forms.answers import offered_choices
from forms.compiled import compile_form
from forms.expr_ast import EvalContext
from forms.media_csv import choices_from_records
from forms.spec import FormDefinition
from forms.xlsform_search import search_filter

SHEET_CHOICES: list[dict[str, Any]] = [
    {"value": "apple", "label": {"vi": "Táo", "en": "Apple"}, "columns": {"kind": "fruit", "state": "north",
                                                                          "pop": "1200", "tag": "A b"}},
    {"value": "banana", "label": {"vi": "Chuối"}, "columns": {"kind": "fruit", "state": "south", "pop": "80"}},
    {"value": "carrot", "label": {"vi": "Cà rốt"}, "columns": {"kind": "veg", "state": "north"}},
    {"value": "durian", "label": {"vi": "Sầu riêng"}, "columns": {"kind": "Fruit", "state": "south", "pop": "3e2",
                                                                  "tag": "x"}},
    {"value": "eggplant", "label": {"vi": "Cà tím"}, "columns": {"kind": "veg", "pop": "-5"}},
    {"value": "10", "label": {"vi": "Mười"}, "columns": {"kind": "num", "pop": "10", "state": "North"}},
    {"value": "lone", "label": {"vi": "Lẻ"}},
]  # fmt: skip
SHEET_FILTERS = [
    "state = ${t}",
    "kind = 'fruit'",
    "kind != 'fruit'",
    "pop > ${n}",
    "pop < 100",
    "pop = ${n}",
    "name = ${t}",
    "name = 10",
    "name > 5",
    "selected(${m}, name)",
    "not(selected(${m}, name))",
    "contains(tag, ${t})",
    "starts-with(name, ${t})",
    "${b} or kind = 'veg'",
    "${b} and state = 'north'",
    "state = ''",
    "state != ''",
    "tag",
    "not(pop)",
    "string-length(name) > ${n}",
    "count-selected(${m}) > 1 or name = 'apple'",
    "if(${b}, kind = 'fruit', kind = 'veg')",
    "label = 'Táo'",
    "concat(state, '-', kind) = 'north-fruit'",
    "number(pop) + ${n} > 100",
    "pop div ${n} > 1",
    "name = ${d}",
    "${t} = '' or kind = ${t}",
    "true()",
    "false()",
]
SEARCHES = [
    "search('f', 'matches', 'kind', ${t})",
    "search('f', 'contains', 'kind,state', ${t})",
    "search('f', 'startsWith', 'state', ${t})",
    "search('f', 'endswith', 'kind', ${t})",
    "search('f', 'CONTAINS', 'tag', ${t})",
    "search('f', 'unknown', 'kind', ${t})",
    "search('f', 'matches', 'kind', 'fruit', 'state', ${t})",
    "search('f', 'startswith', 'name', ${t}, 'kind', 'veg')",
    "search('f', 'contains', '', ${t}, 'state', 'south')",
    "search('f', 'matches', 'pop', ${n})",
]
FILE_RECORDS = [
    {"code": "hn", "ten": "Hà Nội", "region": "north", "kind": "City"},
    {"code": "hp", "ten": "Hải Phòng", "region": "north", "kind": "city"},
    {"code": "dn", "ten": "Đà Nẵng", "region": "central", "kind": "city"},
    {"code": "tx", "ten": "", "region": "north", "kind": "town"},
    {"code": "ct", "ten": "Cần Thơ", "region": "south", "kind": ""},
]
FILE_FILTERS = [
    "region = ${t}",
    "ten = 'Hà Nội'",
    "code = name",
    "code = ${t}",
    "contains(ten, 'Hải')",
    "kind = ''",
    "search('vn', 'contains', 'ten', ${t})",
    "search('vn', 'startswith', 'code', ${t})",
    "search('vn', 'matches', 'kind', ${t}, 'region', 'north')",
    "search('vn', 'endswith', 'ten,code', ${t})",
]
ANSWER_SETS: list[dict[str, Any]] = [
    {},
    {"t": "north", "n": 100, "m": ["apple", "carrot"], "b": True, "d": 10.0},
    {"t": "", "n": 0, "m": [], "b": False},
    {"t": "Fruit", "n": 5, "m": ["10"]},
    {"t": "a", "n": 1500, "b": True, "m": ["banana", "lone", "10"]},
    {"t": "h", "n": -5, "d": 10.5},
    {"t": "CITY", "n": 10},
    {"t": "ội", "m": ["durian"], "b": False},
    {"t": "10", "n": 3, "d": 10},
]


def _filter(written: str, value_column: str) -> str:
    return search_filter(written, value_column) or "true()" if written.startswith("search(") else written


def questions() -> list[dict[str, Any]]:
    found = []
    for kind in ("select_one", "select_multiple"):
        for written in SHEET_FILTERS + SEARCHES:
            found.append(
                {
                    "type": kind,
                    "name": "pick",
                    "label": {"vi": written},
                    "choices": SHEET_CHOICES,
                    "choice_filter": _filter(written, "name"),
                }
            )
    file_choices = choices_from_records(FILE_RECORDS, "code", "ten")
    for written in FILE_FILTERS:
        found.append(
            {
                "type": "select_one",
                "name": "pick",
                "label": {"vi": written},
                "choices": file_choices,
                "choices_file": "vn.csv",
                "choices_file_value": "code",
                "choices_file_label": "ten",
                "choice_filter": _filter(written, "code"),
            }
        )
    return found


def offered(question: dict[str, Any], answers: dict[str, Any], today: dt.date) -> list[str]:
    definition = msgspec.convert(
        {"id": "vectors", "version": "1", "title": {"vi": "v"}, "questions": [question]}, FormDefinition
    )
    step = compile_form(definition).questions["pick"]
    return offered_choices(step, EvalContext(answers, today=today))


def cases(today: dt.date) -> dict[str, Any]:
    asked = questions()
    found = []
    for index, question in enumerate(asked):
        for answers in ANSWER_SETS:
            found.append({"question": index, "answers": answers, "offered": offered(question, answers, today)})
    return {"questions": asked, "cases": found}
