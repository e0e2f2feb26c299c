"""Test vectors of the expression language and of a visit pass, generated from the Python implementation.

The phone app evaluates ``relevant`` / ``constraint`` in JavaScript while the member types; the server decides
with ``forms.expr``. Both must agree, so this module writes one JSON file of cases (expression, answers, ``.``,
today → result or parse error; and answers of the bundled form → shown questions and error codes) that a Python
test compares with a fresh generation and a browser test runs against the app's evaluator.

    python3 -m tests.support.vectors            # rewrite tests/forms/expr_vectors.json
    python3 -m tests.support.vectors --check    # exit 1 when the committed file is stale
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import math
import random
import sys
from pathlib import Path
from typing import Any

from forms.answers import run_visit
from forms.bundled import bundled_form_paths
from forms.expr import ExpressionError, evaluate, parse
from forms.expr_ast import EvalContext
from forms.expr_compile import compile_node
from forms.expr_values import number_text
from forms.load import load_definition
from forms.spec import FormDefinition
from tests.support import vectors_choices

VECTORS_PATH = Path(__file__).resolve().parents[1] / "forms" / "expr_vectors.json"
TODAY = dt.date(2026, 12, 1)
SEED = 20261201
BUNDLED_FORM = "household-digital-skills"

# Answer sets every hand-written expression is evaluated against: every wire type, blanks and odd values.
ANSWER_SETS: list[dict[str, Any]] = [
    {},
    {"a": 3, "b": 4, "t": "xin chào", "s": "x y", "m": ["none"], "flag": True, "d": "2026-11-30"},
    {"a": 0, "b": -7, "t": "", "s": "", "m": [], "flag": False, "d": "2024-02-29"},
    {
        "a": 2.5,
        "b": "10",
        "t": "Nguyễn Văn Đức",
        "s": "level2",
        "m": ["scams", "none"],
        "flag": True,
        "g": {"lat": 19.9, "lon": 105.4, "accuracy_m": 12.0},
    },
    {"a": "9", "b": "abc", "t": "12", "s": "1e3", "m": ["x"], "flag": False, "d": "2027-01-01"},
    {"a": True, "b": 0.1, "t": " 5 ", "s": "  ", "m": ["a", "b", "c"], "g": {"lat": -1.5, "lon": 0}},
]
CURRENTS: list[Any] = [None, 5, "abc", ["none", "x"], True, 0, "", 2.5]

EXPRESSIONS = [
    # literals and arithmetic
    "1",
    "1.5",
    ".5",
    "1.",
    "'text'",
    '"dq"',
    "true()",
    "false()",
    "true",
    "false",
    "-3",
    "--3",
    "- -3",
    "1 + 2 * 3",
    "(1 + 2) * 3",
    "7 div 2",
    "7 mod 3",
    "-7 mod 3",
    "7 mod -3",
    "5.5 mod 2",
    "1 div 0",
    "1 mod 0",
    "0.1 + 0.2",
    "1 div 3",
    "2 * 0.5",
    "10 - 20",
    "3 * -1",
    "1 div 100000",
    "1 div 7 * 7",
    "100000 * 100000",
    # references and the current answer
    "${a}",
    "a",
    "${t}",
    "${m}",
    "${g}",
    "${missing}",
    ".",
    "${a} + ${b}",
    "${a} * 2",
    "${a} div ${b}",
    "${a} mod ${b}",
    "-${a}",
    "${t} + 1",
    "${flag} + 1",
    ". + 1",
    ". * 2",
    "${g} + 1",
    # comparisons
    "${a} = 3",
    "${a} != 3",
    "${a} > 2",
    "${a} >= 3",
    "${a} < 2.5",
    "${a} <= 2.5",
    "${b} > 9",
    "${b} = '10'",
    "${b} > '9'",
    "'10' > '9'",
    "'abc' < 'abd'",
    "'b' > 'a'",
    "${t} = ''",
    "${t} != ''",
    "${missing} = ''",
    "${missing} != ''",
    "${missing} = 0",
    "${missing} < 1",
    "${missing} = ${missing}",
    "${flag} = true()",
    "${flag} = false()",
    "${flag} = 'true'",
    "${flag} = 1",
    "${flag} > 0",
    "true() > false()",
    "${flag} != true()",
    "${d} < '2026-12-01'",
    "${d} >= today()",
    "${d} = today()",
    "${m} = 'none'",
    "${m} = 'a b c'",
    "${s} = 'x y'",
    "${g} = '19.9 105.4'",
    "${s} = 1000",
    "${t} = 12",
    ". = 5",
    ". > 3",
    ". = 'abc'",
    ". = ''",
    ". != ''",
    ". <= ${a}",
    ". = true()",
    "1 = 1.0",
    "'1.0' = 1",
    "' 5 ' = 5",
    "'x' = 0",
    "'' = 0",
    "0 = false()",
    "'false' = false()",
    "1 < 2 < 3",
    "3 > 2 > 1",
    "1 = 1 = 1",
    "(1 = 1) = true()",
    # logic
    "${a} > 2 and ${flag}",
    "${a} > 2 or ${flag}",
    "not(${flag})",
    "not(${missing})",
    "not(.)",
    "not('')",
    "not(0)",
    "not('0')",
    "not(${m})",
    "${m} and ${t}",
    "${missing} or 0",
    "1 and 'x'",
    "'' or 0.0",
    "${a} = 3 and ${b} = 4 or ${flag}",
    "${a} = 3 and (${b} = 4 or ${flag})",
    # functions
    "selected(${m}, 'none')",
    "selected(${m}, 'x')",
    "selected(${s}, 'y')",
    "selected(${missing}, 'a')",
    "selected(., 'none')",
    "selected(${a}, 3)",
    "selected(${m}, ${s})",
    "count-selected(${m})",
    "count-selected(${s})",
    "count-selected(.)",
    "count-selected(${missing})",
    "count-selected(${t})",
    "not(selected(., 'none') and count-selected(.) > 1)",
    "string-length(${t})",
    "string-length(.)",
    "string-length(${a})",
    "string-length(${g})",
    "today()",
    "if(${flag}, 'yes', 'no')",
    "if(., 1, 2)",
    "if(${missing}, 1 div 0, ${a})",
    "coalesce(${missing}, 'x')",
    "coalesce(${t}, 'empty')",
    "coalesce(${m}, 'none selected')",
    "coalesce(${a}, 1)",
    "coalesce(., 0)",
    "contains(${t}, 'Văn')",
    "contains(${t}, '')",
    "contains(., 'b')",
    "starts-with(${t}, 'Ng')",
    "starts-with(${s}, 'x')",
    "number(${t})",
    "number(${s})",
    "number('abc')",
    "number(${flag})",
    "number(' 1_000 ')",
    "number('0x10')",
    "number('1e400')",
    "number('inf')",
    "number('-2.50')",
    "int(${a})",
    "int(-2.7)",
    "int('3.9')",
    "int(${missing})",
    "int(7 div 2)",
    "string(${a})",
    "string(${m})",
    "string(${g})",
    "string(1 div 3)",
    "string(0.5 * 3)",
    "string(${flag})",
    "string(1 div 100000)",
    "string(-0.0)",
    "regex(${t}, '[0-9]+')",
    "regex(., '[a-c]+')",
    "regex(${s}, 'level[12]')",
    "regex(${t}, '.*Đức')",
    "regex(${a}, '\\d+')",
    "regex(${missing}, '')",
    "regex(., '(ab|c)*')",
    # ODK's functions (forms/expr_functions.py)
    "substr(${t}, 2)",
    "substr(${t}, 0, 3)",
    "substr(${t}, -3)",
    "substring-before(${s}, ' ')",
    "substring-after(${s}, ' ')",
    "translate(${t}, 'ăâđ', 'aad')",
    "normalize-space('  a  b ')",
    "ends-with(${t}, 'Đức')",
    "join(', ', ${m})",
    "join('-', 'a', ${a}, ${missing})",
    "min(${a}, ${b}, 3)",
    "max(${a}, 2)",
    "pow(${a}, 2)",
    "pow(-8, 1 div 3)",
    "abs(${b})",
    "floor(${a})",
    "ceiling(-2.5)",
    "round(2.5)",
    "round(-2.5)",
    "round(1234.5678, 2)",
    "round(1234.5678, -2)",
    "sqrt(${a})",
    "exp(1)",
    "exp10(3)",
    "log(${a})",
    "log10(1000)",
    "sin(pi() div 2)",
    "atan2(1, 1)",
    "boolean(${t})",
    "boolean-from-string(${t})",
    "boolean-from-string('1')",
    "selected-at(${s}, 1)",
    "selected-at(${m}, 0)",
    "count-non-empty(${m})",
    "checklist(1, 2, ${flag}, ${a}, ${t})",
    "weighted-checklist(2, -1, ${flag}, 2, ${a}, 1)",
    "date(${d})",
    "date(0)",
    "date(20000.5)",
    "date-time(${d})",
    "decimal-date-time('2026-11-30T12:00:00Z')",
    "decimal-time('06:00:00.000+07:00')",
    "format-date(${d}, '%Y/%m/%d %e %n %b %a')",
    "format-date-time('2026-11-30T10:05:09.123+07:00', '%H:%M:%S.%3 %h')",
    "${d} + 1",
    "today() - ${d}",
    "date(today() + 30)",
    "${d} < today()",
    "number(${d})",
    "number('')",
    "1 div 0",
    "-1 div 0",
    "0 div 0",
    "string(0 div 0)",
    "${missing} != 0",
    "${missing} = ${missing}",
    "digest('abc', 'SHA-256', 'hex')",
    "digest(${t}, 'MD5')",
    "digest(${t}, 'sha-512', 'base64')",
    "base64-decode('eGluIGNow6Bv')",
    "area('19.9 105.4 0 0; 19.9 105.5 0 0; 20 105.5 0 0; 19.9 105.4 0 0')",
    "distance('19.9 105.4; 20 105.5')",
    "distance(${g}, '20 105.5')",
    "geofence(${g}, '19 105; 19 106; 21 106; 21 105; 19 105')",
    "geofence('20 105.5', '19 105; 19 106; 21 106')",
    "geofence(${t}, ${s})",
    "pulldata('households', 'head', 'id', ${a})",
    "jr:choice-name('x', '${s}')",
    "version()",
    "position(..)",
    "indexed-repeat(${m}, ${m}, 1)",
    "string()",
    "string-length()",
    # XLSForm shapes from real forms
    "${a} > 0 and ${a} <= 30",
    ". <= ${a}",
    "${public} = 'with_help' or ${public} = 'self'",
    "${vneid} = 'level2'",
    "string-length(.) <= 10",
    "regex(., '0[0-9]{9}')",
]

BAD_EXPRESSIONS = [
    "",
    "   ",
    "1 +",
    "(1",
    "1)",
    "${a",
    "${1a}",
    "$a",
    "'open",
    "..",
    "a/b",
    "1 / 2",
    "foo(1)",
    "not(1, 2)",
    "selected(.)",
    "today(1)",
    "if(1, 2)",
    "regex(., ${a})",
    "regex(., '(a+)+')",
    "regex(., '[')",
    "regex(., '" + "a" * 201 + "')",
    "and",
    "1 2",
    "true() true()",
    "or 1",
    "not",
    "div",
    "1 div",
    "#",
    "a == b",
    "1 <> 2",
    "'a' ! 'b'",
    "count-selected (.)",
    "position(.., 1)",
    "randomize(${m})",
    "instance('x')",
    "substr('a')",
    "translate('a', 'b')",
    "jr:choice-name('a')",
    "(" * 41 + "1" + ")" * 41,
    "-" * 41 + "1",
    "not(" * 41 + "1" + ")" * 41,
    "1" + " + 1" * 700,
]


def _evaluate_case(expression: str, answers: dict[str, Any], current: Any) -> dict[str, Any]:
    case: dict[str, Any] = {"expr": expression, "answers": answers, "current": current}
    try:
        node = parse(expression)
    except ExpressionError:
        case["error"] = True
        return case
    result = evaluate(node, answers, current, today=TODAY)
    # The closures the server's hot path uses must agree with the tree walker the vectors come from.
    compiled = compile_node(node)(EvalContext(answers, current, TODAY))
    if encode_result(compiled) != encode_result(result) or type(compiled) is not type(result):
        raise AssertionError(f"compiled and walked results differ for {expression!r}: {compiled!r} / {result!r}")
    case["result"] = encode_result(result)
    return case


def encode_result(value: Any) -> Any:
    """A result as JSON can carry it: NaN and ±Infinity (which JSON has not) as {"number": "NaN"}."""
    if isinstance(value, float) and not math.isfinite(value):
        return {"number": number_text(value)}
    if isinstance(value, tuple):
        return [encode_result(item) for item in value]
    return value


ONE_ARGUMENT_FUNCTIONS = [
    "count-selected", "string-length", "number", "int", "string", "floor", "ceiling", "abs", "round", "sqrt",
    "boolean", "boolean-from-string", "normalize-space", "date", "decimal-date-time", "count-non-empty", "exp10",
    "log10", "sin", "base64-decode", "sum", "count",
]  # fmt: skip
TWO_ARGUMENT_FUNCTIONS = [
    "selected", "contains", "starts-with", "ends-with", "coalesce", "substr", "substring-before", "substring-after",
    "join", "min", "max", "pow", "round", "selected-at", "format-date", "atan2", "concat",
]  # fmt: skip


def _random_expression(rng: random.Random, depth: int = 0) -> str:
    leaves = [
        "${a}",
        "${b}",
        "${t}",
        "${s}",
        "${m}",
        "${flag}",
        "${missing}",
        ".",
        "0",
        "1",
        "2.5",
        "-1",
        "'x'",
        "''",
        "'10'",
        "'none'",
        "true()",
        "false()",
        "today()",
    ]
    if depth > 3 or rng.random() < 0.3:
        return rng.choice(leaves)
    shape = rng.randrange(8)
    left, right = _random_expression(rng, depth + 1), _random_expression(rng, depth + 1)
    if shape == 0:
        return f"{left} {rng.choice(['=', '!=', '<', '<=', '>', '>='])} {right}"
    if shape == 1:
        return f"({left} {rng.choice(['+', '-', '*', 'div', 'mod'])} {right})"
    if shape == 2:
        return f"({left} {rng.choice(['and', 'or'])} {right})"
    if shape == 3:
        return f"not({left})"
    if shape == 4:
        return f"{rng.choice(TWO_ARGUMENT_FUNCTIONS)}({left}, {right})"
    if shape == 5:
        return f"{rng.choice(ONE_ARGUMENT_FUNCTIONS)}({left})"
    if shape == 6:
        return f"if({left}, {right}, {_random_expression(rng, depth + 1)})"
    return f"-{left}"


def expression_cases() -> list[dict[str, Any]]:
    cases = []
    for expression in EXPRESSIONS:
        for index, answers in enumerate(ANSWER_SETS):
            cases.append(_evaluate_case(expression, answers, CURRENTS[index % len(CURRENTS)]))
    cases.extend(_evaluate_case(expression, {}, None) for expression in BAD_EXPRESSIONS)
    rng = random.Random(SEED)
    for _ in range(600):
        answers = rng.choice(ANSWER_SETS)
        cases.append(_evaluate_case(_random_expression(rng), answers, rng.choice(CURRENTS)))
    return cases


def _random_answers(rng: random.Random) -> dict[str, Any]:
    """Answers as the app produces them for the bundled form: right types, some blank, some out of bounds."""

    def maybe(value: Any) -> Any:
        return None if rng.random() < 0.15 else value

    members = rng.choice([1, 2, 4, 7, 0, 31])
    answers = {
        "members": maybe(members),
        "elderly_only": maybe(rng.random() < 0.3),
        "temporary_resident": maybe(rng.random() < 0.2),
        "school_children": maybe(rng.choice([0, 1, 3, 8, 21])),
        "has_smartphone": maybe(rng.random() < 0.7),
        "has_mobile_data": maybe(rng.random() < 0.5),
        "has_email": maybe(rng.random() < 0.4),
        "vneid_level": maybe(rng.choice(["none", "level1", "level2"])),
        "public_services": maybe(rng.choice(["never", "with_help", "self"])),
        "cashless": maybe(rng.random() < 0.5),
        "health_book": maybe(rng.random() < 0.5),
        "ecommerce": maybe(rng.choice(["no", "buy", "sell", "maybe"])),
        "school_app": maybe(rng.random() < 0.5),
        "data_worries": maybe(rng.sample(["none", "scam_calls", "personal_data", "lose_money"], rng.randrange(0, 3))),
        "guided": maybe(rng.sample(["nothing", "vneid", "email", "cashless"], rng.randrange(0, 3))),
        "follow_up": maybe(rng.random() < 0.4),
        "follow_up_reason": maybe(rng.choice(["", "Cần quay lại", "x"])),
        "location": maybe({"lat": 19.9, "lon": 105.4, "accuracy_m": 12.0}),
    }
    return {key: value for key, value in answers.items() if value is not None}


def bundled_form_path() -> Path:
    return next(p for p in bundled_form_paths() if p.name.startswith(BUNDLED_FORM.replace("-", "_")))


def bundled_form() -> FormDefinition:
    return load_definition(bundled_form_path().read_bytes())


def form_cases() -> list[dict[str, Any]]:
    form = bundled_form()
    rng = random.Random(SEED + 1)
    cases = []
    for _ in range(120):
        answers = _random_answers(rng)
        state = run_visit(form, answers)
        cases.append(
            {
                "form": BUNDLED_FORM,
                "answers": answers,
                "visible": state.visible,
                "errors": sorted([error.question, error.code] for error in state.errors),
            }
        )
    return cases


def generate() -> dict[str, Any]:
    return {
        "about": "Generated by `python3 -m tests.support.vectors` from forms/expr*.py and forms/answers.py; do not edit.",
        "today": TODAY.isoformat(),
        "expressions": expression_cases(),
        "forms": form_cases(),
        "choice_filters": vectors_choices.cases(TODAY),
    }


def dumps(vectors: dict[str, Any]) -> str:
    return json.dumps(vectors, ensure_ascii=False, separators=(",", ":"), sort_keys=True) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only compare with the committed file")
    args = parser.parse_args(argv)
    fresh = dumps(generate())
    if args.check:
        stale = not VECTORS_PATH.exists() or VECTORS_PATH.read_text(encoding="utf-8") != fresh
        print("stale" if stale else "up to date")
        return 1 if stale else 0
    VECTORS_PATH.parent.mkdir(parents=True, exist_ok=True)
    VECTORS_PATH.write_text(fresh, encoding="utf-8")
    print(f"wrote {VECTORS_PATH}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
