"""pyxform JSON nodes → our question dicts, listing what cannot be carried over."""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from forms.errors import FormError

# pyxform's type names (after its alias rewriting) → ours.
TYPE_MAP = {
    "text": "text",
    "integer": "integer",
    "decimal": "decimal",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "date": "date",
    "geopoint": "geopoint",
    "photo": "photo",
    "note": "note",
    "acknowledge": "boolean",
    "group": "group",
}
# Keys of a pyxform node that we read; any other key is a feature we would lose.
KNOWN_KEYS = frozenset({"type", "name", "label", "hint", "bind", "choices", "itemset", "list_name", "parameters",
                        "children", "control"})
KNOWN_BIND = frozenset({"required", "relevant", "constraint", "jr:constraintMsg"})
# pyxform's bind/control keys named back as the spreadsheet column an admin would recognise.
COLUMN_NAMES = {"calculate": "calculation", "readonly": "read_only", "jr:requiredMsg": "required_message",
                "jr:count": "repeat_count", "jr:constraintMsg": "constraint_message"}
YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()"})
_MAX_PIXELS = re.compile(r"\s*max-pixels\s*=\s*[0-9]+\s*")
_LANGUAGE_CODE = re.compile(r"\(([A-Za-z-]+)\)\s*$")
_LANGUAGE_NAMES = {"vi": "vi", "vietnamese": "vi", "tiếng việt": "vi", "en": "en", "english": "en"}


class Rows:
    """Where each named survey row and each choice sits in the spreadsheet (row 1 = headers)."""

    def __init__(self, survey: Sequence[Mapping[str, Any]], choices: Sequence[Mapping[str, Any]]) -> None:
        self.by_name: dict[str, int] = {}
        self.types: dict[str, str] = {}
        for index, row in enumerate(survey):
            name = row.get("name")
            if isinstance(name, str) and name and name not in self.by_name:
                self.by_name[name] = index + 2
                self.types[name] = str(row.get("type", ""))
        self.choice_rows: dict[tuple[str, str], int] = {}
        for index, row in enumerate(choices):
            key = (str(row.get("list_name", "")), str(row.get("name", "")))
            self.choice_rows.setdefault(key, index + 2)

    def path(self, name: str, column: str) -> str:
        row = self.by_name.get(name)
        where = f"row={row},name={name}" if row else f"name={name}"
        return f"survey[{where}].{column}"

    def choice_path(self, list_name: str, value: str, column: str) -> str:
        row = self.choice_rows.get((list_name, value))
        return f"choices[row={row},list_name={list_name},name={value}].{column}"


class LabelReader:
    """Reads pyxform label values (str, or {language: text}) into our {vi, en}."""

    def __init__(self) -> None:
        self.other_languages: set[str] = set()

    def language_code(self, language: Any) -> str | None:
        if not isinstance(language, str):
            return None
        code = _LANGUAGE_CODE.search(language)
        key = (code.group(1) if code else language).strip().lower()
        return _LANGUAGE_NAMES.get(key)

    def read(self, value: Any) -> dict[str, str] | None:
        if value is None:
            return None
        if isinstance(value, str):
            return {"vi": value, "en": value}
        if not isinstance(value, Mapping):
            return None
        found: dict[str, str] = {}
        for language, text in value.items():
            code = self.language_code(language)
            if code is not None:
                found.setdefault(code, str(text))
            elif language != "default":
                self.other_languages.add(str(language))
        default = value.get("default")
        vi = found.get("vi") or default or found.get("en") or ""
        en = found.get("en") or default or vi
        return {"vi": str(vi), "en": str(en)}

    def language_errors(self) -> list[FormError]:
        return [
            FormError(
                path=f"survey.label::{language}", code="xlsform.unsupported",
                message_vi=f"Ngôn ngữ “{language}” chưa được hỗ trợ; chỉ dùng tiếng Việt (vi) và tiếng Anh (en).",
                message_en=f"Language '{language}' is not supported; only Vietnamese (vi) and English (en).",
            )
            for language in sorted(self.other_languages)
        ]


def _unsupported(path: str, vi: str, en: str) -> FormError:
    return FormError(path=path, code="xlsform.unsupported", message_vi=vi, message_en=en)


def convert_children(
    children: Sequence[Mapping[str, Any]], rows: Rows, labels: LabelReader, errors: list[FormError]
) -> list[dict[str, Any]]:
    converted = []
    for node in children:
        name = str(node.get("name", ""))
        if name not in rows.by_name:
            # pyxform added it (meta/instanceID, a repeat's count, an or_other text box);
            # the row that caused it is checked on its own.
            continue
        question = _convert(node, name, rows, labels, errors)
        if question is not None:
            converted.append(question)
    return converted


