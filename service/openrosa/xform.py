"""XForm generation: a published form version → the XForm bytes ODK Collect, Enketo and Web Forms fill.

`build_xform` is pure (no database, no I/O beyond pyxform itself). A JSON-spec form becomes an XLSForm sheet dict
(the rules below), a version published from an XLSForm upload is read back from its original bytes by pyxform's
own reader; either way the rows every Gõ Cửa visit needs are added unless the form has them already, and pyxform
converts. The bytes are generated once, when the version is published, and stored (service/openrosa/xforms.py):
Collect identifies a form by the md5 of its file, so the bytes served for a version must never change.

Translation of the JSON spec (docs/openrosa.md):
- `boolean` → `select_one` yes/no; every reference `${b}` to a boolean in an expression becomes `(${b} = 'yes')`,
  because in XPath the string 'no' compared with true() is true.
- `photo` with `max_count` n → n `image` questions `name`, `name_2` … `name_n` (the first `min_count` required):
  slot i of the visit is the (i+1)-th of them. `max_pixels` (total pixels) → `max-pixels` = the long edge at 4:3.
- integer/decimal `min`/`max` and text `max_length` → constraints joined with the question's own.
- labels → `label::Tiếng Việt (vi)`, `label::English (en)` (any other language `label::code (code)`).
- the rubric stays on the server.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable
from typing import Any

import forms
from forms.spec import UNSET, QuestionBase

# Names of the rows added to every generated form (unless an uploaded XLSForm has rows of these types already).
START, END, DEVICE_ID, START_GEOPOINT = "start", "end", "deviceid", "start_geopoint"
HOUSEHOLD = "gocua_household"
NEW_HOUSEHOLD_GROUP = "gocua_new_household"
NEW_HEAD_NAME = "gocua_new_head_name"
NEW_ADDRESS = "gocua_new_address"
# The choice in households.csv that opens the new-household questions.
NEW_HOUSEHOLD_CHOICE = "new"
HOUSEHOLDS_CSV = "households.csv"
YES_NO_LIST = "gocua_yes_no"
ROOT_NODE = "data"

LANGUAGE_NAMES = {"vi": "Tiếng Việt", "en": "English"}


class XFormUnsupported(Exception):
    """The form uses something the generator cannot express: the version gets no XForm (publishing goes on)."""


def language_column(code: str) -> str:
    return f"{LANGUAGE_NAMES.get(code, code)} ({code})"


def long_edge(max_pixels: int) -> int:
    """Collect's `max-pixels` is the long edge; our `max_pixels` is the total at the 4:3 of phone cameras."""
    return max(1, int(math.sqrt(max_pixels * 4 / 3)))


def photo_field_names(question: forms.PhotoQuestion) -> list[str]:
    """The image questions of one photo question, slot 0 first (see the module docstring)."""
    return [question.name] + [f"{question.name}_{i}" for i in range(2, question.max_count + 1)]


# ---- JSON spec → sheet rows ------------------------------------------------------------------------------------


