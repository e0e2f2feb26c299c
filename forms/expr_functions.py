"""The functions of the expression language: ODK's "Form Operators and Functions", XPath 1.0 typed.

Each entry of ``FUNCTIONS`` takes the evaluation context and the argument *values* (every argument
is evaluated first, left to right); ``if``, ``and`` and ``or`` are lazy and live in forms.expr_ast.
``forms.expr_catalog.ARITY`` bounds the argument count at parse time. Reference: https://docs.getodk.org/form-operators-functions/
and https://getodk.github.io/xforms-spec/#xpath-functions. ``docs/forms.md`` has the table.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
import hashlib
import math
import random
import uuid
from collections.abc import Callable
from typing import Any

from forms import expr_dates
from forms.expr_values import (
    NAN,
    choice_list,
    concat_of,
    count_of,
    items_of,
    number_of,
    round_half_up,
    selected_values,
    sum_of,
    to_string,
    truthy,
)

MAX_TEXT = 100_000  # results longer than any answer are cut, so a nested join cannot blow up memory
DIGESTS = {"md5": "md5", "sha-1": "sha1", "sha-256": "sha256", "sha-384": "sha384", "sha-512": "sha512"}

Function = Callable[..., Any]


def _int(value: Any) -> int | float:
    """int(): toward zero; NaN and ±Infinity stay."""
    number = number_of(value)
    if isinstance(number, int) or not math.isfinite(number):
        return number
    return int(number)


def _math(function: Callable[[float], float]) -> Function:
    """A one-argument math function with JavaScript's results where Python raises (NaN, ±Infinity)."""

    def apply(ctx: Any, value: Any) -> float:
        number = number_of(value)
        try:
            return function(number)
        except (ValueError, ZeroDivisionError):
            return NAN
        except OverflowError:
            return math.inf

    return apply


def _log(number: float) -> float:
    return -math.inf if number == 0 else (math.inf if number == math.inf else math.log(number))


def _log10(number: float) -> float:
    return -math.inf if number == 0 else (math.inf if number == math.inf else math.log10(number))


def _pow(ctx: Any, base: Any, exponent: Any) -> float:
    x, y = number_of(base), number_of(exponent)
    if y == 0:
        return 1
    if y != y or (abs(x) == 1 and math.isinf(y)):
        return NAN  # as JavaScript's ** (Python's pow says 1)
    try:
        result = math.pow(x, y)
    except OverflowError:
        return math.inf if x > 0 or (float(y).is_integer() and int(y) % 2 == 0) else -math.inf
    except ValueError:
        if x == 0:  # 0 to a negative power
            return -math.inf if math.copysign(1, x) < 0 and float(y).is_integer() and int(y) % 2 else math.inf
        return NAN
    if isinstance(x, int) and isinstance(y, int) and y >= 0 and abs(result) < 2**53:
        return int(result)
    return result


def _abs(ctx: Any, value: Any) -> int | float:
    return abs(number_of(value))


def _floor_or_ceiling(function: Callable[[float], int]) -> Function:
    def apply(ctx: Any, value: Any) -> int | float:
        number = number_of(value)
        return number if isinstance(number, int) or not math.isfinite(number) else function(number)

    return apply


def _numbers(values: tuple[Any, ...]) -> list[int | float]:
    return [number_of(item) for value in values for item in items_of(value)]


def _max_min(pick: Callable[..., Any]) -> Function:
    def apply(ctx: Any, *values: Any) -> int | float:
        numbers = _numbers(values)
        if not numbers or any(number != number for number in numbers):
            return NAN
        return pick(numbers)

    return apply


def _substr(ctx: Any, text: Any, start: Any, end: Any = None) -> str:
    """substr(text, start[, end]): characters start…end−1, counted from 0 (negative: from the end)."""
    value = to_string(text)

    def index(bound: Any) -> int:
        number = number_of(bound)
        if number != number:
            return 0
        if math.isinf(number):
            return len(value) if number > 0 else -len(value) - 1
        return int(number)

    return value[index(start) : None if end is None else index(end)]


def _substring(ctx: Any, text: Any, start: Any, length: Any = None) -> str:
    """XPath 1.0 substring(text, start[, length]): counted from 1, bounds rounded, NaN selects nothing."""
    value = to_string(text)
    first = _xpath_round(number_of(start))
    last = math.inf if length is None else first + _xpath_round(number_of(length))
    if first != first or last != last:
        return ""
    return "".join(char for position, char in enumerate(value, start=1) if first <= position < last)


