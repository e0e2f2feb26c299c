"""pyxform JSON nodes → our question dicts, listing what cannot be carried over.

Refusals (``errors``) name the sheet row and say what to use instead; things that are only
dropped — display columns, Kobo's bookkeeping columns, metadata rows — become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from forms.errors import FormError
from forms.xlsform_labels import LabelReader

# pyxform's type names (after its alias rewriting) → ours.
TYPE_MAP = {
    "text": "text",
    "phone number": "text",  # an old XLSForm alias of text
    "integer": "integer",
    "decimal": "decimal",
    "range": "range",
    "select one": "select_one",
    "select all that apply": "select_multiple",
    "date": "date",
    "time": "time",
    "dateTime": "datetime",
    "geopoint": "geopoint",
    "photo": "photo",
    "note": "note",
    "acknowledge": "boolean",
    "trigger": "boolean",
    "calculate": "calculate",
    "group": "group",
    "repeat": "repeat",
}
# Rows the phone fills by itself. The app already sends the visit's start and end time and which app
# sent it, so none of them becomes a question.
METADATA = {
    "start": "the visit's started_at",
    "end": "the visit's finished_at",
    "today": "the visit's started_at date",
    "deviceid": "the app name and version sent with each visit",
    "audit": None,
    "username": "the signed-in member",
    "phonenumber": None,
    "simserial": None,
    "subscriberid": None,
    "email": None,
    "start-geopoint": "the visit's location",
}
# Types we refuse, and what to use instead (English; the Vietnamese is written beside it below).
INSTEAD = {
    "select_one_from_file": (
        "đưa danh sách vào trang choices (lọc bằng choice_filter)",
        "put the list on the choices sheet (narrow it with choice_filter)",
    ),
    "select_multiple_from_file": (
        "đưa danh sách vào trang choices (lọc bằng choice_filter)",
        "put the list on the choices sheet (narrow it with choice_filter)",
    ),
    "loop": ("dùng nhóm lặp (begin repeat … end repeat)", "use a repeat (begin repeat … end repeat)"),
    "include": ("chép các dòng vào chính mẫu phiếu này", "copy the rows into this form"),
    "xml-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "csv-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "rank": ("dùng select_multiple", "use select_multiple"),
    "geotrace": ("dùng geopoint", "use a geopoint"),
    "geoshape": ("dùng geopoint", "use a geopoint"),
    "audio": ("dùng câu hỏi ảnh (image)", "use a photo (image) question"),
    "background-audio": ("dùng câu hỏi ảnh (image)", "use a photo (image) question"),
    "video": ("dùng câu hỏi ảnh (image)", "use a photo (image) question"),
    "file": ("dùng câu hỏi ảnh (image)", "use a photo (image) question"),
    "barcode": ("dùng câu hỏi text", "use a text question"),
    "hidden": ("dùng dòng calculate", "use a calculate row"),
}
# Survey columns we read; any other column is ignored with a warning.
SURVEY_COLUMNS = frozenset(
    {
        "type",
        "name",
        "label",
        "hint",
        "required",
        "relevant",
        "constraint",
        "constraint_message",
        "calculation",
        "default",
        "read_only",
        "choice_filter",
        "trigger",
        "repeat_count",
        "appearance",
        "parameters",
    }
)
# Display-only columns dropped without a word (the phone app lays questions out itself).
QUIET_COLUMNS = frozenset({"appearance", "list_name"})
CHOICE_COLUMNS = frozenset({"list_name", "name", "label"})
YES = frozenset({"yes", "true", "true()"})
NO = frozenset({"no", "false", "false()", ""})
_MAX_PIXELS = re.compile(r"\s*max-pixels\s*=\s*[0-9]+\s*")


def _base_column(header: str) -> str:
    """``label::Vietnamese (vi)`` → ``label``; ``bind::foo`` stays whole (it is not ours)."""
    base = header.split("::", 1)[0].strip()
    return (
        base
        if base
        in (
            "label",
            "hint",
            "constraint_message",
            "required_message",
            "media",
            "image",
            "audio",
            "video",
            "guidance_hint",
        )
        else header.strip()
    )


class Rows:
    """Where each named survey row and each choice sits in the spreadsheet (row 1 = headers)."""

    def __init__(self, survey: Sequence[Mapping[str, Any]], choices: Sequence[Mapping[str, Any]]) -> None:
        self.by_name: dict[str, int] = {}
        self.types: dict[str, str] = {}
        self.raw: dict[str, Mapping[str, Any]] = {}
        for index, row in enumerate(survey):
            name = row.get("name")
            if isinstance(name, str) and name and name not in self.by_name:
                self.by_name[name] = index + 2
                self.types[name] = str(row.get("type", ""))
                self.raw[name] = row
        self.choice_rows: dict[tuple[str, str], int] = {}
        for index, row in enumerate(choices):
            key = (str(row.get("list_name", "")), str(row.get("name", "")))
            self.choice_rows.setdefault(key, index + 2)
        self.ignored_columns: dict[str, list[int]] = {}
        for index, row in enumerate(survey):
            for header, value in row.items():
                column = _base_column(str(header))
                if column not in SURVEY_COLUMNS and column not in QUIET_COLUMNS and value not in (None, ""):
                    self.ignored_columns.setdefault(column, []).append(index + 2)
        self.ignored_choice_columns: dict[str, list[int]] = {}
        for index, row in enumerate(choices):
            for header, value in row.items():
                column = _base_column(str(header))
                ignored = column.startswith("$") or column in ("media", "image", "audio", "video")
                if ignored and value not in (None, ""):
                    self.ignored_choice_columns.setdefault(column, []).append(index + 2)

    def path(self, name: str, column: str) -> str:
        row = self.by_name.get(name)
        where = f"row={row},name={name}" if row else f"name={name}"
        return f"survey[{where}].{column}"

    def choice_path(self, list_name: str, value: str, column: str) -> str:
        row = self.choice_rows.get((list_name, value))
        return f"choices[row={row},list_name={list_name},name={value}].{column}"

    def cell(self, name: str, column: str) -> str | None:
        value = self.raw.get(name, {}).get(column)
        return None if value in (None, "") else str(value).strip()

    def warnings(self) -> list[FormError]:
        found = []
        for sheet, columns in (("survey", self.ignored_columns), ("choices", self.ignored_choice_columns)):
            for column, rows in sorted(columns.items()):
                shown = ", ".join(str(row) for row in rows[:5]) + (" …" if len(rows) > 5 else "")
                found.append(
                    FormError(
                        path=f"{sheet}.{column}",
                        code="xlsform.ignored_column",
                        message_vi=f"Cột “{column}” không dùng trong Gõ Cửa nên được bỏ qua (dòng {shown}).",
                        message_en=f"Column '{column}' is not used by Gõ Cửa and was ignored (rows {shown}).",
                    )
                )
        return found


class Converter:
    def __init__(self, rows: Rows, labels: LabelReader) -> None:
        self.rows = rows
        self.labels = labels
        self.errors: list[FormError] = []
        self.warnings: list[FormError] = []

    def refuse(self, path: str, vi: str, en: str) -> None:
        self.errors.append(FormError(path=path, code="xlsform.unsupported", message_vi=vi, message_en=en))

    def children(self, children: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        converted = []
        for node in children:
            name = str(node.get("name", ""))
            if name not in self.rows.by_name:
                # pyxform added it (meta/instanceID, a repeat's count); an or_other text box is kept.
                other = self._specify_other(name)
                if other is not None:
                    converted.append(other)
                continue
            question = self.convert(node, name)
            if question is not None:
                converted.append(question)
        return converted

    def _specify_other(self, name: str) -> dict[str, Any] | None:
        select = name.removesuffix("_other")
        if select == name or "or_other" not in self.rows.types.get(select, ""):
            return None
        return {
            "type": "text",
            "name": name,
            "label": {"vi": "Ghi rõ lựa chọn khác", "en": "Specify other"},
            "required": True,
            "relevant": f"selected(${{{select}}}, 'other')",
        }

    def convert(self, node: Mapping[str, Any], name: str) -> dict[str, Any] | None:
        pyxform_type = str(node.get("type", ""))
        sheet_type = self.rows.types.get(name, pyxform_type)
        first_word = sheet_type.split()[0] if sheet_type.split() else sheet_type
        if pyxform_type in METADATA or first_word in METADATA:
            return None  # listed once by metadata_warning
        kind = TYPE_MAP.get(pyxform_type)
        if kind is None or "from_file" in sheet_type:
            vi, en = INSTEAD.get(
                first_word,
                INSTEAD.get(
                    pyxform_type,
                    (
                        "dùng một loại câu hỏi trong: " + ", ".join(sorted(set(TYPE_MAP.values()))),
                        "use one of: " + ", ".join(sorted(set(TYPE_MAP.values()))),
                    ),
                ),
            )
            self.refuse(
                self.rows.path(name, "type"),
                f"Dòng “{name}”: loại câu hỏi “{sheet_type}” chưa được hỗ trợ; hãy {vi}.",
                f"Row '{name}': question type '{sheet_type}' is not supported; {en}.",
            )
            self.children(node.get("children", []))  # still list each unsupported row inside it
            return None
        question: dict[str, Any] = {"type": kind, "name": name}
        label = self.labels.read(node.get("label"))
        if label is not None or kind != "calculate":
            question["label"] = label or {"vi": name, "en": name}
        hint = self.labels.read(node.get("hint"))
        if hint is not None:
            question["hint"] = hint
        self._bind(node.get("bind") or {}, question, kind)
        self._control(node.get("control") or {}, question, kind)
        self._parameters(node.get("parameters"), question, kind)
        self._default(node.get("default"), question, kind)
        if kind in ("select_one", "select_multiple"):
            question["choices"] = self._choices(node)
            choice_filter = node.get("choice_filter")
            if choice_filter:
                question["choice_filter"] = str(choice_filter)
        if kind == "calculate":
            trigger = node.get("trigger")
            if trigger:
                question["trigger"] = [str(item) for item in trigger]
        elif node.get("trigger"):
            self.refuse(
                self.rows.path(name, "trigger"),
                f"Dòng “{name}”: trigger chỉ dùng cho dòng calculate.",
                f"Row '{name}': trigger is only supported on calculate rows.",
            )
        if kind in ("group", "repeat"):
            question.pop("required", None)
            if kind == "repeat":
                count = self.rows.cell(name, "repeat_count")
                if count:
                    question["repeat_count"] = count
            question["questions"] = self.children(node.get("children", []))
        if kind == "photo":
            question["min_count"] = 1 if question.get("required") else 0
            question["max_count"] = 1
        return question

    def _bind(self, bind: Mapping[str, Any], question: dict[str, Any], kind: str) -> None:
        name = question["name"]
        required = bind.get("required")
        if required is not None:
            text = str(required).strip().lower()
            if text in YES:
                question["required"] = True
            elif text not in NO:
                question["required_if"] = str(required).strip()  # checked with the other expressions
        for key in ("relevant", "constraint"):
            if bind.get(key):
                question[key] = str(bind[key])
        message = self.labels.read(bind.get("jr:constraintMsg"))
        if message is not None:
            question["constraint_message"] = message
        calculation = bind.get("calculate")
        if calculation:
            if kind == "calculate":
                question["calculation"] = str(calculation)
            else:
                self.refuse(
                    self.rows.path(name, "calculation"),
                    f"Dòng “{name}”: chỉ dòng calculate mới có cột calculation; dùng một dòng calculate,"
                    " hoặc cột default để điền sẵn.",
                    f"Row '{name}': only calculate rows take a calculation; add a calculate row, or use"
                    " default to prefill.",
                )
        readonly = str(bind.get("readonly", "")).strip().lower()
        if readonly in YES and kind not in ("calculate", "group", "repeat", "note"):
            question["read_only"] = True
        edge = str(bind.get("orx:max-pixels", "")).strip()
        if kind == "photo" and edge.isdigit() and int(edge) > 0:
            # XLSForm's max-pixels is the longest edge; ours is a pixel count. Assume the
            # usual 4:3 phone photo: edge × ¾·edge.
            question["max_pixels"] = int(edge) * (int(edge) * 3 // 4)

    def _control(self, control: Mapping[str, Any], question: dict[str, Any], kind: str) -> None:
        if kind != "geopoint":
            return
        # warning-accuracy (worse than this is flagged) is what our threshold means;
        # capture-accuracy (auto-accept when this good) is the fallback.
        threshold = control.get("unacceptableAccuracyThreshold") or control.get("accuracyThreshold")
        try:
            if threshold:
                question["accuracy_threshold_m"] = float(threshold)
        except ValueError:
            self.refuse(
                self.rows.path(question["name"], "parameters"),
                f"Dòng “{question['name']}”: độ chính xác GPS “{threshold}” không phải là số.",
                f"Row '{question['name']}': GPS accuracy '{threshold}' is not a number.",
            )

    def _parameters(self, parameters: Any, question: dict[str, Any], kind: str) -> None:
        name = question["name"]
        if kind == "range":
            given = parameters if isinstance(parameters, Mapping) else {}
            try:
                question["start"] = float(given.get("start", 1))
                question["end"] = float(given.get("end", 10))
                question["step"] = float(given.get("step", 1))
            except (TypeError, ValueError):
                self.refuse(
                    self.rows.path(name, "parameters"),
                    f"Dòng “{name}”: start, end và step của thanh trượt phải là số.",
                    f"Row '{name}': a range's start, end and step must be numbers.",
                )
            return
        if not parameters or kind == "geopoint":
            return  # geopoint: capture-accuracy / warning-accuracy, read from control above
        if kind == "photo" and isinstance(parameters, str) and _MAX_PIXELS.fullmatch(parameters):
            return
        shown = parameters if isinstance(parameters, str) else " ".join(f"{k}={v}" for k, v in parameters.items())
        self.warnings.append(
            FormError(
                path=self.rows.path(name, "parameters"),
                code="xlsform.ignored_column",
                message_vi=f"Dòng “{name}”: tham số “{shown}” không dùng trong Gõ Cửa nên được bỏ qua.",
                message_en=f"Row '{name}': parameters '{shown}' are not used by Gõ Cửa and were ignored.",
            )
        )

    def _default(self, default: Any, question: dict[str, Any], kind: str) -> None:
        if default in (None, ""):
            return
        name = question["name"]
        text = str(default).strip()
        if "${" in text or "(" in text:
            self.refuse(
                self.rows.path(name, "default"),
                f"Dòng “{name}”: giá trị mặc định tính từ biểu thức chưa được hỗ trợ; dùng một dòng calculate.",
                f"Row '{name}': a default computed from an expression is not supported; use a calculate row.",
            )
            return
        value: Any = text
        if kind == "integer":
            value = int(text) if re.fullmatch(r"-?[0-9]+", text) else text
        elif kind in ("decimal", "range"):
            try:
                number = float(text)
                value = int(number) if number.is_integer() and kind == "decimal" and "." not in text else number
            except ValueError:
                value = text
        elif kind == "boolean":
            value = text.lower() in YES | {"ok"}
        elif kind == "select_multiple":
            value = text.split()
        question["default"] = value

    def _choices(self, node: Mapping[str, Any]) -> list[dict[str, Any]]:
        choices = []
        for choice in node.get("choices") or []:
            value = str(choice.get("name", ""))
            label = self.labels.read(choice.get("label"))
            if value == "other" and "or_other" in self.rows.types.get(str(node.get("name")), ""):
                label = {"vi": "Khác", "en": "Other"}
            entry: dict[str, Any] = {"value": value, "label": label or {"vi": value, "en": value}}
            columns = {
                str(key): str(column)
                for key, column in choice.items()
                if key not in CHOICE_COLUMNS
                and not str(key).startswith("$")
                and key not in ("media", "image", "audio", "video")
                and column not in (None, "")
            }
            if columns:
                entry["columns"] = columns
            choices.append(entry)
        return choices

    def metadata_warning(self) -> list[FormError]:
        # From the sheet, not pyxform's tree: pyxform moves some (audit) into its own meta group.
        found = [
            (name, kind.split()[0])
            for name, kind in self.rows.types.items()
            if kind.split() and kind.split()[0] in METADATA
        ]
        if not found:
            return []
        parts = []
        for name, kind in found:
            meaning = METADATA.get(kind)
            parts.append(f"{name} ({meaning})" if meaning else f"{name} (not collected)")
        shown = ", ".join(parts)
        return [
            FormError(
                path="survey.type",
                code="xlsform.metadata_ignored",
                message_vi=(
                    f"Các dòng siêu dữ liệu không thành câu hỏi; ứng dụng tự ghi thời gian và thiết bị: {shown}."
                ),
                message_en=f"Metadata rows do not become questions; the app records times and device itself: {shown}.",
            )
        ]