class _Sheets:
    def __init__(self, definition: forms.FormDefinition) -> None:
        self.definition = definition
        self.languages = _languages(definition)
        self.booleans = {q.name for q in _walk(definition.questions) if isinstance(q, forms.BooleanQuestion)}
        self.survey: list[dict[str, Any]] = []
        self.choices: list[dict[str, Any]] = []
        self.names = {q.name for q in _walk(definition.questions)}

    def labels(self, column: str, label: forms.Label | None) -> dict[str, str]:
        if not label:
            return {}
        return {f"{column}::{language_column(code)}": label.get(code, label.get("vi", "")) for code in self.languages}

    def expression(self, source: str | None) -> str:
        if not source:
            return ""
        # `${b}` of a boolean is its yes/no string in XForms: compare it so it is a real boolean again.
        return re.sub(
            r"\$\{([^}]+)\}",
            lambda m: f"(${{{m.group(1)}}} = 'yes')" if m.group(1) in self.booleans else m.group(0),
            source,
        )

    def rows(self, questions: Iterable[forms.Question], in_repeat: bool = False) -> None:
        for question in questions:
            self.row(question, in_repeat)

    def row(self, question: forms.Question, in_repeat: bool) -> None:
        kind = forms.question_type(question)
        if isinstance(question, forms.Group):
            self.survey.append(
                {"type": "begin_group", "name": question.name, **self.labels("label", question.label)}
                | self.common_group(question)
            )
            self.rows(question.questions, in_repeat)
            self.survey.append({"type": "end_group"})
            return
        if isinstance(question, forms.RepeatGroup):
            row = {"type": "begin_repeat", "name": question.name, **self.labels("label", question.label)}
            row |= self.common_group(question)
            if question.repeat_count:
                row["repeat_count"] = self.expression(question.repeat_count)
            self.survey.append(row)
            self.rows(question.questions, True)
            self.survey.append({"type": "end_repeat"})
            return
        if isinstance(question, forms.CalculateQuestion):
            self.survey.append(
                {
                    "type": "calculate",
                    "name": question.name,
                    "calculation": self.expression(question.calculation),
                    "relevant": self.expression(question.relevant),
                }
            )
            return
        if isinstance(question, forms.PhotoQuestion):
            self.photo(question, in_repeat)
            return
        row = {"type": kind, "name": question.name, **self.labels("label", question.label)} | self.common(question)
        constraints = [f"({self.expression(question.constraint)})"] if question.constraint else []
        if isinstance(question, (forms.IntegerQuestion, forms.DecimalQuestion)):
            if question.min is not None:
                constraints.append(f". >= {question.min}")
            if question.max is not None:
                constraints.append(f". <= {question.max}")
        elif isinstance(question, forms.TextQuestion):
            constraints.append(f"string-length(.) <= {question.max_length}")
        elif isinstance(question, forms.RangeQuestion):
            row["parameters"] = (
                f"start={_number(question.start)} end={_number(question.end)} step={_number(question.step)}"
            )
        elif isinstance(question, forms.BooleanQuestion):
            row["type"] = f"select_one {YES_NO_LIST}"
            if question.default is not UNSET:
                row["default"] = "yes" if question.default else "no"
        elif isinstance(question, (forms.SelectOneQuestion, forms.SelectMultipleQuestion)):
            row["type"] = f"{kind} {question.name}"
            if question.choice_filter is not UNSET and question.choice_filter:
                row["choice_filter"] = self.expression(question.choice_filter)
            for choice in question.choices:
                columns = choice.columns if choice.columns is not UNSET else {}
                self.choices.append(
                    {"list_name": question.name, "name": choice.value, **self.labels("label", choice.label), **columns}
                )
        if constraints:
            row["constraint"] = " and ".join(constraints)
            message = question.constraint_message or _bounds_message(question)
            row |= self.labels("constraint_message", message)
        self.survey.append(row)

    def common(self, question: QuestionBase) -> dict[str, Any]:
        row: dict[str, Any] = self.labels("hint", question.hint)
        if question.relevant:
            row["relevant"] = self.expression(question.relevant)
        if question.required:
            row["required"] = "yes"
        elif question.required_if is not UNSET and question.required_if:
            row["required"] = self.expression(question.required_if)
        if question.read_only is not UNSET and question.read_only:
            row["read_only"] = "yes"
        if question.default is not UNSET and not isinstance(question.default, (bool, list)):
            row["default"] = str(question.default)
        return row

    def common_group(self, group: forms.Group | forms.RepeatGroup) -> dict[str, Any]:
        row: dict[str, Any] = self.labels("hint", group.hint)
        if group.relevant:
            row["relevant"] = self.expression(group.relevant)
        return row

    def photo(self, question: forms.PhotoQuestion, in_repeat: bool) -> None:
        if in_repeat:
            raise XFormUnsupported(f"photo question {question.name} inside a repeat")
        names = photo_field_names(question)
        clash = self.names.intersection(names[1:])
        if clash:
            raise XFormUnsupported(f"photo slots of {question.name} clash with {sorted(clash)}")
        minimum = question.min_count or 0
        for index, name in enumerate(names):
            label = question.label if index == 0 else {k: f"{v} ({index + 1})" for k, v in question.label.items()}
            row = {"type": "image", "name": name, **self.labels("label", label)} | self.common(question)
            row.pop("required", None)
            if index < minimum:
                row["required"] = "yes" if question.required or minimum else ""
            elif index == 0 and question.required_if is not UNSET and question.required_if:
                row["required"] = self.expression(question.required_if)
            row["parameters"] = f"max-pixels={long_edge(question.max_pixels)}"
            self.survey.append(row)


