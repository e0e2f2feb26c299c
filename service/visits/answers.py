"""One pass over a visit's answers for the submission hot path.

`forms.validate_answers`, `forms.required_photos` and `forms.score` each walk the form again; this walks it once
with the same building blocks and the form's compiled expression closures (~28 µs for the bundled form, see
`bench/form_eval.py`). A test keeps the results equal to those three functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import forms
from forms.answers import run_visit
from forms.expr_ast import EvalContext
from service.registry.media import tables_of


@dataclass(frozen=True, slots=True)
class Evaluation:
    errors: list[forms.AnswerError]
    photo_rules: dict[str, forms.PhotoRule]
    level: int | None
    # What to store: the answers as sent with each `calculate` set to the server's value (the same object
    # as sent when the form has no calculations).
    answers: Mapping[str, Any]
    # audio/video/file questions shown and answered (with a file name) → kind: each awaits its file.
    attachment_kinds: dict[str, str]


def evaluate(form: forms.CompiledForm, answers: Mapping[str, Any]) -> Evaluation:
    state = run_visit(form, answers, tables=tables_of(form))  # pulldata(): the version's CSV media
    rules: dict[str, forms.PhotoRule] = {}
    if form.has_photos:
        for name, item in form.questions.items():
            question = item.question
            if isinstance(question, forms.PhotoQuestion) and state.visible.get(name):
                rules[name] = forms.PhotoRule(
                    min_count=question.min_count or 0,
                    max_count=question.max_count,
                    max_pixels=question.max_pixels,
                    max_bytes=question.max_bytes,
                )
    level = None
    if form.levels:
        answer_ctx = EvalContext(state.effective)
        indicators = {name: test(answer_ctx) for name, test in form.indicator_tests}
        indicator_ctx = EvalContext(indicators)
        for candidate in form.levels:  # lowest → highest: the last that holds wins
            if candidate.test(indicator_ctx):
                level = candidate.value
    files = {
        name: kind
        for name, kind in form.attachment_kinds.items()
        if state.visible.get(name) and isinstance(value := answers.get(name), str) and value.strip()
    }
    return Evaluation(errors=state.errors, photo_rules=rules, level=level, answers=state.stored, attachment_kinds=files)
