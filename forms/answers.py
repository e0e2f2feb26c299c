"""Check a visit's answers against its form; photo rules and GPS threshold for the upload path.

Answers are flat, keyed by question name (groups do not nest them). Wire shapes:
text → str · integer → int · decimal → int|float · select_one → str ·
select_multiple → list[str] · boolean → bool · date → "YYYY-MM-DD" · time → "HH:MM[:SS[.sss]][±HH:MM]" ·
datetime → "YYYY-MM-DDTHH:MM…" · range → a number on a step · geopoint → {"lat", "lon", "accuracy_m"?} ·
repeat → a list of objects, one per instance, keyed by the names of its questions (errors say
``people[2].age``, counting from 1 as ODK does). Notes are never answered and photos travel
as file parts, never in answers. Missing, null, blank text and [] all mean "no answer".
A calculate's value is the server's: computed in document order and put in ``stored``.
"""

from __future__ import annotations

import math
from collections import ChainMap
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any

from forms.answer_types import CHECKS, Problem, is_blank
from forms.checks_base import MAX_REPEAT_INSTANCES
from forms.compiled import CompiledForm, CompiledRepeat, compile_form
from forms.expr_ast import EvalContext, TableLookup
from forms.expr_values import to_number
from forms.labels import text
from forms.spec import Base, FormDefinition, PhotoQuestion


class AnswerError(Base, frozen=True):
    question: str
    code: str
    message_vi: str
    message_en: str


class PhotoRule(Base, frozen=True):
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
    # XLSForm clears a question that relevance hides. A repeat's questions appear here as
    # tuples (one value per instance), the repeat itself as a tuple of instance answers.
    effective: dict[str, Any] = field(default_factory=dict)
    errors: list[AnswerError] = field(default_factory=list)
    # The answers to store: as sent, with every calculate set to the server's value (or removed
    # when it has none). The very object sent when the form has no calculations.
    stored: Mapping[str, Any] = field(default_factory=dict)


def _error(question: str, code: str, vi: str, en: str) -> AnswerError:
    return AnswerError(question=question, code=code, message_vi=vi, message_en=en)


def run_visit(
    form: FormDefinition | CompiledForm, answers: Mapping[str, Any], *, tables: TableLookup | None = None
) -> VisitState:
    """Decide relevance, check every answer and collect every error, in one forward pass.

    ``tables`` are the form version's CSV media for pulldata() (see forms.expr_ast.EvalContext).
    """
    compiled = compile_form(form)
    state = VisitState()
    if not isinstance(answers, Mapping):
        state.errors.append(
            _error("", "answer.wrong_type", "Câu trả lời phải là một đối tượng JSON.", "Answers must be a JSON object.")
        )
        answers = {}
    stored: dict[str, Any] | None = dict(answers) if compiled.has_calculations else None
    ctx = EvalContext(state.effective, tables=tables, choice_names=compiled.choice_names, form_version=compiled.version)
    _run_steps(compiled.steps, answers, ctx, state, state.effective, stored, "", None, compiled.all_names)
    _unknown_keys(answers, compiled.top_names, compiled.group_names, compiled.all_names, state, "")
    state.stored = answers if stored is None else stored
    return state


def _unknown_keys(
    answers: Mapping[str, Any],
    names: set[str],
    group_names: Collection[str],
    all_names: Collection[str],
    state: VisitState,
    prefix: str,
) -> None:
    for key in answers:
        if not isinstance(key, str) or key not in names:
            is_group = isinstance(key, str) and key in group_names
            elsewhere = isinstance(key, str) and key in all_names
            state.errors.append(
                _error(
                    prefix + str(key),
                    "answer.unknown_question",
                    "Đây là tên nhóm, không phải câu hỏi."
                    if is_group
                    else "Câu hỏi này nằm ở chỗ khác (trong hoặc ngoài một nhóm lặp)."
                    if elsewhere
                    else "Không có câu hỏi nào tên như vậy trong mẫu phiếu.",
                    "That is a group, not a question."
                    if is_group
                    else "That question belongs elsewhere (inside or outside a repeat)."
                    if elsewhere
                    else "The form has no question with this name.",
                )
            )