def _bounds_message(question: forms.Question) -> forms.Label:
    if isinstance(question, forms.TextQuestion):
        return {"vi": f"Dài quá {question.max_length} ký tự.", "en": f"Longer than {question.max_length} characters."}
    if isinstance(question, (forms.IntegerQuestion, forms.DecimalQuestion)):
        low = "" if question.min is None else _number(question.min)
        high = "" if question.max is None else _number(question.max)
        return {"vi": f"Giá trị phải trong khoảng {low}–{high}.", "en": f"The value must be within {low}–{high}."}
    return {"vi": "Câu trả lời không hợp lệ.", "en": "The answer is not valid."}


def _number(value: float) -> str:
    return str(int(value)) if float(value).is_integer() else repr(float(value))


def _walk(questions: Iterable[forms.Question]) -> Iterable[forms.Question]:
    for question in questions:
        yield question
        if isinstance(question, (forms.Group, forms.RepeatGroup)):
            yield from _walk(question.questions)


def _languages(definition: forms.FormDefinition) -> list[str]:
    from forms.labels import all_labels

    codes = {"vi"}
    for label in all_labels(definition):
        codes.update(label)
    return ["vi", *sorted(codes - {"vi"})]


def _yes_no(sheets: _Sheets) -> None:
    for value, vi, en in (("yes", "Có", "Yes"), ("no", "Không", "No")):
        sheets.choices.append({"list_name": YES_NO_LIST, "name": value, **sheets.labels("label", {"vi": vi, "en": en})})


# ---- the rows every form gets ----------------------------------------------------------------------------------


def _injected_rows(existing_types: set[str], existing_names: set[str], labels: Any) -> tuple[list, list]:
    """(rows to put first, rows to put after the household question). `labels(column, label)` makes the label
    columns of the sheet being extended."""
    meta = [
        {"type": kind, "name": name}
        for kind, name in ((START, START), (END, END), (DEVICE_ID, DEVICE_ID), ("start-geopoint", START_GEOPOINT))
        if kind not in existing_types and name not in existing_names
    ]
    household: list[dict[str, Any]] = []
    if not any(t.startswith("select_one_from_file") and HOUSEHOLDS_CSV in t for t in existing_types):
        household = [
            {
                "type": f"select_one_from_file {HOUSEHOLDS_CSV}",
                "name": HOUSEHOLD,
                **labels("label", {"vi": "Hộ được thăm", "en": "Household visited"}),
                **labels(
                    "hint",
                    {
                        "vi": "Gõ tên chủ hộ để tìm; chọn “Hộ mới” nếu chưa có.",
                        "en": "Type the head’s name to search; choose “New household” if missing.",
                    },
                ),
                "required": "yes",
                "appearance": "autocomplete",
            },
            {
                "type": "begin_group",
                "name": NEW_HOUSEHOLD_GROUP,
                **labels("label", {"vi": "Hộ mới", "en": "New household"}),
                "relevant": f"${{{HOUSEHOLD}}} = '{NEW_HOUSEHOLD_CHOICE}'",
            },
            {
                "type": "text",
                "name": NEW_HEAD_NAME,
                **labels("label", {"vi": "Tên chủ hộ", "en": "Head of household"}),
                "required": "yes",
            },
            {"type": "text", "name": NEW_ADDRESS, **labels("label", {"vi": "Địa chỉ", "en": "Address"})},
            {"type": "end_group"},
        ]
    return meta, household