def _xpath_round(number: float) -> float:
    return number if not math.isfinite(number) else math.floor(number + 0.5)


def _substring_before(ctx: Any, text: Any, part: Any) -> str:
    value, needle = to_string(text), to_string(part)
    found = value.find(needle)
    return "" if found < 0 else value[:found]


def _substring_after(ctx: Any, text: Any, part: Any) -> str:
    value, needle = to_string(text), to_string(part)
    found = value.find(needle)
    return "" if found < 0 else value[found + len(needle) :]


def _translate(ctx: Any, text: Any, source: Any, target: Any) -> str:
    old, new = to_string(source), to_string(target)
    table: dict[int, int | None] = {}
    for position, char in enumerate(old):
        table.setdefault(ord(char), ord(new[position]) if position < len(new) else None)
    return to_string(text).translate(table)


def _normalize_space(ctx: Any, *values: Any) -> str:
    return " ".join(to_string(values[0] if values else ctx.current).split())


def _join(ctx: Any, separator: Any, *values: Any) -> str:
    return to_string(separator).join(to_string(item) for value in values for item in items_of(value))[:MAX_TEXT]


def _selected(ctx: Any, answer: Any, choice: Any) -> bool:
    return to_string(choice).strip() in choice_list(answer)


def _selected_at(ctx: Any, answer: Any, index: Any) -> str:
    values = to_string(answer).split(" ")
    number = _int(index)
    if not isinstance(number, int) or not 0 <= number < len(values):
        return ""
    return values[number]


def _count_non_empty(ctx: Any, value: Any) -> int:
    return sum(1 for item in items_of(value) if to_string(item) != "")


def _boolean_from_string(ctx: Any, value: Any) -> bool:
    return to_string(value) in ("true", "1")


def _checklist(ctx: Any, fewest: Any, most: Any, *values: Any) -> bool:
    low, high = number_of(fewest), number_of(most)
    trues = sum(1 for value in values for item in items_of(value) if truthy(item))
    return (low < 0 or trues >= low) and (high < 0 or trues <= high)


def _weighted_checklist(ctx: Any, fewest: Any, most: Any, *pairs: Any) -> bool:
    low, high = number_of(fewest), number_of(most)
    total: int | float = 0
    for position in range(0, len(pairs) - 1, 2):
        for item, weight in zip(items_of(pairs[position]), items_of(pairs[position + 1]), strict=False):
            if truthy(item):
                number = number_of(weight)
                total += number if number == number else 0
    return (low < 0 or total >= low) and (high < 0 or total <= high)


def _coalesce(ctx: Any, first: Any, second: Any) -> str:
    return to_string(first) or to_string(second)


def _indexed_repeat(ctx: Any, value: Any, *groups_and_indexes: Any) -> Any:
    """indexed-repeat(${q}, ${repeat}, n): the answer to q in the repeat's n-th instance (from 1)."""
    index = _int(groups_and_indexes[1]) if len(groups_and_indexes) > 1 else NAN
    items = items_of(value)
    if not isinstance(index, int) or not 1 <= index <= len(items):
        return ""
    return items[index - 1]


def _digest(ctx: Any, message: Any, algorithm: Any, encoding: Any = "base64") -> str:
    name = DIGESTS.get(to_string(algorithm).lower())
    form = to_string(encoding).lower()
    if name is None or form not in ("base64", "hex"):
        return ""
    digest = hashlib.new(name, to_string(message).encode("utf-8")).digest()
    return digest.hex() if form == "hex" else base64.b64encode(digest).decode("ascii")


def _base64_decode(ctx: Any, value: Any) -> str:
    try:
        return base64.b64decode(to_string(value), validate=True).decode("utf-8")
    except (binascii.Error, ValueError):
        return ""


def _pulldata(ctx: Any, table: Any, column: Any, key_column: Any, key: Any) -> str:
    """pulldata('file', 'col', 'key_col', key): ``col`` of the first row of the form's CSV whose ``key_col`` is key."""
    rows = ctx.table(to_string(table))
    wanted, by, match = to_string(column), to_string(key_column), to_string(key)
    for row in rows:
        if row.get(by) == match:
            return row.get(wanted) or ""
    return ""


def _choice_name(ctx: Any, value: Any, question: Any) -> str:
    """jr:choice-name(value, '${q}'): the label of that choice of q's list, in the form's first language."""
    return ctx.choice_name(to_string(question), to_string(value))


def _position(ctx: Any, *values: Any) -> int:
    return ctx.position


