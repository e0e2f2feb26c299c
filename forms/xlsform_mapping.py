"""pyxform JSON nodes → our question dicts, listing what cannot be carried over.

Refusals (``errors``) name the sheet row and say what to use instead; things that are only
dropped — display columns, Kobo's bookkeeping columns, metadata rows — become warnings.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from typing import Any

from forms.errors import FormError
from forms.spec import METADATA_KINDS
from forms.xlsform_labels import LabelReader
from forms.xlsform_search import SearchError, search_filter

# pyxform's type names (after its alias rewriting) → ours.
TYPE_MAP = {
    "text": "text",
    "phone number": "text",  # an old XLSForm alias of text
    "barcode": "text",  # the phone reads the code with its camera app or the member types it; kept as text
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
    # Answered with a file stored as it came (service/visits/attachments.py: size and type limits per kind).
    "audio": "audio",
    "video": "video",
    "file": "file",
    "note": "note",
    "acknowledge": "boolean",
    "trigger": "boolean",
    "calculate": "calculate",
    "group": "group",
    "repeat": "repeat",
}
# Rows the phone fills by itself (spec.METADATA_KINDS): each becomes a hidden `metadata` question whose answer
# the app sends and the server keeps.
METADATA = frozenset(METADATA_KINDS)
# Types we refuse, and what to use instead (English; the Vietnamese is written beside it below).
INSTEAD = {
    "loop": ("dùng nhóm lặp (begin repeat … end repeat)", "use a repeat (begin repeat … end repeat)"),
    "include": ("chép các dòng vào chính mẫu phiếu này", "copy the rows into this form"),
    "xml-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "csv-external": ("đưa dữ liệu vào trang choices", "put the data on the choices sheet"),
    "rank": ("dùng select_multiple", "use select_multiple"),
    "geotrace": ("dùng geopoint", "use a geopoint"),
    "geoshape": ("dùng geopoint", "use a geopoint"),
    "background-audio": (
        "chưa lưu được bản ghi âm nền; bỏ dòng này (dùng câu hỏi audio nếu cần ghi âm)",
        "background recordings are not stored; remove this row (use an audio question to record)",
    ),
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
# `label`, `label::English`, `label::English (en)` as a bare name (not inside quotes: good enough for filters).
LABEL_REFERENCE = re.compile(
    r"(?<![\w$.{'\"])label(?:::([A-Za-z][\w-]*(?:\s*\([A-Za-z]{2,3}(?:-[A-Za-z0-9]+)*\))?))?(?![\w:])"
)
# search('file'), search('file', 'matches', 'column', ${q}) …: the choices come from file.csv.
_SEARCH = re.compile(r"""\s*search\(\s*['"]([^'"]+)['"]""")
_EXCEL_DATETIME = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})[ T]([0-9]{2}:[0-9]{2}:[0-9]{2})")
_MAX_PIXELS = re.compile(r"\s*max-pixels\s*=\s*[0-9]+\s*")


# Spreadsheet programs turn ' and " into typographic quotes as people type; pyxform reads them as plain ones.
_TYPOGRAPHIC_QUOTES = str.maketrans({"‘": "'", "’": "'", "“": '"', "”": '"'})


def plain_quotes(expression: str) -> str:
    return expression.translate(_TYPOGRAPHIC_QUOTES)


def _lower_headers(row: Mapping[str, Any]) -> dict[str, Any]:
    """``TYPE`` → ``type``, ``Label::English (en)`` → ``label::English (en)``: pyxform reads headers in any case."""
    lowered = {}
    for header, value in row.items():
        base, sep, rest = str(header).partition("::")
        lowered[base.lower() + sep + rest] = value
    return lowered


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
        survey = [_lower_headers(row) for row in survey]
        choices = [_lower_headers(row) for row in choices]
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
        return None if value in (None, "") else plain_quotes(str(value).strip())

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