def _complete(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows as pyxform's dict input wants them: an empty cell is no key (an empty `label::…` fails its itext)."""
    return [{column: value for column, value in row.items() if value not in ("", None)} for row in rows]


def definition_sheets(definition: forms.FormDefinition) -> dict[str, list[dict[str, Any]]]:
    """The XLSForm (as pyxform's dict of sheets) of a JSON-spec form, with the added rows."""
    sheets = _Sheets(definition)
    _yes_no(sheets)
    meta, household = _injected_rows(set(), sheets.names, sheets.labels)
    sheets.survey.extend(meta)
    sheets.survey.extend(household)
    sheets.rows(definition.questions)
    settings = {
        "form_id": definition.id,
        "version": definition.version,
        "form_title": definition.title.get("vi", definition.id),
        "default_language": language_column("vi"),
    }
    return {"survey": _complete(sheets.survey), "choices": _complete(sheets.choices), "settings": [settings]}


# ---- an uploaded XLSForm → sheet rows --------------------------------------------------------------------------


def xlsform_sheets(definition: forms.FormDefinition, xlsform: bytes) -> dict[str, list[dict[str, Any]]]:
    """The uploaded workbook as pyxform reads it, with the added rows (its own rows untouched)."""
    from pyxform.xls2json import get_xlsform

    workbook = get_xlsform(xlsform=xlsform)
    # Kobo's `$kuid`-style columns are no XML names: dropped, as the import drops them.
    survey = [{k: v for k, v in row.items() if not str(k).startswith("$")} for row in (workbook.survey or [])]
    choices = [{k: v for k, v in row.items() if not str(k).startswith("$")} for row in (workbook.choices or [])]
    settings = [dict(row) for row in (workbook.settings or [])] or [{}]
    label_columns = sorted({key for row in survey for key in row if key == "label" or key.startswith("label::")})

    def labels(column: str, label: forms.Label) -> dict[str, str]:
        if column != "label" or not label_columns:
            return {}
        result = {}
        for name in label_columns:
            code = re.search(r"\((\w+)\)\s*$", name)
            result[name] = label.get(code.group(1) if code else "vi", label["vi"])
        return result

    types = {str(row.get("type", "")).strip() for row in survey}
    names = {str(row.get("name", "")).strip() for row in survey}
    meta, household = _injected_rows(types, names, labels)
    settings[0].setdefault("form_id", definition.id)
    settings[0]["version"] = definition.version
    sheets: dict[str, list[dict[str, Any]]] = {"survey": _complete([*meta, *household, *survey]), "settings": settings}
    if choices:
        sheets["choices"] = _complete(choices)
    return sheets


def workbook_bytes(sheets: dict[str, list[dict[str, Any]]]) -> bytes:
    """Sheets as an .xlsx again: pyxform's dict input reads an uploaded sheet's columns from its first row only,
    while an .xlsx carries its header row."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    for title, rows in sheets.items():
        sheet = book.create_sheet(title)
        columns = list(dict.fromkeys(key for row in rows for key in row))
        sheet.append(columns)
        for row in rows:
            sheet.append([row.get(column) for column in columns])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def build_xform(definition: forms.FormDefinition, xlsform: bytes | None = None) -> bytes:
    """The XForm bytes of a published version: from its original XLSForm when it came as one, else from the JSON
    spec. Raises XFormUnsupported when pyxform cannot express the form."""
    from pyxform.errors import PyXFormError
    from pyxform.xls2xform import convert

    source: dict[str, Any] | bytes = (
        workbook_bytes(xlsform_sheets(definition, xlsform)) if xlsform else definition_sheets(definition)
    )
    try:
        result = convert(xlsform=source, form_name=ROOT_NODE, warnings=[])
    except (PyXFormError, ValueError, KeyError, TypeError, IndexError) as error:
        raise XFormUnsupported(str(error)) from error
    return result.xform.encode("utf-8")
