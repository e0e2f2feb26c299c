"""The expression vectors the phone app is tested against are the Python implementation's own answers."""

from __future__ import annotations

import json

from forms.answers import run_visit
from forms.expr import ExpressionError, evaluate, parse
from tests.support import vectors


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
