"""Value rules of the expression language: XPath 1.0's, as ODK defines them.

Answers reach expressions as their wire values: str, int, float, bool, list[str]
(select_multiple), dict (geopoint) or None (unanswered); outside a repeat, a question inside
it reads as a tuple with one value per instance (a "nodeset"), and the repeat itself as a
tuple of its instances. The rules (https://getodk.github.io/xforms-spec/#xpath-functions):

- an unanswered question is the empty string '' (never 0): ``number('')`` is NaN;
- a number is a float or int; NaN and ±Infinity are values like any other (``1 div 0``);
- text that looks like a date (``2026-11-30``, ``2026-11-30T10:00:00+07:00``) is, as a
  number, the days since 1970-01-01 (fractional with a time), so date arithmetic is in days;
- ``=`` / ``!=`` compare as booleans if either side is one, else as numbers if either side is
  one (or a date), else as text; ``<`` ``<=`` ``>`` ``>=`` always compare numbers;
- a number becomes text as JavaScript writes it (``0.1``, ``1e-7``, ``NaN``, ``Infinity``).

Every helper here is total: it never raises for any of those inputs, so a strange answer
cannot crash validation.
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

NAN = math.nan
_NUMBER_TEXT = re.compile(r"\s*[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?\s*")
# Enketo's DATE_STRING: a date, then anything (a time, usually).
DATE_TEXT = re.compile(r"([0-9]{4})-([0-9]{1,2})-([0-9]{1,2})(T.*)?", re.DOTALL)
_EPOCH_ORDINAL = dt.date(1970, 1, 1).toordinal()
_INFINITIES = {"Infinity": math.inf, "+Infinity": math.inf, "-Infinity": -math.inf}


def truthy(value: Any) -> bool:
    """XPath boolean(): a reference to an answer is its value (as ODK Collect unpacks it)."""
    if value is None:
        return False
    if value is True or value is False:
        return value
    if isinstance(value, (int, float)):
        return value != 0 and value == value
    if isinstance(value, (str, list, dict, tuple)):
        return len(value) > 0
    return False


# A date and time as both the server and the phone read it (one grammar, so both get the same days).
DATE_TIME_TEXT = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2})(?::([0-9]{2})(?:\.([0-9]{1,9}))?)?(Z|[+-][0-9]{2}:[0-9]{2})?"
)
_MONTH_DAYS = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)


def _civil_days(year: int, month: int, day: int) -> int:
    """Days from 1970-01-01 to year-month-day; months past 12 roll into the next year (as a JS Date)."""
    year += (month - 1) // 12
    month = (month - 1) % 12 + 1
    return dt.date(year, month, 1).toordinal() - _EPOCH_ORDINAL + day - 1


def days_of_date_text(text: str) -> float:
    """Days since 1970-01-01 of 'YYYY-MM-DD[Thh:mm[:ss[.sss]][Z|±hh:mm]]' (NaN when it is no date)."""
    match = DATE_TEXT.fullmatch(text)
    if match is None:
        return NAN
    if match.group(4):
        millis = epoch_millis(text)
        return NAN if millis is None else millis / 86400000
    year, month, day = (int(part) for part in match.group(1, 2, 3))
    if not 1 <= year + (month - 1) // 12 <= 9999:
        return NAN
    return float(_civil_days(year, month, day))


def epoch_millis(text: str) -> int | None:
    """Milliseconds since 1970 of a date-time text (UTC when no zone is written), or None."""
    match = DATE_TIME_TEXT.fullmatch(text.strip())
    if match is None:
        return None
    year, month, day, hour, minute = (int(part) for part in match.group(1, 2, 3, 4, 5))
    second = int(match[6] or 0)
    leap = year % 4 == 0 and (year % 100 != 0 or year % 400 == 0)
    if not (1 <= month <= 12 and 1 <= day <= _MONTH_DAYS[month - 1]) or (month == 2 and day == 29 and not leap):
        return None
    if hour > 23 or minute > 59 or second > 59 or year < 1:
        return None
    millis = int((match[7] or "0")[:3].ljust(3, "0"))
    zone = match[8] or "Z"
    offset = 0 if zone == "Z" else (int(zone[1:3]) * 60 + int(zone[4:6])) * (1 if zone[0] == "+" else -1)
    minutes = (_civil_days(year, month, day) * 24 + hour) * 60 + minute - offset
    return (minutes * 60 + second) * 1000 + millis


def number_of(value: Any) -> int | float:
    """XPath number(): NaN when the value has no numeric meaning; date text → days."""
    if value is None:
        return NAN
    if value is True or value is False:
        return int(value)
    if isinstance(value, (int, float)):
        return value
    if isinstance(value, str):
        if len(value) > 64:
            return NAN
        if _NUMBER_TEXT.fullmatch(value):
            text = value.strip()
            try:
                return int(text)
            except ValueError:
                return float(text)
        text = value.strip()
        if DATE_TEXT.match(text):
            return days_of_date_text(text)
        if text in _INFINITIES:  # what string(1 div 0) writes reads back
            return _INFINITIES[text]
        return NAN
    if isinstance(value, (list, dict)):
        return number_of(to_string(value))
    if isinstance(value, tuple):  # a nodeset: its first node
        return number_of(value[0]) if value else NAN
    return NAN


def to_number(value: Any) -> int | float | None:
    """A finite number, or None when the value has none (for callers outside the language)."""
    number = number_of(value)
    if isinstance(number, float) and not math.isfinite(number):
        return None
    return number


def number_text(value: float) -> str:
    """A number as JavaScript's String(x) writes it (what Enketo and the phone show)."""
    if value != value:
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    if value == int(value) and abs(value) < 2**53:
        return str(int(value))
    sign, digits_tuple, exponent = Decimal(repr(float(value))).as_tuple()
    digits = "".join(map(str, digits_tuple)).rstrip("0") or "0"
    assert isinstance(exponent, int)
    exponent += len("".join(map(str, digits_tuple))) - len(digits)
    k = len(digits)
    n = exponent + k  # the decimal point sits after n digits
    prefix = "-" if sign else ""
    if k <= n <= 21:
        return prefix + digits + "0" * (n - k)
    if 0 < n <= 21:
        return prefix + digits[:n] + "." + digits[n:]
    if -6 < n <= 0:
        return prefix + "0." + "0" * (-n) + digits
    e = n - 1
    mantissa = digits[0] + ("." + digits[1:] if k > 1 else "")
    return f"{prefix}{mantissa}e{'+' if e >= 0 else '-'}{abs(e)}"


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if value is True or value is False:
        return "true" if value else "false"
    if isinstance(value, int):
        if abs(value) < 10**21:
            return str(value)
        try:
            return number_text(float(value))
        except OverflowError:  # past any float: what JavaScript makes of it
            return "Infinity" if value > 0 else "-Infinity"
    if isinstance(value, float):
        return number_text(value)
    if isinstance(value, str):
        return value
    if isinstance(value, (list, tuple)):
        return " ".join(to_string(item) for item in value)
    if isinstance(value, dict):
        # XLSForm renders a geopoint as "lat lon"; keep that shape.
        return f"{to_string(value.get('lat'))} {to_string(value.get('lon'))}".strip()
    return ""