def _random(ctx: Any) -> float:
    return random.random()


def _uuid(ctx: Any, length: Any = None) -> str:
    if length is None:
        return str(uuid.uuid4())
    count = _int(length)
    alphabet = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
    size = count if isinstance(count, int) and 0 < count <= 1000 else 0
    return "".join(random.SystemRandom().choice(alphabet) for _ in range(size))


def _once(ctx: Any, value: Any) -> str:
    """once(x): the answer already there if any, else x (as text: it becomes the answer)."""
    return to_string(ctx.current) or to_string(value)


def _area(ctx: Any, *values: Any) -> float:
    return expr_dates.area(list(values))


def _distance(ctx: Any, *values: Any) -> float:
    return expr_dates.distance(list(values))


def _now(ctx: Any) -> str:
    return expr_dates.now_text(dt.datetime.now(dt.UTC))


FUNCTIONS: dict[str, Function] = {
    # text
    "string": lambda ctx, *v: to_string(v[0] if v else ctx.current),
    "concat": lambda ctx, *v: concat_of(list(v))[:MAX_TEXT],
    "join": _join,
    "substr": _substr,
    "substring": _substring,
    "substring-before": _substring_before,
    "substring-after": _substring_after,
    "translate": _translate,
    "normalize-space": _normalize_space,
    "contains": lambda ctx, a, b: to_string(b) in to_string(a),
    "starts-with": lambda ctx, a, b: to_string(a).startswith(to_string(b)),
    "ends-with": lambda ctx, a, b: to_string(a).endswith(to_string(b)),
    "string-length": lambda ctx, *v: len(to_string(v[0] if v else ctx.current)),
    "regex": lambda ctx, a, b: False,  # only a literal pattern parses: see forms.expr_ast.RegexMatch
    "digest": _digest,
    "base64-decode": _base64_decode,
    "coalesce": _coalesce,
    "uuid": _uuid,
    # choices
    "selected": _selected,
    "selected-at": _selected_at,
    "count-selected": lambda ctx, v: len(selected_values(v)),
    "jr:choice-name": _choice_name,
    # numbers
    "number": lambda ctx, *v: number_of(v[0] if v else ctx.current),
    "int": lambda ctx, v: _int(v),
    "round": lambda ctx, v, d=0: round_half_up(v, d),
    "floor": _floor_or_ceiling(math.floor),
    "ceiling": _floor_or_ceiling(math.ceil),
    "abs": _abs,
    "pow": _pow,
    "min": _max_min(min),
    "max": _max_min(max),
    "sqrt": _math(math.sqrt),
    "exp": _math(math.exp),
    "exp10": lambda ctx, v: _pow(ctx, 10, v),
    "log": _math(_log),
    "log10": _math(_log10),
    "sin": _math(math.sin),
    "cos": _math(math.cos),
    "tan": _math(math.tan),
    "asin": _math(math.asin),
    "acos": _math(math.acos),
    "atan": _math(math.atan),
    "atan2": lambda ctx, y, x: math.atan2(number_of(y), number_of(x)),
    "pi": lambda ctx: math.pi,
    "random": _random,
    # booleans
    "boolean": lambda ctx, v: truthy(v),
    "boolean-from-string": _boolean_from_string,
    "not": lambda ctx, v: not truthy(v),
    "true": lambda ctx: True,
    "false": lambda ctx: False,
    "checklist": _checklist,
    "weighted-checklist": _weighted_checklist,
    # dates
    "today": lambda ctx: ctx.today,
    "now": _now,
    "date": lambda ctx, v: expr_dates.date_text(v),
    "date-time": lambda ctx, v: expr_dates.date_text(v),
    "decimal-date-time": lambda ctx, v: expr_dates.decimal_date_time(v),
    "decimal-time": lambda ctx, v: expr_dates.decimal_time(v),
    "format-date": lambda ctx, v, f: expr_dates.format_date(v, f),
    "format-date-time": lambda ctx, v, f: expr_dates.format_date(v, f),
    # repeats and nodesets
    "count": lambda ctx, v: count_of(v),
    "count-non-empty": _count_non_empty,
    "sum": lambda ctx, v: sum_of(v),
    "position": _position,
    "indexed-repeat": _indexed_repeat,
    # places
    "area": _area,
    "distance": _distance,
    "geofence": lambda ctx, point, shape: expr_dates.geofence(point, shape),
    # the form and its media
    "pulldata": _pulldata,
    "version": lambda ctx: ctx.form_version,
    "once": _once,
}
