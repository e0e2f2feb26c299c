"""One pass over a visit's answers for the submission hot path.

`forms.validate_answers`, `forms.required_photos` and `forms.score` each walk the form again (~150 µs together
for the bundled form); this walks it once (~70 µs) with the same building blocks. A test keeps the results
equal to those three functions.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import forms
from forms.answers import run_visit
from forms.expr_ast import EvalContext
from forms.expr_values import truthy


@dataclass(frozen=True, slots=True)
class Evaluation:
    errors: list[forms.AnswerError]
    photo_rules: dict[str, forms.PhotoRule]
    level: int | None


def evaluate(form: forms.CompiledForm, answers: Mapping[str, Any]) -> Evaluation:
    state = run_visit(form, answers)
    rules: dict[str, forms.PhotoRule] = {}
    if form.has_photos:
        for name, item in form.questions.items():
            question = item.question
            if isinstance(question, forms.PhotoQuestion) and state.visible.get(name):
                rules[name] = forms.PhotoRule(min_count=question.min_count or 0, max_count=question.max_count,
                                              max_pixels=question.max_pixels, max_bytes=question.max_bytes)
    level = None
    if form.levels:
        answer_ctx = EvalContext(state.effective)
        indicators = {name: truthy(condition.evaluate(answer_ctx)) for name, condition in form.indicators}
        indicator_ctx = EvalContext(indicators)
        for candidate in form.levels:  # lowest → highest: the last that holds wins
            if truthy(candidate.condition.evaluate(indicator_ctx)):
                level = candidate.value
    return Evaluation(errors=state.errors, photo_rules=rules, level=level)
