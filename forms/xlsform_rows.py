"""Where each survey row and choice sits in the workbook (``Rows``: paths for messages, raw cells, the columns
ignored with a warning), with the header and quote clean-up pyxform also does."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from forms.errors import FormError
from forms.xlsform_types import QUIET_COLUMNS, SURVEY_COLUMNS

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