def _run_steps(
    steps: list[Any],
    answers: Mapping[str, Any],
    ctx: EvalContext,
    state: VisitState,
    effective: dict[str, Any],
    stored: dict[str, Any] | None,
    prefix: str,
    outer_visible: bool | None,
    all_names: Collection[str],
) -> None:
    """One pass over a scope (the form, or one repeat instance); ``prefix`` is e.g. ``people[2].``."""
    group_visible: list[bool] = []
    for step in steps:
        parent_visible = (outer_visible is not False) if step.parent < 0 else group_visible[step.parent]
        relevant = step.relevant_test
        visible = parent_visible and (relevant is None or relevant(ctx))
        kind = step.kind
        if kind == "group":
            group_visible.append(visible)
            continue
        if kind == "repeat":
            _run_repeat(step, answers, ctx, state, stored, prefix, visible, all_names)
            continue
        name = step.name
        path = prefix + name
        if not prefix:
            state.visible[name] = visible
        value = answers.get(name)
        if kind == "calculate":
            if not visible:
                result = None
            elif step.from_phone:  # random(), now(), uuid(), once(): the phone's value, as sent
                result = value
            else:
                result = step.calculate(ctx)
                if result.__class__ is float and not math.isfinite(result):
                    result = None  # NaN / Infinity: no value (JSON has none for them)
            if result is None or result == "":
                if stored is not None:
                    stored.pop(name, None)
                continue
            effective[name] = result
            if stored is not None:
                stored[name] = result
            continue
        if kind == "photo":
            if value is not None:
                state.errors.append(
                    _error(
                        path,
                        "answer.photo_in_answers",
                        "Ảnh được gửi dưới dạng tệp, không nằm trong câu trả lời.",
                        "Photos are sent as file parts, not inside the answers.",
                    )
                )
            continue
        if kind == "note":
            if not is_blank(value):
                state.errors.append(
                    _error(path, "answer.note_answered", "Ghi chú không có câu trả lời.", "A note cannot be answered.")
                )
            continue
        if is_blank(value):
            required_if = step.required_if_test
            if visible and (step.question.required or (required_if is not None and required_if(ctx))):
                state.errors.append(
                    _error(path, "answer.required", "Câu hỏi này bắt buộc trả lời.", "This question must be answered.")
                )
            continue
        if not visible:
            state.errors.append(
                _error(
                    path,
                    "answer.not_relevant",
                    "Câu hỏi này đang bị ẩn (không áp dụng cho hộ này) nên không được trả lời.",
                    "This question is hidden by its conditions, so it must not be answered.",
                )
            )
            continue
        problem = CHECKS[kind](step, value)
        if problem is not None:
            state.errors.append(_error(path, *problem))
            if problem.code in UNUSABLE:
                continue  # unusable value: keep it away from later expressions
        elif step.read_only and value != step.default:
            state.errors.append(
                _error(
                    path,
                    "answer.read_only",
                    "Câu hỏi này chỉ để xem, không được sửa câu trả lời.",
                    "This question is read-only: its answer cannot be changed.",
                )
            )
        elif step.choice_filter_test is not None:
            problem = _filtered(step, value, ctx)
            if problem is not None:
                state.errors.append(_error(path, *problem))
        effective[name] = value
        constraint = step.constraint_test
        if constraint is not None:
            ctx.current = value
            passed = constraint(ctx)
            ctx.current = None
            if not passed:
                message = step.question.constraint_message
                state.errors.append(
                    _error(
                        path,
                        "answer.constraint_failed",
                        text(message, "vi") or "Câu trả lời không đúng điều kiện của câu hỏi.",
                        text(message, "en") or "The answer does not meet this question's condition.",
                    )
                )


UNUSABLE = frozenset(
    {
        "answer.wrong_type",
        "answer.invalid_date",
        "answer.invalid_geopoint",
        "answer.invalid_time",
        "answer.invalid_datetime",
    }
)


def offered_choices(step: Any, ctx: EvalContext) -> list[str]:
    """The values a question with a choice_filter offers for the answers in ``ctx``, in the choices' order."""
    test = step.choice_filter_test
    offered = []
    for choice_value, row in step.choice_rows:
        ctx.choice = row
        if test(ctx):
            offered.append(choice_value)
    ctx.choice = None
    return offered


