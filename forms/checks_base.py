"""The shared ground of the form checks: name patterns and limits, the field reader ``get``, ``Declared``, and
``CheckerBase`` (the errors found, the questions declared so far, and the label and name checks every pass uses).

Works on real Structs and on ``Unreadable`` placeholders alike (forms/decode.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from msgspec import UnsetType

from forms.decode import Unreadable, join_path
from forms.errors import FormError
from forms.expr import RESERVED_WORDS
from forms.labels import LANGUAGE_CODE, REQUIRED_LANGUAGE
from forms.spec import Base

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Any XML name (ASCII), as ODK accepts: `household-skills`, `ODKValidateWarnings`, `xl_date_ambiguous_v1`, `a.b`.
FORM_ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
MAX_FORM_ID_LENGTH = 64
SELECT_KINDS = frozenset({"select_one", "select_multiple"})
# Kinds with no value in the answers dict, so an expression cannot read them (a repeat only through count()).
UNANSWERABLE_KINDS = frozenset({"group", "note", "photo", "repeat"})
CONTAINER_KINDS = frozenset({"group", "repeat"})
MAX_REPEAT_INSTANCES = 200


def get(node: Any, name: str) -> Any:
    """A field of a Struct or of an Unreadable; None when absent or itself unreadable."""
    value = node.get(name) if isinstance(node, Unreadable) else getattr(node, name, None)
    return None if isinstance(value, (Unreadable, UnsetType)) else value


def kind_of(node: Any) -> str | None:
    if isinstance(node, Unreadable):
        return node.type_tag
    if isinstance(node, Base):
        tag = type(node).__struct_config__.tag
        return tag if isinstance(tag, str) else None  # untagged structs (None); no int tags are declared
    return None


@dataclass
class Declared:
    """A question or group, in document order."""

    name: str
    path: str
    kind: str | None
    node: Any
    order: int
    # The repeat this question is asked in (its name), None outside any repeat.
    repeat: str | None = None

    @property
    def choice_values(self) -> set[str] | None:
        choices = get(self.node, "choices")
        if self.kind not in SELECT_KINDS or choices is None:
            return None
        return {value for choice in choices if isinstance(value := get(choice, "value"), str)}


class CheckerBase:
    """What every pass shares: errors found, questions declared (in order, by name), the label and name checks."""

    def __init__(self) -> None:
        self.errors: list[FormError] = []
        self.entries: list[Declared] = []
        self.by_name: dict[str, Declared] = {}

    def add(self, path: str, code: str, vi: str, en: str) -> None:
        self.errors.append(FormError(path=path, code=code, message_vi=vi, message_en=en))

    def check_label(self, label: Any, path: str) -> None:
        if not isinstance(label, dict):
            return
        if REQUIRED_LANGUAGE not in label:
            self.add(
                join_path(path, REQUIRED_LANGUAGE),
                "form.missing_vietnamese",
                "Thiếu nội dung tiếng Việt (vi).",
                "The Vietnamese text (vi) is missing.",
            )
        for language, text in label.items():
            if not LANGUAGE_CODE.fullmatch(language):
                self.add(
                    join_path(path, language),
                    "form.invalid_language",
                    f"Mã ngôn ngữ “{language}” không hợp lệ (ví dụ: vi, en, zh-Hans).",
                    f"Language code '{language}' is not valid (e.g. vi, en, zh-Hans).",
                )
            elif not text.strip():
                self.add(
                    join_path(path, language),
                    "form.empty_label",
                    "Nội dung hiển thị không được để trống.",
                    "The label text must not be empty.",
                )

    def check_name(self, name: Any, path: str) -> bool:
        if not isinstance(name, str):
            return False
        if not NAME_PATTERN.fullmatch(name) or name in RESERVED_WORDS:
            self.add(
                path,
                "form.invalid_name",
                f"Tên “{name}” không hợp lệ: chỉ dùng chữ không dấu, số và dấu _, không bắt đầu bằng số,"
                " tối đa 64 ký tự, không trùng từ khóa (and, or, not, div, mod, true, false).",
                f"Name '{name}' is invalid: use ASCII letters, digits and '_', not starting with a digit,"
                " at most 64 characters, and not a keyword (and, or, not, div, mod, true, false).",
            )
            return False
        return True
