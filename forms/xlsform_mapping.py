"""pyxform JSON nodes → our question dicts, listing what cannot be carried over.

Refusals (``errors``) name the sheet row and say what to use instead; things that are only
dropped — display columns, Kobo's bookkeeping columns, metadata rows — become warnings.
``Converter`` here maps each row (with its choices and search() appearance); the tables it maps by are in
forms/xlsform_types.py and ``Rows`` (where each row sits) with ``plain_quotes`` in forms/xlsform_rows.py. The
names they held when they were here are re-exported.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from forms.errors import FormError
from forms.xlsform_labels import LabelReader
from forms.xlsform_rows import Rows, plain_quotes
from forms.xlsform_search import SearchError, search_filter
from forms.xlsform_types import (
    CHOICE_COLUMNS,
    INSTEAD,
    METADATA,
    NO,
    QUIET_COLUMNS,
    SURVEY_COLUMNS,
    TYPE_MAP,
    YES,
)

__all__ = [
    "CHOICE_COLUMNS",
    "INSTEAD",
    "LABEL_REFERENCE",
    "METADATA",
    "NO",
    "QUIET_COLUMNS",
    "SURVEY_COLUMNS",
    "TYPE_MAP",
    "YES",
    "Converter",
    "Rows",
    "plain_quotes",
]

# `label`, `label::English`, `label::English (en)` as a bare name (not inside quotes: good enough for filters).
LABEL_REFERENCE = re.compile(
    r"(?<![\w$.{'\"])label(?:::([A-Za-z][\w-]*(?:\s*\([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*\))?))?(?![\w:])"
)
# search('file'), search('file', 'matches', 'column', ${q}) …: the choices come from file.csv.
_SEARCH = re.compile(r"""\s*search\(\s*['"]([^'"]+)['"]""")
_EXCEL_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}:[0-9]{2})")
_MAX_PIXELS = re.compile(r"\s*max-pixels\s*=\s*[0-9]+\s*")


class Converter:
    def __init__(self, rows: Rows, labels: LabelReader, allow_choice_duplicates: bool = False) -> None:
        self.rows = rows
        self.labels = labels
        self.allow_choice_duplicates = allow_choice_duplicates
        self.errors: list[FormError] = []
        self.warnings: list[FormError] = []

    def refuse(self, path: str, vi: str, en: str) -> None:
        self.errors.append(FormError(path=path, code="xlsform.unsupported", message_vi=vi, message_en=en))

    def children(self, children: Sequence[Mapping[str, Any]]) -> list[dict[str, Any]]:
        converted = []
        for node in children:
            name = str(node.get("name", ""))
            if name == "meta" and name not in self.rows.by_name:
                # pyxform moves some metadata rows (audit) into its own meta group; keep those.
                converted.extend(self.children([c for c in node.get("children", []) if c.get("name") != "instanceID"]))
                continue
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
            kind_name = first_word if first_word in METADATA else pyxform_type
            return {"type": "metadata", "name": name, "label": {"vi": name, "en": name}, "metadata": kind_name}
        kind = TYPE_MAP.get(pyxform_type)
        from_file = first_word.endswith("_from_file")
        if from_file and not str(node.get("itemset", "")).lower().endswith(".csv"):
            self.refuse(
                self.rows.path(name, "type"),
                f"Dòng “{name}”: {first_word} chỉ nhận tệp .csv (tải lên cùng phiên bản biểu mẫu).",
                f"Row '{name}': {first_word} takes a .csv file only (uploaded with the form version).",
            )
            return None
        if kind is None:
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
        search = _SEARCH.match(str((node.get("control") or {}).get("appearance") or ""))
        if kind in ("select_one", "select_multiple") and search and not from_file:
            # ODK's search('file') appearance: the choices are the rows of file.csv; the one row of the choices
            # sheet names its value column (name) and its label column (label).
            placeholder = (node.get("choices") or [{}])[0]
            question["choices"] = []
            question["choices_file"] = search.group(1) if search.group(1).endswith(".csv") else f"{search.group(1)}.csv"
            question["choices_file_value"] = str(placeholder.get("name") or "name")
            placeholder_label = self.labels.read(placeholder.get("label")) or {}
            question["choices_file_label"] = next(iter(placeholder_label.values()), "label")
            self._search_filter(node, question)
        elif kind in ("select_one", "select_multiple"):
            question["choices"] = [] if from_file else self._choices(node)
            if from_file:
                self._from_file(node, question)
            choice_filter = node.get("choice_filter")
            if choice_filter:
                question["choice_filter"] = self._label_columns(str(choice_filter), question)
            if self.allow_choice_duplicates:
                question["allow_choice_duplicates"] = True
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
        if kind in ("select_one", "select_multiple") and isinstance(parameters, Mapping):
            # select_*_from_file's value= and label= (read by _from_file); randomize/seed only change the order.
            parameters = {k: v for k, v in parameters.items() if k not in ("value", "label", "randomize", "seed")}
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
        excel_date = _EXCEL_DATETIME.fullmatch(text)
        if excel_date and kind == "date":
            value = excel_date.group(1)  # a date typed as an Excel date cell: pyxform gives "2024-05-01 00:00:00"
        elif excel_date and kind == "datetime":
            value = f"{excel_date.group(1)}T{excel_date.group(2)}"
        elif kind == "integer":
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

    def _from_file(self, node: Mapping[str, Any], question: dict[str, Any]) -> None:
        question["choices_file"] = str(node["itemset"])
        parameters = node.get("parameters")
        if isinstance(parameters, Mapping):
            if parameters.get("value"):
                question["choices_file_value"] = str(parameters["value"])
            if parameters.get("label"):
                question["choices_file_label"] = str(parameters["label"])

    def _search_filter(self, node: Mapping[str, Any], question: dict[str, Any]) -> None:
        """search('file', 'mode', 'column', value …)'s filter, and the row's own choice_filter: one choice_filter."""
        appearance = plain_quotes(str((node.get("control") or {}).get("appearance") or ""))
        try:
            found = search_filter(appearance, question["choices_file_value"])
        except SearchError as error:
            name = question["name"]
            self.refuse(self.rows.path(name, "appearance"), f"Dòng “{name}”: {error.vi}", f"Row '{name}': {error.en}")
            return
        written = node.get("choice_filter")
        parts = [part for part in (found, plain_quotes(str(written)) if written else None) if part]
        if parts:
            question["choice_filter"] = parts[0] if len(parts) == 1 else " and ".join(f"({part})" for part in parts)

    def _label_columns(self, choice_filter: str, question: dict[str, Any]) -> str:
        """``label::English (en) != 'X'`` in a choice_filter reads the choice's label in that language: it becomes
        a column ``label_en`` of each choice (our expressions name columns with plain names)."""
        choice_filter = plain_quotes(choice_filter)

        def column(match: re.Match[str]) -> str:
            language = match.group(1)
            code = self.labels.language_code(language.strip()) if language else None
            name = f"label_{code.replace('-', '_')}" if code else "label"
            for choice in question.get("choices", []):
                text = choice["label"].get(code or "vi") or choice["value"]
                choice.setdefault("columns", {})[name] = text
            return name

        return LABEL_REFERENCE.sub(column, choice_filter)
