"""CSV media files of a form (``select_one_from_file``, ``pulldata()``, ``search()``): name rules and reading.

A form's CSV is read as ODK reads it: UTF-8 (a byte-order mark is allowed), comma-separated, the first row names
the columns; each later row is one record. Every problem is listed with its line, all at once.
"""

from __future__ import annotations

import csv
import io
import re

from forms.errors import FormDefinitionError, FormError

MEDIA_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,95}\.csv")
# A column name as ODK reads it in pulldata()/search() and as choice_filter reads a choice column.
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_.:-]*")
MAX_LISTED_PROBLEMS = 20


def _problem(path: str, vi: str, en: str) -> FormError:
    return FormError(path=path, code="form_media.invalid", message_vi=vi, message_en=en)


def check_media_name(name: str) -> None:
    if not MEDIA_NAME.fullmatch(name):
        raise FormDefinitionError(
            [
                _problem(
                    "name",
                    f"Tên tệp “{name[:120]}” không hợp lệ: cần chữ Latinh, số, '.', '_' hoặc '-', đuôi .csv.",
                    f"File name '{name[:120]}' is not valid: use ASCII letters, digits, '.', '_' or '-', ending in"
                    " .csv.",
                )
            ]
        )


def read_csv(data: bytes, name: str, *, max_rows: int, max_cell_chars: int) -> list[dict[str, str]]:
    """The records of a CSV media file, or FormDefinitionError listing each problem with its line."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise FormDefinitionError(
            [_problem(name, "Tệp CSV phải mã hóa UTF-8.", f"A CSV file must be UTF-8 ({error.reason}).")]
        ) from None
    if "\x00" in text:
        raise FormDefinitionError([_problem(name, "Tệp CSV chứa ký tự NUL.", "The CSV file contains a NUL.")])
    problems: list[FormError] = []
    records: list[dict[str, str]] = []
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = [cell.strip() for cell in next(reader, [])]
        bad = [column for column in header if not _COLUMN.fullmatch(column)]
        if not header or bad:
            shown = ", ".join(repr(column) for column in bad[:5]) or "(none)"
            problems.append(
                _problem(
                    f"{name}[line=1]",
                    f"Dòng đầu phải là tên cột (chữ Latinh, số, '_'): {shown}.",
                    f"The first line must name the columns (ASCII letters, digits, '_'): {shown}.",
                )
            )
        elif len(set(header)) != len(header):
            problems.append(_problem(f"{name}[line=1]", "Tên cột bị lặp.", "A column name is repeated."))
        for row in reader:
            line = reader.line_num
            if len(records) >= max_rows:
                problems.append(_problem(name, f"Quá {max_rows:,} dòng.", f"More than {max_rows:,} rows."))
                break
            if not any(cell.strip() for cell in row):
                continue
            if len(row) > len(header):
                problems.append(
                    _problem(
                        f"{name}[line={line}]",
                        f"Dòng có {len(row)} ô, nhiều hơn {len(header)} cột.",
                        f"The line has {len(row)} fields, more than the {len(header)} columns.",
                    )
                )
            elif any(len(cell) > max_cell_chars for cell in row):
                problems.append(
                    _problem(
                        f"{name}[line={line}]",
                        f"Một ô dài quá {max_cell_chars:,} ký tự.",
                        f"A field is longer than {max_cell_chars:,} characters.",
                    )
                )
            else:
                records.append(dict(zip(header, [*row, *[""] * (len(header) - len(row))], strict=True)))
            if len(problems) >= MAX_LISTED_PROBLEMS:
                break
    except csv.Error as error:
        problems.append(
            _problem(f"{name}[line={reader.line_num}]", f"CSV không hợp lệ: {error}.", f"Invalid CSV: {error}.")
        )
    if problems:
        raise FormDefinitionError(problems)
    return records


def choices_from_records(
    records: list[dict[str, str]], value_column: str = "name", label_column: str = "label"
) -> list[dict[str, object]]:
    """``select_one_from_file`` choices: the value and label columns; any other column stays for choice_filter."""
    choices: list[dict[str, object]] = []
    for record in records:
        value = record.get(value_column, "").strip()
        if not value:
            continue
        label = record.get(label_column) or value
        columns = {k: v for k, v in record.items() if k not in (value_column, label_column) and v != ""}
        choice: dict[str, object] = {"value": value, "label": {"vi": label, "en": label}}
        if columns:
            choice["columns"] = columns
        choices.append(choice)
    return choices
