"""Expressions over every ODK function, for the differential test against Enketo's evaluator.

tests/phone_app/test_odk_differential.py evaluates each case three ways, in Python (forms.expr), in the phone
app's expr.js and in Enketo's openrosa-xpath-evaluator, and compares the text and the truth of the results.
Answers here are text, as an ODK form's XML instance holds them (None: the element is empty); ``v`` is a question
inside a repeat ``rep``, read from outside it. ``to_xpath`` writes one of our expressions as Enketo reads it.

The differences we keep on purpose are not generated at random but listed in ``KNOWN_DIFFERENCES`` (each with
the reason written in docs/forms.md under the same id); the test checks they still differ exactly so.
"""

from __future__ import annotations

import random
from typing import Any

from forms.expr import parse, parse_choice_filter
from forms.expr_ast import (
    And,
    Arithmetic,
    Call,
    ChoiceColumn,
    Comparison,
    Current,
    Literal,
    Negate,
    Node,
    Or,
    Ref,
    RegexMatch,
)
from forms.expr_values import number_text

SEED = 20261205
REPEAT_CHILD = "v"  # /data/rep/v
ANSWER_SETS: list[dict[str, Any]] = [
    {
        "a": "3",
        "b": "4",
        "t": "xin chào",
        "s": "x y",
        "d": "2026-11-30",
        "dt": "2026-11-30T10:05:09.123+07:00",
        "g": "19.9 105.4 10 5",
        "shape": "19.9 105.4 0 0; 19.9 105.5 0 0; 20 105.5 0 0; 19.9 105.4 0 0",
        "e": None,
        "v": ("1", "2", "3"),
        "cur": "5",
    },
    {
        "a": None,
        "b": "-7",
        "t": "",
        "s": "",
        "d": "2024-02-29",
        "dt": None,
        "g": None,
        "shape": None,
        "e": None,
        "v": ("1", "", "x"),
        "cur": None,
    },
    {
        "a": "2.5",
        "b": "abc",
        "t": "Nguyễn Văn Đức",
        "s": "level2",
        "d": "abc",
        "dt": "2026-01-01T00:00:00Z",
        "g": "-1.5 0",
        "shape": "0 0; 0 1; 1 1",
        "e": None,
        "v": (),
        "cur": "abc",
    },
    {
        "a": " 12 ",
        "b": "0.1",
        "t": "0",
        "s": "a b c",
        "d": "1970-01-01",
        "dt": "2000-02-29T23:59:59.999-03:30",
        "g": "0 0",
        "shape": "10 10 0 0; 10 11 0 0",
        "e": None,
        "v": ("2.5",),
        "cur": "0",
    },
    {
        "a": "-0.5",
        "b": "1e3",
        "t": "true",
        "s": "none",
        "d": "1999-12-31",
        "dt": "1999-12-31T12:00:00Z",
        "g": "91 0",
        "shape": "",
        "e": None,
        "v": ("10", "-4"),
        "cur": "2026-11-30",
    },
]
NAMES = ["a", "b", "t", "s", "d", "dt", "g", "shape", "e"]

