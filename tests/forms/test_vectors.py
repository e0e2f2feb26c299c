"""The expression vectors the phone app is tested against are the Python implementation's own answers."""

from __future__ import annotations

import json

import pytest

from forms.answers import run_visit
from forms.expr import ExpressionError, evaluate, parse
from forms.media_csv import choices_from_records
from forms.xlsform_search import SearchError, search_filter
from tests.support import vectors, vectors_choices


def committed() -> dict:
    return json.loads(vectors.VECTORS_PATH.read_text(encoding="utf-8"))


def test_committed_vectors_equal_a_fresh_generation() -> None:
    assert vectors.VECTORS_PATH.read_text(encoding="utf-8") == vectors.dumps(vectors.generate()), (
        "tests/forms/expr_vectors.json is stale: run `python3 -m tests.support.vectors`"
    )


def test_every_committed_expression_vector_holds_in_python() -> None:
    data = committed()
    today = vectors.TODAY
    cases = data["expressions"]
    assert len(cases) > 1000 and sum("error" in case for case in cases) > 30
    for case in cases:
        if case.get("error"):
            try:
                parse(case["expr"])
            except ExpressionError:
                continue
            raise AssertionError(f"{case['expr']!r} should not parse")
        got = evaluate(case["expr"], case["answers"], case["current"], today=today)
        assert json.loads(json.dumps(vectors.encode_result(got))) == case["result"], case["expr"]


def test_every_committed_form_vector_holds_in_python() -> None:
    data = committed()
    form = vectors.bundled_form()
    assert len(data["forms"]) >= 100
    shown_and_hidden = set()
    for case in data["forms"]:
        state = run_visit(form, case["answers"])
        assert state.visible == case["visible"]
        assert sorted([e.question, e.code] for e in state.errors) == case["errors"]
        shown_and_hidden.add(state.visible["has_mobile_data"])
    assert shown_and_hidden == {True, False}


def test_every_committed_choice_filter_vector_holds_in_python() -> None:
    data = committed()["choice_filters"]
    today = vectors.TODAY
    offered_sets = set()
    for case in data["cases"]:
        got = vectors_choices.offered(data["questions"][case["question"]], case["answers"], today)
        assert got == case["offered"], (data["questions"][case["question"]]["choice_filter"], case["answers"])
        offered_sets.add(len(got))
    assert len(data["cases"]) >= 800
    assert {0, 1} <= offered_sets and max(offered_sets) == len(vectors_choices.SHEET_CHOICES)  # none, one, all


def test_search_filters_become_choice_filters_over_the_rows_columns() -> None:
    """ODK Collect's search() runs `col LIKE ?` (ASCII case ignored) and, with six arguments, `col2 = ?`."""
    rows = [{"code": "hn", "ten": "Hà Nội", "kind": "City"}, {"code": "hp", "ten": "Hải Phòng", "kind": "town"}]
    question = {
        "type": "select_one",
        "name": "pick",
        "label": {"vi": "x"},
        "choices": choices_from_records(rows, "code", "ten"),
        "choices_file": "vn.csv",
        "choices_file_value": "code",
        "choices_file_label": "ten",
    }

    def offered(appearance: str, answers: dict) -> list[str]:
        written = search_filter(appearance, "code")
        assert written is not None
        return vectors_choices.offered({**question, "choice_filter": written}, answers, vectors.TODAY)

    assert offered("search('vn', 'matches', 'kind', ${q})", {"q": "city"}) == ["hn"]
    assert offered("search('vn', 'matches', 'kind', ${q})", {"q": "cit"}) == []
    assert offered("search('vn', 'contains', 'ten', ${q})", {"q": "Hả"}) == ["hp"]
    assert offered("search('vn', 'contains', 'ten', ${q})", {"q": "hà"}) == ["hn"]
    assert offered("search('vn', 'contains', 'ten', ${q})", {"q": "HÀ"}) == []  # only ASCII letters ignore case
    assert offered("search('vn', 'contains', 'ten', ${q})", {}) == ["hn", "hp"]
    assert offered("search('vn', 'startswith', 'code', ${q})", {"q": "H"}) == ["hn", "hp"]
    assert offered("search('vn', 'endswith', 'code', ${q})", {"q": "p"}) == ["hp"]
    assert offered("search('vn', 'startswith', 'code', ${q}, 'kind', 'town')", {"q": "h"}) == ["hp"]
    assert offered("search('vn', 'startswith', 'code', ${q}, 'kind', 'Town')", {"q": "h"}) == []  # exact
    assert search_filter("search('vn')", "code") is None
    for bad in ("search('vn', 'matches')", "search('vn', ${m}, 'kind', 'x')", "search('vn', 'matches', 'a b', 1)"):
        with pytest.raises(SearchError):
            search_filter(bad, "code")