def _convert(
    node: Mapping[str, Any], name: str, rows: Rows, labels: LabelReader, errors: list[FormError]
) -> dict[str, Any] | None:
    pyxform_type = str(node.get("type", ""))
    sheet_type = rows.types.get(name, pyxform_type)
    kind = TYPE_MAP.get(pyxform_type)
    if kind is None or "or_other" in sheet_type or "from_file" in sheet_type:
        errors.append(_unsupported(
            rows.path(name, "type"),
            f"Dòng “{name}”: loại câu hỏi “{sheet_type}” chưa được hỗ trợ.",
            f"Row '{name}': question type '{sheet_type}' is not supported.",
        ))
        # Still look inside (a repeat's rows) so each unsupported row gets listed.
        convert_children(node.get("children", []), rows, labels, errors)
        return None
    question: dict[str, Any] = {"type": kind, "name": name,
                                "label": labels.read(node.get("label")) or {"vi": name, "en": name}}
    hint = labels.read(node.get("hint"))
    if hint is not None:
        question["hint"] = hint
    for key in sorted(set(node) - KNOWN_KEYS):
        _report_column(errors, rows, name, key)
    _read_bind(node.get("bind") or {}, question, kind, rows, labels, errors)
    _read_control(node.get("control") or {}, question, kind, rows, errors)
    _read_parameters(node.get("parameters"), kind, name, rows, errors)
    if kind in ("select_one", "select_multiple"):
        question["choices"] = _read_choices(node, rows, labels, errors)
    if kind == "group":
        question["questions"] = convert_children(node.get("children", []), rows, labels, errors)
        question.pop("required", None)
    if kind == "photo":
        question["min_count"] = 1 if question.get("required") else 0
        question["max_count"] = 1
    return question


def _report_column(errors: list[FormError], rows: Rows, name: str, key: str) -> None:
    column = COLUMN_NAMES.get(key, key)
    errors.append(_unsupported(
        rows.path(name, column),
        f"Dòng “{name}”: cột “{column}” chưa được hỗ trợ.",
        f"Row '{name}': column '{column}' is not supported.",
    ))


def _read_bind(bind: Mapping[str, Any], question: dict[str, Any], kind: str, rows: Rows,
               labels: LabelReader, errors: list[FormError]) -> None:
    name = question["name"]
    for key in sorted(set(bind) - KNOWN_BIND):
        if not (kind == "photo" and key == "orx:max-pixels"):
            _report_column(errors, rows, name, key)
    required = bind.get("required")
    if required is not None:
        text = str(required).strip().lower()
        if text in YES:
            question["required"] = True
        elif text not in NO:
            errors.append(_unsupported(
                rows.path(name, "required"),
                f"Dòng “{name}”: “bắt buộc” theo điều kiện ({required}) chưa được hỗ trợ; chỉ dùng yes/no.",
                f"Row '{name}': a conditional required ({required}) is not supported; use yes or no.",
            ))
    for key in ("relevant", "constraint"):
        if bind.get(key):
            question[key] = str(bind[key])
    message = labels.read(bind.get("jr:constraintMsg"))
    if message is not None:
        question["constraint_message"] = message
    edge = str(bind.get("orx:max-pixels", "")).strip()
    if kind == "photo" and edge.isdigit() and int(edge) > 0:
        # XLSForm's max-pixels is the longest edge; ours is a pixel count. Assume the
        # usual 4:3 phone photo: edge × ¾·edge.
        question["max_pixels"] = int(edge) * (int(edge) * 3 // 4)


def _read_control(control: Mapping[str, Any], question: dict[str, Any], kind: str, rows: Rows,
                  errors: list[FormError]) -> None:
    name = question["name"]
    for key, value in control.items():
        if key == "appearance":
            continue  # display only; our phone app lays questions out itself
        if kind == "geopoint" and key in ("accuracyThreshold", "unacceptableAccuracyThreshold"):
            continue
        _report_column(errors, rows, name, COLUMN_NAMES.get(key, f"control:{key}"))
    if kind == "geopoint":
        # warning-accuracy (worse than this is flagged) is what our threshold means;
        # capture-accuracy (auto-accept when this good) is the fallback.
        threshold = control.get("unacceptableAccuracyThreshold") or control.get("accuracyThreshold")
        try:
            if threshold:
                question["accuracy_threshold_m"] = float(threshold)
        except ValueError:
            _report_column(errors, rows, name, "parameters")


def _read_parameters(parameters: Any, kind: str, name: str, rows: Rows, errors: list[FormError]) -> None:
    if not parameters:
        return
    if kind == "photo" and isinstance(parameters, str) and _MAX_PIXELS.fullmatch(parameters):
        return
    if kind == "geopoint":
        return  # capture-accuracy / warning-accuracy, read from control above
    errors.append(_unsupported(
        rows.path(name, "parameters"),
        f"Dòng “{name}”: tham số “{parameters}” chưa được hỗ trợ.",
        f"Row '{name}': parameters '{parameters}' are not supported.",
    ))


def _read_choices(node: Mapping[str, Any], rows: Rows, labels: LabelReader,
                  errors: list[FormError]) -> list[dict[str, Any]]:
    list_name = str(node.get("list_name") or node.get("itemset") or "")
    choices = []
    for choice in node.get("choices") or []:
        value = str(choice.get("name", ""))
        for key in sorted(set(choice) - {"name", "label"}):
            errors.append(_unsupported(
                rows.choice_path(list_name, value, key),
                f"Danh sách “{list_name}”, phương án “{value}”: cột “{key}” chưa được hỗ trợ.",
                f"Choice list '{list_name}', choice '{value}': column '{key}' is not supported.",
            ))
        choices.append({"value": value, "label": labels.read(choice.get("label")) or {"vi": value, "en": value}})
    return choices