def selected_values(value: Any) -> list[str]:
    """The choice values held by a select answer (select_one gives at most one)."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        return [to_string(item) for item in value]
    return to_string(value).split()


def choice_list(value: Any) -> list[str]:
    """What selected() looks in: a multi-select's values, or text split at each single space (as ODK does,
    so selected('', '') is true)."""
    if isinstance(value, (list, tuple)):
        return [to_string(item) for item in value]
    return to_string(value).split(" ")


def _apply(op: str, left: Any, right: Any) -> bool:
    if op == "=":
        return left == right
    if op == "!=":
        return left != right
    if op == "<":
        return left < right
    if op == "<=":
        return left <= right
    if op == ">":
        return left > right
    return left >= right


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _scalar(value: Any) -> Any:
    """None → '', a multi-select or geopoint → its text; numbers, text and booleans stay."""
    if value is None:
        return ""
    if isinstance(value, (list, dict)):
        return to_string(value)
    return value


def _dated(value: Any) -> Any:
    """Date text → its days (Enketo compares dates as numbers); anything else unchanged."""
    if isinstance(value, str) and DATE_TEXT.match(value.strip()):
        return days_of_date_text(value.strip())
    return value


def compare(op: str, left: Any, right: Any) -> bool:
    """XPath 1.0 comparison (§3.4), with date text compared as days."""
    if isinstance(left, tuple) or isinstance(right, tuple):
        if isinstance(left, bool) or isinstance(right, bool):
            return _apply(op, int(truthy(left)), int(truthy(right)))
        lefts = left if isinstance(left, tuple) else (left,)
        rights = right if isinstance(right, tuple) else (right,)
        return any(compare(op, a, b) for a in lefts for b in rights)
    left, right = _scalar(left), _scalar(right)
    if op == "=" or op == "!=":
        if isinstance(left, bool) or isinstance(right, bool):
            return _apply(op, truthy(left), truthy(right))
        left, right = _dated(left), _dated(right)
        if _is_number(left) or _is_number(right):
            return _apply(op, number_of(left), number_of(right))
        return _apply(op, left, right)
    return _apply(op, number_of(left), number_of(right))


def arithmetic(op: str, left: Any, right: Any) -> int | float:
    """+ - * div mod on XPath numbers (IEEE: NaN and ±Infinity, never an error)."""
    a, b = number_of(left), number_of(right)
    try:
        if op == "+":
            return a + b
        if op == "-":
            return a - b
        if op == "*":
            return a * b
        if op == "div":
            if b == 0:
                return NAN if a == 0 or a != a else math.copysign(math.inf, a) * math.copysign(1, b)
            return a / b
        # mod: truncating, the sign of the dividend, like XPath and JavaScript's %
        if b == 0 or a != a or b != b or math.isinf(a):
            return NAN
        if math.isinf(b):
            return a
        if isinstance(a, int) and isinstance(b, int):
            result = abs(a) % abs(b)
            return -result if a < 0 else result
        return math.fmod(a, b)
    except OverflowError:  # a huge int meeting a float
        return NAN


def count_of(value: Any) -> int:
    """``count()``: instances of a repeat (or values of a question in it); 0 or 1 for a single answer."""
    if isinstance(value, tuple):
        return len(value)
    return 0 if value is None else 1


def items_of(value: Any) -> tuple[Any, ...]:
    """The values of a nodeset (a repeat's), or the one value of anything else."""
    return value if isinstance(value, tuple) else (value,)


def sum_of(value: Any) -> int | float:
    """``sum()``: XPath's, so one blank or non-numeric value makes the sum NaN."""
    total: int | float = 0
    for item in items_of(value):
        total = arithmetic("+", total, item)
    return total


def concat_of(values: list[Any]) -> str:
    """``concat(a, b, …)``: the texts of the values (every value of a nodeset), joined with nothing."""
    return "".join(to_string(item) for value in values for item in items_of(value))


MAX_ROUND_DIGITS = 15


def round_half_up(value: Any, digits: Any = 0) -> int | float:
    """``round(x[, digits])``: half away from zero, as ODK: sign(x) · floor(|x| · 10^d + 0.5) / 10^d.

    ``digits`` is truncated to an integer and clamped to −15…15. NaN when x or digits is not a number.
    """
    number, places = number_of(value), number_of(digits)
    if number != number or places != places or math.isinf(number):
        return number if places == places else NAN
    if math.isinf(places):
        return NAN
    places = max(-MAX_ROUND_DIGITS, min(MAX_ROUND_DIGITS, int(places)))
    try:
        if places >= 0:
            scale = 10**places
            magnitude = math.floor(abs(number) * scale + 0.5) / scale
        else:
            scale = 10 ** (-places)
            magnitude = math.floor(abs(number) / scale + 0.5) * scale
    except OverflowError:
        return NAN
    signed = -magnitude if number < 0 else magnitude
    if places <= 0 and math.isfinite(signed):
        return int(signed)
    return signed
