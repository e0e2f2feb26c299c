"""Labels in any number of languages, Vietnamese first.

A label is a mapping of language code to text. Forms authored here must give ``vi``; an
imported form without it takes its default language's text for ``vi`` (the importer warns).
Loading also fills ``en`` when it is missing (from the default language, else ``vi``), because
phones released before multi-language labels read exactly ``label.vi`` / ``label.en``.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from forms.spec import (
    FormDefinition,
    Group,
    Label,
    Question,
    RepeatGroup,
    SelectMultipleQuestion,
    SelectOneQuestion,
)

# ISO 639 code with optional BCP 47 subtags: vi, en, zh-Hans, sw, fr-CA.
LANGUAGE_CODE = re.compile(r"[a-z]{2,3}(?:-[A-Za-z0-9]{2,8})*")
REQUIRED_LANGUAGE = "vi"
PHONE_LANGUAGES = ("vi", "en")


def text(label: Label | None, language: str, fallback: str = REQUIRED_LANGUAGE) -> str | None:
    """The label in ``language``, else in ``fallback``, else None."""
    if not label:
        return None
    return label.get(language) or label.get(fallback)


def _question_labels(question: Question) -> Iterator[Label]:
    for field_name in ("label", "hint", "constraint_message"):
        value = getattr(question, field_name, None)
        if isinstance(value, dict):
            yield value
    if isinstance(question, (SelectOneQuestion, SelectMultipleQuestion)):
        for choice in question.choices:
            yield choice.label
    if isinstance(question, (Group, RepeatGroup)):
        for child in question.questions:
            yield from _question_labels(child)


def all_labels(definition: FormDefinition) -> Iterator[Label]:
    yield definition.title
    if definition.description is not None:
        yield definition.description
    for question in definition.questions:
        yield from _question_labels(question)
    if definition.rubric is not None:
        for indicator in definition.rubric.indicators:
            yield indicator.label
        for level in definition.rubric.levels:
            yield level.name


def fill_phone_languages(definition: FormDefinition) -> None:
    """Give every label an ``en`` (and ``vi``) so phones that know only those two keep working.

    Labels are plain dicts inside the frozen definition; they are filled in place once, at load.
    """
    default = definition.default_language
    for label in all_labels(definition):
        fallback = label.get(default) or label.get(REQUIRED_LANGUAGE) or next(iter(label.values()), "")
        for language in PHONE_LANGUAGES:
            if not label.get(language):
                label[language] = fallback