LEAVES = [
    *(f"${{{name}}}" for name in NAMES),
    ".",
    "0",
    "1",
    "-1",
    "2.5",
    "-2.5",
    "0.1",
    "1000000",
    "''",
    "'abc'",
    "'12'",
    "' 7 '",
    "'x y z'",
    "'2026-11-30'",
    "'2026-02-30'",
    "'2026-11-30T10:00:00Z'",
    "'Văn'",
    "'true'",
    "'-0.25'",
    "(1 div 0)",
    "(-1 div 0)",
    "(0 div 0)",
    "true()",
    "false()",
]
NODESET = f"${{{REPEAT_CHILD}}}"
# name → how many arguments to give it (a fixed count, or (fewest, most)), for the generator.
GENERATED: dict[str, tuple[int, int]] = {
    "string": (1, 1),
    "concat": (1, 4),
    "join": (2, 4),
    "substr": (2, 3),
    "substring": (2, 3),
    "substring-before": (2, 2),
    "substring-after": (2, 2),
    "translate": (3, 3),
    "normalize-space": (1, 1),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "ends-with": (2, 2),
    "string-length": (1, 1),
    "coalesce": (2, 2),
    "selected": (2, 2),
    "selected-at": (2, 2),
    "count-selected": (1, 1),
    "number": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "floor": (1, 1),
    "ceiling": (1, 1),
    "abs": (1, 1),
    "pow": (2, 2),
    "min": (1, 3),
    "max": (1, 3),
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
    "boolean": (1, 1),
    "boolean-from-string": (1, 1),
    "not": (1, 1),
    "checklist": (3, 5),
    "weighted-checklist": (4, 6),
    "if": (3, 3),
    "date": (1, 1),
    "date-time": (1, 1),
    "decimal-date-time": (1, 1),
    "decimal-time": (1, 1),
    "format-date": (2, 2),
    "format-date-time": (2, 2),
    "area": (1, 1),
    "distance": (1, 1),
    "digest": (2, 3),
    "once": (1, 1),
    "today": (0, 0),
}
# Not compared with Enketo: random(), now(), uuid() (chance and the clock); pulldata(), jr:choice-name(),
# version(), position(), indexed-repeat() (they read the form and its media, which Enketo takes from the form's
# XML); base64-decode(), geofence() (not in Enketo 3.1.0). tests/support/vectors.py (Python against expr.js) and
# tests/forms/test_odk_functions.py cover them.
# Functions whose arguments the generator fills from its own list (a format, an algorithm, a time…).
SPECIAL_ARGUMENTS: dict[str, list[list[str]]] = {
    "format-date": [["'%Y-%m-%d'"], ["'%y/%n/%e %H:%M:%S.%3'"], ["'%b %a %h'"], ["'%%d'"], ["'no escapes'"]],
    "format-date-time": [["'%Y-%m-%dT%H:%M:%S'"], ["'%e %b %Y'"]],
    "digest": [
        ["'MD5'"], ["'SHA-1'"], ["'SHA-256'"], ["'SHA-384'", "'hex'"], ["'SHA-512'", "'base64'"], ["'sha-256'", "'hex'"]
    ],
    "decimal-time": [["'06:00:00.000+07:00'"], ["'23:59:59-03:30'"], ["'12:00:00Z'"], ["'25:00:00.000+00:00'"]],
    "area": [["${shape}"], ["'0 0; 0 1; 1 1; 0 0'"], ["${g}"]],
    "distance": [["${shape}"], ["'19.9 105.4; 20 105.5'"], ["${g}"]],
}  # fmt: skip
# Functions that read a repeat's values (a nodeset) as their argument.
NODESET_FUNCTIONS = ["count", "sum", "count-non-empty", "max", "min", "join", "concat"]
BOOLEAN_ARGUMENTS = {"not": "all", "boolean": "all", "if": "first", "checklist": "rest", "weighted-checklist": "odd"}


def _expression(rng: random.Random, depth: int) -> str:
    if depth > 2 or rng.random() < 0.35:
        return rng.choice(LEAVES)
    shape = rng.randrange(10)
    if shape == 0:
        op = rng.choice(["=", "!=", "<", "<=", ">", ">="])
        return f"{_expression(rng, depth + 1)} {op} {_expression(rng, depth + 1)}"
    if shape == 1:
        op = rng.choice(["+", "-", "*", "div", "mod"])
        return f"({_expression(rng, depth + 1)} {op} {_expression(rng, depth + 1)})"
    if shape == 2:
        op = rng.choice(["and", "or"])
        return f"({_expression(rng, depth + 1)} {op} {_expression(rng, depth + 1)})"
    if shape == 3:
        return f"-{_expression(rng, depth + 1)}"
    return _call(rng, rng.choice(sorted(GENERATED)), depth)


def _call(rng: random.Random, name: str, depth: int) -> str:
    fewest, most = GENERATED[name]
    count = rng.randint(fewest, most)
    special = SPECIAL_ARGUMENTS.get(name)
    if special is not None:
        rest = rng.choice(special)
        count = max(1, count - len(rest)) if name not in ("area", "decimal-time") else 0
        if name == "distance":
            count = 0
        args = [_expression(rng, depth + 1) for _ in range(count)] + rest
    else:
        args = [_expression(rng, depth + 1) for _ in range(count)]
    return f"{name}({', '.join(args)})"


def expressions(count: int = 5200) -> list[str]:
    """Every generated function with hand-picked and random arguments, then random nestings: ``count`` in all."""
    rng = random.Random(SEED)
    result: list[str] = []
    for name in sorted(GENERATED):  # each function over each leaf, so every odd value meets every function
        for leaf in LEAVES:
            fewest, _ = GENERATED[name]
            special = SPECIAL_ARGUMENTS.get(name)
            if special is not None:
                args = special[len(result) % len(special)]
                args = [leaf, *args] if name not in ("area", "distance", "decimal-time") else args
            elif fewest == 0:
                args = []
            else:
                args = [leaf] + [rng.choice(LEAVES) for _ in range(fewest - 1)]
            result.append(f"{name}({', '.join(args)})")
    for name in NODESET_FUNCTIONS:
        result.append(f"{name}({NODESET})" if name != "join" else f"join('-', {NODESET})")
        with_leaf = name in ("max", "min", "concat")
        result.append(f"{name}({NODESET}, {rng.choice(LEAVES)})" if with_leaf else f"{name}({NODESET})")
    unique = dict.fromkeys(result)
    while len(unique) < count:
        unique.setdefault(_expression(rng, 0))
    return list(unique)


