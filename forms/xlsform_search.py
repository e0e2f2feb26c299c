"""ODK's ``search()`` appearance with filter arguments, written as the question's choice_filter.

``search('file', 'mode', 'column(s)', value [, 'column2', value2])`` offers the rows of file.csv where one of the
comma-separated columns matches ``value`` by ``mode`` and, in the six-argument form, ``column2`` equals
``value2``. ODK Collect runs it as SQLite (``col LIKE ?``, ``col2 = ?``), so, as there:

- ``matches`` is equality, ``contains`` / ``startswith`` / ``endswith`` find the text inside, at the start, at the
  end (the mode is read without regard to case; an unknown mode is ``contains``, Collect's fallback);
- these four ignore the case of ASCII letters only (SQLite's LIKE): ``A`` finds ``a``, ``Đ`` does not find ``đ``;
- ``column2 = value2`` is exact;
- an empty value offers every row for contains/startswith/endswith and the rows whose column is empty for matches.

The filter becomes an expression over the row's columns (bare names, see ``forms.expr.parse_choice_filter``), so
the server's answer check and the phone app share the one choice_filter path. Unlike SQLite's LIKE, ``%`` and
``_`` in the value are plain characters.
"""

from __future__ import annotations

import re

from forms.expr import RESERVED_WORDS, ExpressionError, parse

_UPPER = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
_LOWER = "abcdefghijklmnopqrstuvwxyz"
_COLUMN = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
MODES = ("matches", "contains", "startswith", "endswith")


class SearchError(ValueError):
    """The search() call cannot be carried over; ``args`` hold the Vietnamese and English reasons."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(vi, en)
        self.vi = vi
        self.en = en


def split_arguments(text: str) -> list[str]:
    """The top-level arguments of ``search(…)`` as written (quotes and parentheses respected), or SearchError."""
    start = text.find("(")
    depth, quote, current, found = 0, "", [], []
    for char in text[start + 1 :]:
        if quote:
            current.append(char)
            if char == quote:
                quote = ""
            continue
        if char in "'\"":
            quote = char
        elif char == "(":
            depth += 1
        elif char == ")":
            if depth == 0:
                found.append("".join(current).strip())
                return found
            depth -= 1
        elif char == "," and depth == 0:
            found.append("".join(current).strip())
            current = []
            continue
        current.append(char)
    raise SearchError("search(…) thiếu dấu đóng ngoặc.", "search(…) is missing its closing parenthesis.")


def _literal(argument: str) -> str | None:
    if len(argument) >= 2 and argument[0] == argument[-1] and argument[0] in "'\"":
        return argument[1:-1]
    return None


def _lower(expression: str) -> str:
    return f"translate({expression}, '{_UPPER}', '{_LOWER}')"


def _column(name: str, value_column: str) -> str:
    name = name.strip()
    if not _COLUMN.fullmatch(name) or name in RESERVED_WORDS:
        raise SearchError(
            f"search(…): tên cột “{name}” cần là chữ Latinh, số và '_'.",
            f"search(…): column name '{name}' must be ASCII letters, digits and '_'.",
        )
    return "name" if name == value_column else name  # a choice's value is `name` to a choice_filter


def _value(argument: str) -> str:
    try:
        parse(argument)
    except ExpressionError as error:
        raise SearchError(
            f"search(…): không đọc được “{argument}”: {error.message}.",
            f"search(…): cannot read '{argument}': {error.message}.",
        ) from None
    return f"string({argument})"


def search_filter(appearance: str, value_column: str) -> str | None:
    """The choice_filter equivalent to the search() call in ``appearance`` (None: it has no filter arguments)."""
    arguments = split_arguments(appearance)
    if len(arguments) == 1:
        return None
    if len(arguments) not in (4, 6):
        raise SearchError(
            "search(…) nhận 1, 4 hoặc 6 đối số: search('tệp'), search('tệp', 'matches', 'cột', giá trị) hoặc thêm"
            " 'cột2', giá trị2.",
            "search(…) takes 1, 4 or 6 arguments: search('file'), search('file', 'matches', 'column', value),"
            " or with 'column2', value2 added.",
        )
    mode, columns = _literal(arguments[1]), _literal(arguments[2])
    if mode is None or columns is None:
        raise SearchError(
            "search(…): kiểu lọc và tên cột phải viết trong dấu nháy, ví dụ 'matches', 'ma_xa'.",
            "search(…): the mode and the column must be quoted text, e.g. 'matches', 'commune'.",
        )
    mode = mode.strip().lower()
    value = _lower(_value(arguments[3]))
    tests = []
    for column in (part for part in columns.split(",") if part.strip()):
        cell = _lower(_column(column, value_column))
        if mode == "matches":
            tests.append(f"{cell} = {value}")
        elif mode == "startswith":
            tests.append(f"starts-with({cell}, {value})")
        elif mode == "endswith":
            tests.append(f"ends-with({cell}, {value})")
        else:  # contains, and Collect's fallback for a mode it does not know
            tests.append(f"contains({cell}, {value})")
    parts = [f"({' or '.join(tests)})"] if tests else []
    if len(arguments) == 6:
        column2 = _literal(arguments[4])
        if column2 is None:
            raise SearchError(
                "search(…): cột thứ hai phải viết trong dấu nháy.", "search(…): the second column must be quoted."
            )
        parts.append(f"{_column(column2, value_column)} = {_value(arguments[5])}")
    return " and ".join(parts) if parts else None