def _filtered(step: Any, value: Any, ctx: EvalContext) -> Problem | None:
    """A chosen value that the question's choice_filter does not offer for these answers."""
    offered = set(offered_choices(step, ctx))
    chosen = value if isinstance(value, list) else [value]
    hidden = [item for item in chosen if item not in offered]
    if not hidden:
        return None
    shown = ", ".join(repr(item) for item in hidden[:5])
    return Problem(
        "answer.filtered_choice",
        f"Phương án không được đưa ra với các câu trả lời trước: {shown}.",
        f"Not offered for the earlier answers (choice filter): {shown}.",
    )


def _run_repeat(
    repeat: CompiledRepeat,
    answers: Mapping[str, Any],
    ctx: EvalContext,
    state: VisitState,
    stored: dict[str, Any] | None,
    prefix: str,
    visible: bool,
    all_names: Collection[str],
) -> None:
    name = repeat.name
    path = prefix + name
    if not prefix:
        state.visible[name] = visible
    value = answers.get(name)
    instances: list[Any] = []
    if value is not None and value != []:
        if not visible:
            state.errors.append(
                _error(
                    path,
                    "answer.not_relevant",
                    "Nhóm lặp này đang bị ẩn nên không được trả lời.",
                    "This repeat is hidden by its conditions, so it must not be answered.",
                )
            )
        elif not isinstance(value, list) or not all(isinstance(item, Mapping) for item in value):
            state.errors.append(
                _error(
                    path,
                    "answer.wrong_type",
                    "Cần một danh sách, mỗi lần lặp là một đối tượng.",
                    "Expected a list with one object per instance.",
                )
            )
        elif len(value) > MAX_REPEAT_INSTANCES:
            state.errors.append(
                _error(
                    path,
                    "answer.too_many_instances",
                    f"Tối đa {MAX_REPEAT_INSTANCES} lần lặp.",
                    f"At most {MAX_REPEAT_INSTANCES} instances.",
                )
            )
        else:
            instances = value
    if visible and repeat.count_value is not None:
        wanted = to_number(repeat.count_value(ctx))
        readable = instances is value or value is None or value == []
        if readable and wanted is not None and int(wanted) != len(instances):
            state.errors.append(
                _error(
                    path,
                    "answer.repeat_count",
                    f"Cần đúng {int(wanted)} lần lặp, nhận {len(instances)}.",
                    f"Expected exactly {int(wanted)} instances, got {len(instances)}.",
                )
            )
    outer = ctx.answers
    results: list[dict[str, Any]] = []
    stored_instances: list[Any] = []
    for index, instance in enumerate(instances, start=1):
        inner_effective: dict[str, Any] = {}
        inner_stored = dict(instance) if stored is not None else None
        # ChainMap is typed for mutable maps, but it writes only to its first (a dict); `outer` is only read.
        ctx.answers = ChainMap(inner_effective, outer)  # type: ignore[arg-type]
        ctx.position = index
        inner_prefix = f"{path}[{index}]."
        _run_steps(repeat.steps, instance, ctx, state, inner_effective, inner_stored, inner_prefix, True, all_names)
        _unknown_keys(instance, repeat.names, repeat.group_names, all_names, state, inner_prefix)
        results.append(inner_effective)
        stored_instances.append(inner_stored)
    ctx.answers = outer
    ctx.position = 0
    if not isinstance(outer, dict):
        return  # a repeat inside a repeat is refused when the form is loaded
    outer[name] = tuple(results)
    for child in repeat.names:
        outer[child] = tuple(result.get(child) for result in results)
    if stored is not None and instances:
        stored[name] = stored_instances


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


def required_attachments(form: FormDefinition | CompiledForm, answers: Mapping[str, Any]) -> dict[str, str]:
    """For each audio, video or file question shown and answered (with a file name): question → kind. Each takes
    exactly one file, whose name is the answer."""
    compiled = compile_form(form)
    if not compiled.attachment_kinds:
        return {}
    visible = run_visit(compiled, answers).visible
    return {
        name: kind
        for name, kind in compiled.attachment_kinds.items()
        if visible.get(name) and isinstance(answers.get(name), str) and not is_blank(answers.get(name))
    }


def geopoint_threshold(form: FormDefinition | CompiledForm) -> float | None:
    """The strictest GPS accuracy threshold (metres) among geopoint questions, or None."""
    return compile_form(form).geopoint_threshold
