"""Which functions the expression language has, how many arguments each takes, and which ODK ones it refuses.

The functions themselves are in forms/expr_functions.py (``if`` in forms/expr_ast.py); the phone app's expr.js
keeps the same table. docs/forms.md shows it to form authors.
"""

from __future__ import annotations

MAX_ARGS = 100
# Evaluated on the phone, whose value the server keeps as sent (a calculate using one is not recomputed).
PHONE_FUNCTIONS = frozenset({"random", "now", "uuid", "once"})
# Functions that read a whole repeat: the only place a question inside a repeat may be named from outside it.
AGGREGATES = frozenset({"count", "sum", "count-non-empty", "max", "min", "join", "indexed-repeat"})

# (fewest, most) arguments of each function.
ARITY: dict[str, tuple[int, int]] = {
    "string": (0, 1),
    "concat": (1, MAX_ARGS),
    "join": (1, MAX_ARGS),
    "substr": (2, 3),
    "substring": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "translate": (3, 3),
    "normalize-space": (0, 1),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "string-length": (0, 1),
    "regex": (2, 2),
    "digest": (2, 3),
    "base64-decode": (1, 1),
    "coalesce": (2, 2),
    "uuid": (0, 1),
    "selected": (2, 2),
    "selected-at": (2, 2),
    "count-selected": (1, 1),
    "jr:choice-name": (2, 2),
    "number": (0, 1),
    "int": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "min": (1, MAX_ARGS),
    "max": (1, MAX_ARGS),
    "sqrt": (1, 1),
    "exp": (1, 1),
    "exp10": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "sin": (1, 1),
    "cos": (1, 1),
    "tan": (1, 1),
    "asin": (1, 1),
    "acos": (1, 1),
    "atan": (1, 1),
    "atan2": (2, 2),
    "pi": (0, 0),
    "random": (0, 0),
    "boolean": (1, 1),
    "boolean-from-string": (1, 1),
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "checklist": (2, MAX_ARGS),
    "weighted-checklist": (2, MAX_ARGS),
    "today": (0, 0),
    "now": (0, 0),
    "date": (1, 1),
    "date-time": (1, 1),
    "decimal-date-time": (1, 1),
    "decimal-time": (1, 1),
    "format-date": (2, 2),
    "format-date-time": (2, 2),
    "if": (3, 3),
    "count": (1, 1),
    "count-non-empty": (1, 1),
    "sum": (1, 1),
    "position": (0, 1),
    "indexed-repeat": (3, 7),
    "area": (1, 1),
    "distance": (1, MAX_ARGS),
    "geofence": (2, 2),
    "pulldata": (4, 4),
    "version": (0, 0),
    "once": (1, 1),
}
# ODK functions refused, with why (docs/forms.md shows these reasons).
REFUSED: dict[str, str] = {
    "randomize": "reorders a choice list; Gõ Cửa lists choices in the form's order",
    "instance": "secondary instances are read with pulldata() or a choice_filter",
    "current": "paths are not supported; write ${question}",
    "last": "paths are not supported; use count()",
    "search": "an appearance of a select question in ODK, not a function of expressions",
    "jr:itext": "labels are chosen by the phone's language, not by an expression",
}