def cases(count: int = 5200) -> list[dict[str, Any]]:
    """Each expression against one of the answer sets (all sets in turn)."""
    return [
        {"expr": expression, "answers": index % len(ANSWER_SETS)} for index, expression in enumerate(expressions(count))
    ]


def python_answers(answers: dict[str, Any]) -> tuple[dict[str, Any], Any]:
    """The answers and '.' as forms.expr reads them."""
    flat = {name: value for name, value in answers.items() if name != "cur"}
    flat[REPEAT_CHILD] = tuple(answers[REPEAT_CHILD])
    flat["rep"] = tuple({REPEAT_CHILD: value} for value in answers[REPEAT_CHILD])
    return flat, answers["cur"]


def instance_xml(answers: dict[str, Any]) -> str:
    """The answers as the XML instance Enketo evaluates against (``.`` is /data/cur)."""

    def element(name: str, value: Any) -> str:
        if value is None or value == "":
            return f"<{name}/>"
        text = str(value).replace("&", "&amp;").replace("<", "&lt;")
        return f"<{name}>{text}</{name}>"

    parts = [element(name, answers[name]) for name in NAMES]
    parts.append(element("cur", answers["cur"]))
    parts.extend(f"<rep>{element(REPEAT_CHILD, value)}</rep>" for value in answers[REPEAT_CHILD])
    return "<data>" + "".join(parts) + "</data>"


# --- our expressions as Enketo reads them ---------------------------------------------------------------------


def to_xpath(source: str, as_boolean: bool = False) -> str:
    """Our expression as an XPath for Enketo: ${q} → /data/q, regex anchored (ours matches the whole text).

    Where a reference is read as a truth value it is written string(/data/q): ODK Collect reads an answer's
    value there (an empty answer is false), Enketo the node-set (true whenever the element exists); see
    docs/forms.md, difference "nodeset-truth".
    """
    return _xpath(parse(source), as_boolean)


def choice_filter_to_xpath(source: str) -> str:
    """A choice_filter as the predicate of ``item[…]``: bare names are children of the item, read as truth values."""
    return _xpath(parse_choice_filter(source), True)


def _quote(text: str) -> str:
    return f"'{text}'" if "'" not in text else f'"{text}"'


def _xpath(node: Node, as_boolean: bool) -> str:
    if isinstance(node, Literal):
        value = node.value
        if isinstance(value, bool):
            return "true()" if value else "false()"
        if isinstance(value, str):
            return _quote(value)
        return number_text(value)
    if isinstance(node, Ref):
        path = f"/data/rep/{node.name}" if node.name == REPEAT_CHILD else f"/data/{node.name}"
        return f"string({path})" if as_boolean else path
    # In a choice_filter: a child of the item being tested. Written ./name: Enketo misreads `pop div …` (a bare
    # name before div) but not `./pop div …`, and both mean the same child.
    if isinstance(node, ChoiceColumn):
        return f"string(./{node.name})" if as_boolean else f"./{node.name}"
    if isinstance(node, Current):
        return "string(.)" if as_boolean else "."
    if isinstance(node, Negate):  # Enketo's parser fails on a '-' that starts a function's argument
        return f"(0 - {_xpath(node.operand, False)})"
    if isinstance(node, Arithmetic):
        return f"({_xpath(node.left, False)} {node.op} {_xpath(node.right, False)})"
    if isinstance(node, Comparison):  # a reference compared with a boolean is its value's truth: "nodeset-truth"
        return f"({_xpath(node.left, True)} {node.op} {_xpath(node.right, True)})"
    if isinstance(node, (And, Or)):
        word = "and" if isinstance(node, And) else "or"
        return f"({_xpath(node.left, True)} {word} {_xpath(node.right, True)})"
    if isinstance(node, RegexMatch):
        return f"regex({_xpath(node.subject, False)}, {_quote('^(?:' + node.pattern.pattern + ')$')})"
    if isinstance(node, Call):
        rule = BOOLEAN_ARGUMENTS.get(node.name)
        args = []
        for index, arg in enumerate(node.args):
            truth = (
                rule == "all"
                or (rule == "first" and index == 0)
                or (rule == "rest" and index >= 2)
                or (rule == "odd" and index >= 2 and index % 2 == 0)
            )
            args.append(_xpath(arg, truth))
        if node.name == "digest":  # Enketo hashes the node-set object itself, not the answer's text
            args[0] = f"string({args[0]})"
        if node.name == "if" and as_boolean:
            args[1:] = [_xpath(arg, True) for arg in node.args[1:]]
        return f"{node.name}({', '.join(args)})"
    raise ValueError(f"no XPath for {node!r}")
