"""Can a new version of a form replace the previous one without breaking stored visits?"""

from __future__ import annotations

from collections.abc import Iterator

from forms.decode import join_path
from forms.errors import FormError
from forms.spec import FormDefinition, Group, Question, RepeatGroup, question_type


def _flatten(questions: list[Question], path: str) -> Iterator[tuple[str, Question]]:
    for question_path, question, _ in _walk(questions, path, None):
        yield question_path, question


def _walk(questions: list[Question], path: str, repeat: str | None) -> Iterator[tuple[str, Question, str | None]]:
    """(path, question, the repeat it sits in) in document order."""
    for index, question in enumerate(questions):
        question_path = join_path(path, index)
        yield question_path, question, repeat
        if isinstance(question, (Group, RepeatGroup)):
            inner = question.name if isinstance(question, RepeatGroup) else repeat
            yield from _walk(question.questions, join_path(question_path, "questions"), inner)


def check_compatible(previous: FormDefinition, new: FormDefinition) -> list[FormError]:
    """Problems that stop ``new`` from succeeding ``previous`` (empty list when compatible).

    Old answers stay keyed by question name, so a name must keep meaning the same kind
    of answer; adding and removing questions is fine.
    """
    errors: list[FormError] = []
    if previous.id != new.id:
        errors.append(
            FormError(
                path="id",
                code="form.id_changed",
                message_vi=f"Mã mẫu phiếu đổi từ “{previous.id}” sang “{new.id}”; phiên bản mới phải giữ nguyên mã.",
                message_en=f"The form id changed from '{previous.id}' to '{new.id}'; a new version must keep the id.",
            )
        )
    old_types = {question.name: question_type(question) for _, question in _flatten(previous.questions, "questions")}
    old_repeats = {question.name: repeat for _, question, repeat in _walk(previous.questions, "questions", None)}
    for path, question, repeat in _walk(new.questions, "questions", None):
        if question.name in old_repeats and old_repeats[question.name] != repeat:
            was, now = old_repeats[question.name], repeat
            errors.append(
                FormError(
                    path=path,
                    code="form.moved_across_repeat",
                    message_vi=f"Câu hỏi “{question.name}” chuyển {'ra khỏi nhóm lặp “' + was + '”' if was else 'vào'}"
                    f"{' nhóm lặp “' + now + '”' if now else ''}; câu trả lời cũ nằm ở chỗ khác."
                    " Hãy đặt tên mới cho câu hỏi.",
                    message_en=f"Question '{question.name}' moved {'out of repeat ' + repr(was) if was else 'into'}"
                    f"{' repeat ' + repr(now) if now else ''}; stored answers sit elsewhere."
                    " Give the question a new name.",
                )
            )
            continue
        old_type = old_types.get(question.name)
        new_type = question_type(question)
        if old_type is not None and old_type != new_type:
            errors.append(
                FormError(
                    path=path,
                    code="form.retyped_question",
                    message_vi=f"Câu hỏi “{question.name}” đổi loại từ {old_type} sang {new_type}; câu trả lời cũ sẽ"
                    " không còn đúng. Hãy đặt tên mới cho câu hỏi mới.",
                    message_en=f"Question '{question.name}' changed type from {old_type} to {new_type}; stored answers"
                    " would no longer fit. Give the new question a new name.",
                )
            )
    return errors
