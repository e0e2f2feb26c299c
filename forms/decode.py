"""Decode a raw definition piece by piece so that every structural error is reported.

msgspec stops at the first error. When the fast whole-definition decode fails, this
module walks the raw data field by field, collects each error with its path, and keeps
whatever did decode (as ``Unreadable`` placeholders for broken parts) so the semantic
checks can still run on the rest and report their findings in the same pass.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any, get_args, get_origin

import msgspec

from forms.errors import FormError
from forms.spec import FormDefinition, Indicator, Level, Question, Rubric

QUESTION_CLASSES: dict[str, type[msgspec.Struct]] = {cls.__struct_config__.tag: cls for cls in get_args(Question)}
_ELEMENT_TYPES = (Indicator, Level)
_MSGSPEC_PATH = re.compile(r" - at `\$(?P<path>[^`]*)`$")
_MISSING = re.compile(r"^Object missing required field `(?P<field>[^`]+)`$")
_UNKNOWN = re.compile(r"^Object contains unknown field `(?P<field>[^`]+)`$")
_EXPECTED_GOT = re.compile(r"^Expected `(?P<expected>[^`]+)`, got `(?P<got>[^`]+)`$")
_EXPECTED_BOUND = re.compile(r"^Expected `(?P<expected>[^`]+)` (?P<bound>.+)$")


@dataclass
class Unreadable:
    """A part of the definition that failed to decode; ``fields`` holds what did decode."""

    type_tag: str | None
    fields: dict[str, Any] = field(default_factory=dict)

    def get(self, name: str, default: Any = None) -> Any:
        return self.fields.get(name, default)


def join_path(base: str, part: str | int) -> str:
    if isinstance(part, int):
        return f"{base}[{part}]"
    return f"{base}.{part}" if base else part


def decode_error(path: str, message: str) -> FormError:
    """Turn a msgspec validation message into a FormError with our path and wording."""
    located = _MSGSPEC_PATH.search(message)
    if located:
        message = message[: located.start()]
        inner = located.group("path")
        path = (path + inner) if path else inner.lstrip(".")
    if match := _MISSING.match(message):
        return FormError(
            path=join_path(path, match["field"]),
            code="form.missing_field",
            message_vi=f"Thiếu mục bắt buộc “{match['field']}”.",
            message_en=f"Required field '{match['field']}' is missing.",
        )
    if match := _UNKNOWN.match(message):
        return FormError(
            path=join_path(path, match["field"]),
            code="form.unknown_field",
            message_vi=f"Mục “{match['field']}” không có trong mẫu phiếu (có thể gõ sai tên).",
            message_en=f"Unknown field '{match['field']}' (perhaps a typo).",
        )
    if match := _EXPECTED_GOT.match(message):
        return FormError(
            path=path,
            code="form.invalid_structure",
            message_vi=f"Sai kiểu dữ liệu: cần {match['expected']} nhưng nhận {match['got']}.",
            message_en=f"Expected {match['expected']}, got {match['got']}.",
        )
    if match := _EXPECTED_BOUND.match(message):
        return FormError(
            path=path,
            code="form.invalid_structure",
            message_vi=f"Giá trị phải là {match['expected']} {match['bound']}.",
            message_en=f"Expected {match['expected']} {match['bound']}.",
        )
    return FormError(
        path=path,
        code="form.invalid_structure",
        message_vi=f"Giá trị không hợp lệ: {message}.",
        message_en=f"{message}.",
    )


class PieceDecoder:
    def __init__(self) -> None:
        self.errors: list[FormError] = []

    def decode(self, raw: Any, annotation: Any, path: str) -> Any:
        try:
            return msgspec.convert(raw, annotation)
        except msgspec.ValidationError as error:
            return self._descend(raw, annotation, path, str(error))

    def _descend(self, raw: Any, annotation: Any, path: str, message: str) -> Any:
        # Compared with == : resolving "list[Question]" builds an equal, not identical, union.
        if annotation == Question:
            return self._question(raw, path)
        origin = get_origin(annotation)
        if origin is list and isinstance(raw, list):
            (element,) = get_args(annotation)
            if element == Question or element in _ELEMENT_TYPES:
                return [self.decode(item, element, join_path(path, index)) for index, item in enumerate(raw)]
        if annotation == Rubric | None and isinstance(raw, dict):
            return self._struct(raw, Rubric, path, None)
        if isinstance(annotation, type) and annotation in (*_ELEMENT_TYPES, FormDefinition) and isinstance(raw, dict):
            return self._struct(raw, annotation, path, None)
        self.errors.append(decode_error(path, message))
        return Unreadable(type_tag=None)

    def _question(self, raw: Any, path: str) -> Any:
        if not isinstance(raw, dict):
            self.errors.append(
                FormError(
                    path=path,
                    code="form.invalid_structure",
                    message_vi="Mỗi câu hỏi phải là một đối tượng JSON.",
                    message_en="Each question must be a JSON object.",
                )
            )
            return Unreadable(type_tag=None)
        tag = raw.get("type")
        cls = QUESTION_CLASSES.get(tag) if isinstance(tag, str) else None
        if cls is None:
            known = ", ".join(QUESTION_CLASSES)
            self.errors.append(
                FormError(
                    path=join_path(path, "type"),
                    code="form.unknown_question_type",
                    message_vi=f"Loại câu hỏi {tag!r} không hợp lệ; chọn một trong: {known}.",
                    message_en=f"Question type {tag!r} is not one of: {known}.",
                )
            )
            partial = Unreadable(type_tag=None)
            if isinstance(raw.get("name"), str):
                partial.fields["name"] = raw["name"]
            return partial
        return self._struct(raw, cls, path, tag)

    def _struct(self, raw: dict[str, Any], cls: type[msgspec.Struct], path: str, tag: str | None) -> Any:
        before = len(self.errors)
        struct_fields = {item.encode_name: item for item in msgspec.structs.fields(cls)}
        tag_field = cls.__struct_config__.tag_field
        for key in raw:
            if key not in struct_fields and key != tag_field:
                self.errors.append(decode_error(path, f"Object contains unknown field `{key}`"))
        decoded: dict[str, Any] = {}
        for name, item in struct_fields.items():
            if name not in raw:
                if item.required:
                    self.errors.append(decode_error(path, f"Object missing required field `{name}`"))
                continue
            decoded[name] = self.decode(raw[name], item.type, join_path(path, name))
        if len(self.errors) == before:
            return cls(**decoded)
        return Unreadable(type_tag=tag, fields=decoded)


def decode_pieces(raw: dict[str, Any]) -> tuple[Unreadable, list[FormError]]:
    """Decode a definition that failed whole; returns the partial form and every error."""
    decoder = PieceDecoder()
    partial = decoder._struct(raw, FormDefinition, "", None)
    return partial, decoder.errors
