"""Value rules of the expression language (XLSForm/XPath flavoured, simplified).

Answers reach expressions as their wire values: str, int, float, bool, list[str]
(select_multiple), dict (geopoint) or None (unanswered); outside a repeat, a question inside
it reads as a tuple with one value per instance (a "nodeset"), and the repeat itself as a
tuple of its instances. Every helper here is total:
it never raises for any of those inputs, so a strange answer cannot crash validation.
"""

from __future__ import annotations

import math
from typing import Any


def truthy(value: Any) -> bool:
    if value is None:
        return False
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0 and not (isinstance(value, float) and math.isnan(value))
    if isinstance(value, (str, list, dict, tuple)):
        return len(value) > 0
    return False


def to_number(value: Any) -> int | float | None:
    """A number, or None when the value has no numeric meaning."""
    if value is None:
        return None
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, int):
        return value
    if isinstance(value, float):
        return None if math.isnan(value) or math.isinf(value) else value
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 64:
            return None
        try:
            return int(text)
        except ValueError:
            pass
        try:
            number = float(text)
        except ValueError:
            return None
        return None if math.isnan(number) or math.isinf(number) else number
    return None


def to_string(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return repr(value)
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


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _apply(op: str, left: Any, right: Any) -> bool:
    try:
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
    except TypeError:
        return False


def compare(op: str, left: Any, right: Any) -> bool:
    """Compare two values. Unanswered (None) compares false, except against ''."""
    if left is None or right is None:
        other = right if left is None else left
        # XLSForm writes "${q} = ''" / "${q} != ''" to test for an answer.
        if op in ("=", "!=") and other == "":
            return _apply(op, "", "")
        return False
    if isinstance(left, bool) or isinstance(right, bool):
        if isinstance(left, bool) and isinstance(right, bool):
            return _apply(op, left, right)
        if _is_number(left) or _is_number(right):
            a, b = to_number(left), to_number(right)
            return a is not None and b is not None and _apply(op, a, b)
        return _apply(op, to_string(left), to_string(right))
    if isinstance(left, (list, dict, tuple)):
        left = to_string(left)
    if isinstance(right, (list, dict, tuple)):
        right = to_string(right)
    if _is_number(left) and _is_number(right):
        if (isinstance(left, float) and math.isnan(left)) or (isinstance(right, float) and math.isnan(right)):
            return False
        return _apply(op, left, right)
    if _is_number(left) or _is_number(right):
        a, b = to_number(left), to_number(right)
        return a is not None and b is not None and _apply(op, a, b)
    # Two strings: numeric when both look like numbers ('10' > '9'), else text order,
    # which is also the right order for ISO dates ('2024-05-01' < '2024-12-31').
    a, b = to_number(left), to_number(right)
    if a is not None and b is not None:
        return _apply(op, a, b)
    return _apply(op, left, right)


def arithmetic(op: str, left: Any, right: Any) -> int | float | None:
    """+ - * div mod; None when an operand is unanswered or not a number."""
    a, b = to_number(left), to_number(right)
    if a is None or b is None:
        return None
    try:
        return _arithmetic(op, a, b)
    except OverflowError:  # a huge int meeting a float
        return None


def _arithmetic(op: str, a: float, b: float) -> int | float | None:
    if op == "+":
        result = a + b
    elif op == "-":
        result = a - b
    elif op == "*":
        result = a * b
    elif op == "div":
        if b == 0:
            return None
        result = a / b
    else:  # mod, truncating like XPath
        if b == 0:
            return None
        if isinstance(a, int) and isinstance(b, int):
            result = abs(a) % abs(b)
            result = -result if a < 0 else result
        else:
            result = math.fmod(a, b)
    if isinstance(result, float) and (math.isinf(result) or math.isnan(result)):
        return None
    return result


def count_of(value: Any) -> int:
    """``count()``: instances of a repeat (or values of a question in it); 0 or 1 for a single answer."""
    if isinstance(value, tuple):
        return len(value)
    return 0 if value is None else 1


def sum_of(value: Any) -> int | float | None:
    """``sum()``: the numbers among a repeat's values (booleans count 1/0; blanks and text are skipped)."""
    items = value if isinstance(value, tuple) else (value,)
    total: int | float = 0
    for item in items:
        number = to_number(item)
        if number is not None:
            total += number
    if isinstance(total, float) and (math.isinf(total) or math.isnan(total)):
        return None
    return total


def concat_of(values: list[Any]) -> str:
    """``concat(a, b, …)``: the texts of the values, joined with nothing between them."""
    return "".join(to_string(value) for value in values)


MAX_ROUND_DIGITS = 15


def round_half_up(value: Any, digits: Any = 0) -> int | float | None:
    """``round(x[, digits])``: half away from zero, as ODK: sign(x) · floor(|x| · 10^d + 0.5) / 10^d.

    ``digits`` is truncated to an integer and clamped to −15…15; with digits ≤ 0 the result is an int.
    None when x or digits is not a number.
    """
    number, places = to_number(value), to_number(digits)
    if number is None or places is None:
        return None
    places = max(-MAX_ROUND_DIGITS, min(MAX_ROUND_DIGITS, int(places)))
    scale = 10.0**places
    try:
        magnitude = math.floor(abs(number) * scale + 0.5) / scale
    except OverflowError:
        return None
    if math.isinf(magnitude) or math.isnan(magnitude):
        return None
    signed = -magnitude if number < 0 else magnitude
    if places <= 0:
        return int(signed)
    return signed
