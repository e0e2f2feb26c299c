"""Check a visit's answers against its form; photo rules and GPS threshold for the upload path.

Answers are flat, keyed by question name (groups do not nest them). Wire shapes:
text → str · integer → int · decimal → int|float · select_one → str ·
select_multiple → list[str] · boolean → bool · date → "YYYY-MM-DD" ·
geopoint → {"lat", "lon", "accuracy_m"?}. Notes are never answered and photos travel
as file parts, never in answers. Missing, null, blank text and [] all mean "no answer".
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.answer_types import CHECKS, is_blank
from forms.compiled import CompiledForm, CompiledGroup, compile_form
from forms.expr_ast import EvalContext
from forms.spec import Base, FormDefinition, PhotoQuestion


class AnswerError(Base):
    question: str
    code: str
    message_vi: str
    message_en: str


class PhotoRule(Base):
    """How many photos a relevant photo question takes, and how big each may be."""

    min_count: int
    max_count: int
    max_pixels: int
    max_bytes: int


@dataclass
class VisitState:
    """The outcome of one pass over a visit's answers in document order."""

    visible: dict[str, bool] = field(default_factory=dict)
    # Answers as expressions see them: hidden or malformed answers are left out, as
    # XLSForm clears a question that relevance hides.
    effective: dict[str, Any] = field(default_factory=dict)
    errors: list[AnswerError] = field(default_factory=list)


def _error(question: str, code: str, vi: str, en: str) -> AnswerError:
    return AnswerError(question=question, code=code, message_vi=vi, message_en=en)


def run_visit(form: FormDefinition | CompiledForm, answers: Mapping[str, Any]) -> VisitState:
    """Decide relevance, check every answer and collect every error, in one forward pass."""
    compiled = compile_form(form)
    state = VisitState()
    if not isinstance(answers, Mapping):
        state.errors.append(_error("", "answer.wrong_type", "Câu trả lời phải là một đối tượng JSON.",
                                   "Answers must be a JSON object."))
        answers = {}
    ctx = EvalContext(state.effective)
    group_visible: list[bool] = []
    for step in compiled.steps:
        parent_visible = step.parent < 0 or group_visible[step.parent]
        relevant = step.relevant_test
        visible = parent_visible and (relevant is None or relevant(ctx))
        if isinstance(step, CompiledGroup):
            group_visible.append(visible)
            continue
        name = step.name
        state.visible[name] = visible
        value = answers.get(name)
        if step.kind == "photo":
            if value is not None:
                state.errors.append(_error(name, "answer.photo_in_answers",
                                           "Ảnh được gửi dưới dạng tệp, không nằm trong câu trả lời.",
                                           "Photos are sent as file parts, not inside the answers."))
            continue
        if step.kind == "note":
            if not is_blank(value):
                state.errors.append(_error(name, "answer.note_answered", "Ghi chú không có câu trả lời.",
                                           "A note cannot be answered."))
            continue
        if is_blank(value):
            if visible and step.question.required:
                state.errors.append(_error(name, "answer.required", "Câu hỏi này bắt buộc trả lời.",
                                           "This question must be answered."))
            continue
        if not visible:
            state.errors.append(_error(name, "answer.not_relevant",
                                       "Câu hỏi này đang bị ẩn (không áp dụng cho hộ này) nên không được trả lời.",
                                       "This question is hidden by its conditions, so it must not be answered."))
            continue
        problem = CHECKS[step.kind](step, value)
        if problem is not None:
            state.errors.append(_error(name, *problem))
            if problem.code in ("answer.wrong_type", "answer.invalid_date", "answer.invalid_geopoint"):
                continue  # unusable value: keep it away from later expressions
        state.effective[name] = value
        constraint = step.constraint_test
        if constraint is not None:
            ctx.current = value
            passed = constraint(ctx)
            ctx.current = None
            if not passed:
                message = step.question.constraint_message
                state.errors.append(_error(
                    name, "answer.constraint_failed",
                    message.vi if message else "Câu trả lời không đúng điều kiện của câu hỏi.",
                    message.en if message else "The answer does not meet this question's condition.",
                ))
    for key in answers:
        if not isinstance(key, str) or key not in compiled.questions:
            is_group = isinstance(key, str) and key in compiled.group_names
            state.errors.append(_error(
                str(key), "answer.unknown_question",
                "Đây là tên nhóm, không phải câu hỏi."
                if is_group
                else "Không có câu hỏi nào tên như vậy trong mẫu phiếu.",
                "That is a group, not a question." if is_group else "The form has no question with this name.",
            ))
    return state


def validate_answers(form: FormDefinition | CompiledForm, answers: Mapping[str, Any]) -> list[AnswerError]:
    """Every problem with a visit's answers (empty list when they are acceptable)."""
    return run_visit(form, answers).errors


def required_photos(form: FormDefinition | CompiledForm, answers: Mapping[str, Any]) -> dict[str, PhotoRule]:
    """For each photo question shown for these answers: how many photos and how large."""
    compiled = compile_form(form)
    if not compiled.has_photos:
        return {}
    visible = run_visit(compiled, answers).visible
    rules: dict[str, PhotoRule] = {}
    for name, item in compiled.questions.items():
        question = item.question
        if isinstance(question, PhotoQuestion) and visible.get(name):
            rules[name] = PhotoRule(
                min_count=question.min_count or 0,
                max_count=question.max_count,
                max_pixels=question.max_pixels,
                max_bytes=question.max_bytes,
            )
    return rules


def geopoint_threshold(form: FormDefinition | CompiledForm) -> float | None:
    """The strictest GPS accuracy threshold (metres) among geopoint questions, or None."""
    return compile_form(form).geopoint_threshold
