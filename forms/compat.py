"""Can a new version of a form replace the previous one without breaking stored visits?"""

from __future__ import annotations

from collections.abc import Iterator

from forms.decode import join_path
from forms.errors import FormError
from forms.spec import FormDefinition, Group, Question, RepeatGroup, question_type


def _flatten(questions: list[Question], path: str) -> Iterator[tuple[str, Question]]:
    for index, question in enumerate(questions):
        question_path = join_path(path, index)
        yield question_path, question
        if isinstance(question, (Group, RepeatGroup)):
            yield from _flatten(question.questions, join_path(question_path, "questions"))


def check_compatible(previous: FormDefinition, new: FormDefinition) -> list[FormError]:
    """Problems that stop ``new`` from succeeding ``previous`` (empty list when compatible).

    Old answers stay keyed by question name, so a name must keep meaning the same kind
    of answer; adding and removing questions is fine.
    """
    errors: list[FormError] = []
    if previous.id != new.id:
        errors.append(FormError(
            path="id", code="form.id_changed",
            message_vi=f"Mã mẫu phiếu đổi từ “{previous.id}” sang “{new.id}”; phiên bản mới phải giữ nguyên mã.",
            message_en=f"The form id changed from '{previous.id}' to '{new.id}'; a new version must keep the id.",
        ))
    old_types = {question.name: question_type(question) for _, question in _flatten(previous.questions, "questions")}
    for path, question in _flatten(new.questions, "questions"):
        old_type = old_types.get(question.name)
        new_type = question_type(question)
        if old_type is not None and old_type != new_type:
            errors.append(FormError(
                path=path, code="form.retyped_question",
                message_vi=f"Câu hỏi “{question.name}” đổi loại từ {old_type} sang {new_type}; câu trả lời cũ sẽ"
                           " không còn đúng. Hãy đặt tên mới cho câu hỏi mới.",
                message_en=f"Question '{question.name}' changed type from {old_type} to {new_type}; stored answers"
                           " would no longer fit. Give the new question a new name.",
            ))
    return errors
