"""Score a household's digital-skill level from a visit's answers."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from forms.answers import run_visit
from forms.compiled import CompiledForm, compile_form
from forms.expr_ast import EvalContext, TableLookup
from forms.spec import Base, FormDefinition, Label


class Score(Base, frozen=True):
    """Indicator results and the household's level.

    ``level`` / ``level_name`` are None when the form has no rubric, or when no level's
    condition holds (a rubric whose lowest level is "true" always gives a level).
    """

    indicators: dict[str, bool]
    level: int | None
    level_name: Label | None


def score(
    form: FormDefinition | CompiledForm, answers: Mapping[str, Any], *, tables: TableLookup | None = None
) -> Score:
    """``tables``: the form version's CSV media, which its calculations read with pulldata() (as in run_visit)."""
    compiled = compile_form(form)
    if not compiled.levels and not compiled.indicators:
        return Score(indicators={}, level=None, level_name=None)
    # Hidden or malformed answers do not count, the same as in validation.
    effective = run_visit(compiled, answers, tables=tables).effective
    answer_ctx = EvalContext(effective)
    indicators = {name: test(answer_ctx) for name, test in compiled.indicator_tests}
    indicator_ctx = EvalContext(indicators)
    reached = None
    for level in compiled.levels:  # lowest → highest, so the last that holds wins
        if level.test(indicator_ctx):
            reached = level
    return Score(
        indicators=indicators,
        level=reached.value if reached else None,
        level_name=reached.name if reached else None,
    )
