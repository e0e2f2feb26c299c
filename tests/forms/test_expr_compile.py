"""Compiled closures (forms.expr_compile) give exactly what walking the tree gives.

Every expression below is run against every answer value, both through ``node.evaluate``
and through the closures, and the outcomes are compared: the value with its type (1 is
not True, 1 is not 1.0), or the exception's type and message.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import sys

import pytest

import forms
from forms.bundled import bundled_form_paths
from forms.expr import parse, parse_choice_filter
from forms.expr_ast import (
    Arithmetic,
    Call,
    Comparison,
    EvalContext,
    Literal,
    Node,
    Ref,
    RegexMatch,
)
from forms.expr_compile import MAX_COMPILED_DEPTH, compile_node, compile_test
from forms.expr_values import truthy


class Odd:
    """An answer no JSON body can hold: == gives text, < refuses; compare() must cope the same way."""

    def __eq__(self, other: object) -> str:  # type: ignore[override]
        return "odd"

    def __ne__(self, other: object) -> str:  # type: ignore[override]
        return ""

    def __lt__(self, other: object) -> bool:
        raise TypeError("no order")

    __hash__ = object.__hash__

    def __repr__(self) -> str:
        return "Odd()"


ODD = Odd()
HUGE = 10**5000  # str() of it raises ValueError (int max str digits); the language writes it "Infinity"

VALUES = [
    None,
    True,
    False,
    0,
    1,
    3,
    -2,
    2.5,
    3.0,
    math.nan,
    math.inf,
    10**30,
    HUGE,
    "",
    " ",
    "abc",
    "a",
    "m",
    "10",
    "9",
    "3",
    " 3 ",
    "2.5",
    "nan",
    "level2",
    "none",
    "a none",
    "true",
    "false",
    "2024-05-01",
    "x" * 2500,
    [],
    ["a"],
    ["a", "b"],
    ["none"],
    ["none", "a"],
    [1, "a"],
    [True],
    ["a", HUGE],
    {"lat": 1.0, "lon": 2.0},
    {},
    (1, 2),
    ("a", None, 2.5, True),
    (),
    (HUGE,),
    (math.inf, 1),
    ODD,
    -2.5,
    2.675,
    1234.5,
    "-0.5",
    1e300,
]
OTHERS = [None, 3, "a", ["a"], True, 2.5, ODD]

EXPRESSIONS = [
    # plain values
    "${v}",
    ".",
    "${missing}",
    "1",
    "0",
    "2.5",
    "''",
    "'x'",
    "true",
    "false",
    "true()",
    "false()",
    # question / . against a literal: every fast path and its fallbacks
    "${v} = true()",
    "${v} != true()",
    "${v} = false()",
    "${v} != false()",
    "${v} = true",
    "${v} < true()",
    "${v} = 'a'",
    "${v} != 'a'",
    "${v} = ''",
    "${v} != ''",
    "${v} < 'm'",
    "${v} >= 'm'",
    "${v} = 'true'",
    "${v} = '10'",
    "${v} > '9'",
    "${v} = '3'",
    "${v} = 3",
    "${v} != 3",
    "${v} > 0",
    "${v} >= 3",
    "${v} < 2.5",
    "${v} <= 2.5",
    "${v} = 0",
    ". = 'a'",
    ". != ''",
    ". > 1",
    ". <= 2.5",
    ". = true()",
    ". != false()",
    ". >= 'm'",
    # anything else compared
    ". <= ${w}",
    "${v} = ${w}",
    "${v} != ${w}",
    "${v} < ${w}",
    "'a' = ${v}",
    "3 > ${v}",
    "${v} = ${v}",
    "${v} + 1 > ${w}",
    "${v} = .",
    "1 < 2",
    "'10' > '9'",
    # and / or, flattened or not
    "${v} and ${w}",
    "${v} or ${w}",
    "${v} and . and ${w}",
    "${v} or . or ${w}",
    "${v} and (${w} or .)",
    "(${v} or ${w}) and (. or false())",
    "${v} = 'a' or ${v} = 'abc' or ${v} = 3",
    "${v} > 0 and ${w} = 'a' and . != ''",
    "not(${v}) and not(${w})",
    # functions
    "not(${v})",
    "not(selected(., 'none') and count-selected(.) > 1)",
    "selected(${v}, 'a')",
    "selected(${v}, 'none')",
    "selected(., 'a')",
    "selected(${v}, ${w})",
    "selected(${v}, 1)",
    "selected(${v}, 'a') = ${w}",
    "count-selected(${v})",
    "string-length(${v})",
    "if(${v}, ${w}, 'no')",
    "if(${v} > 2, 1, 2.5)",
    "coalesce(${v}, ${w})",
    "contains(${v}, 'a')",
    "contains(${w}, ${v})",
    "starts-with(${v}, ${w})",
    "starts-with(${v}, 'a')",
    "number(${v})",
    "int(${v})",
    "string(${v})",
    "today()",
    ". <= today()",
    "regex(${v}, '[a-z]+')",
    "regex(., '[0-9]{1,2}')",
    "regex(${v}, '.*') and ${w}",
    # arithmetic
    "${v} + ${w}",
    "${v} - 1",
    "${v} * 2.5",
    "${v} div ${w}",
    "${v} mod 2",
    "-${v}",
    "- - ${v}",
    "${v} * ${v} * ${v}",
    "string(${v} * ${v})",
    "7 mod 3",
    "1 div 0",
    # repeats and calculations (added with issue 12)
    "count(${v})",
    "count(${v}) > 1",
    "sum(${v})",
    "sum(${v}) >= ${w}",
    "sum(${v}) div count(${v})",
    "concat(${v})",
    "concat(${v}, '-', ${w})",
    "concat(${v}, ${v}) = 'aa'",
    "round(${v})",
    "round(${v}, 1)",
    "round(${v}, ${w})",
    "round(${v}, -2)",
    "round(${w} * 2.5)",
    "if(round(${v}) > 2, 'many', concat('n', ${w}))",
]


class Result:
    """A value compared by type and value, the same object, or NaN with NaN."""

    def __init__(self, value: object) -> None:
        self.value = value

    def __eq__(self, other: object) -> bool:
        a, b = self.value, other.value  # type: ignore[attr-defined]
        if type(a) is not type(b):
            return False
        if a is b or (isinstance(a, float) and math.isnan(a) and math.isnan(b)):  # type: ignore[arg-type]
            return True
        return type(a) in (bool, int, float, str, list, dict) and a == b

    def __repr__(self) -> str:
        return f"Result({type(self.value).__name__})"


def outcome(function, ctx: EvalContext) -> tuple:
    try:
        value = function(ctx)
    except Exception as error:
        return ("raised", type(error), str(error))
    return ("value", Result(value))


def contexts():
    for value in VALUES:
        for other in OTHERS:
            yield EvalContext({"v": value, "w": other}, current=value, today=dt.date(2024, 10, 1))
            yield EvalContext({"v": other, "w": value}, current=other)


def assert_same(node: Node) -> None:
    value, test = compile_node(node), compile_test(node)
    for ctx in contexts():
        expected = outcome(node.evaluate, ctx)
        assert outcome(value, ctx) == expected, (node, ctx.answers, ctx.current)
        expected_test = outcome(lambda c: truthy(node.evaluate(c)), ctx)
        assert outcome(test, ctx) == expected_test, (node, ctx.answers, ctx.current)


@pytest.mark.parametrize("source", EXPRESSIONS)
def test_compiled_matches_tree_walking(source: str) -> None:
    assert_same(parse(source))


CHOICE_FILTERS = [
    "prov = ${v}",
    "name != ${w}",
    "prov = 'a' or selected(${v}, name)",
    "missing = ${v}",
    "count(${v}) > 0 and starts-with(name, prov)",
]
CHOICES_SEEN = [None, {}, {"prov": "a", "name": "x"}, {"prov": "3", "name": "a"}]


@pytest.mark.parametrize("source", CHOICE_FILTERS)
def test_choice_filters_compile_to_what_the_walker_gives(source: str) -> None:
    node = parse_choice_filter(source)
    value, test = compile_node(node), compile_test(node)
    for base in contexts():
        for choice in CHOICES_SEEN:
            ctx = EvalContext(base.answers, base.current, choice=choice)
            assert outcome(value, ctx) == outcome(node.evaluate, ctx), (source, ctx.answers, choice)
            assert outcome(test, ctx) == outcome(lambda c: truthy(node.evaluate(c)), ctx), (source, choice)


def test_the_table_reaches_errors_and_none() -> None:
    """The cases above are not all easy: a huge int (str() of it would raise), NaN, an answer with odd ==."""
    ctx = EvalContext({"v": HUGE, "w": None})
    assert compile_node(parse("string(${v})"))(ctx) == "Infinity"
    assert compile_node(parse("selected(${v}, ${w})"))(EvalContext({"v": ["a", HUGE]})) is False
    assert math.isnan(compile_node(parse("${w} + 1"))(ctx))
    assert compile_node(parse("${v} = ${w}"))(EvalContext({"v": ODD, "w": ODD})) == "odd"
    assert compile_test(parse("${v} = ${w}"))(EvalContext({"v": ODD, "w": ODD})) is True


@pytest.mark.parametrize(
    "node",
    [
        Literal(math.nan),  # not something the parser makes
        Comparison("=", Ref("v"), Literal(math.nan)),
        Comparison("<", Ref("v"), Literal(HUGE)),
        Call("selected", (Ref("v"), Literal(HUGE))),
        Call("contains", (Ref("v"),)),  # wrong arity: IndexError when evaluated, as before
        Call("nope", (Ref("v"),)),  # unknown function: KeyError when evaluated
        Call("true", (Ref("v"),)),
        RegexMatch(Ref("v"), re.compile("a+")),
    ],
)
def test_hand_built_trees_behave_the_same(node: Node) -> None:
    assert_same(node)


def test_deep_trees_are_left_to_the_walker() -> None:
    node = parse(" + ".join(["${v}"] * (MAX_COMPILED_DEPTH + 5)))
    assert compile_node(node) == node.evaluate
    assert_same(node)
    shallow = parse(" + ".join(["${v}"] * (MAX_COMPILED_DEPTH - 5)))
    assert compile_node(shallow) != shallow.evaluate
    assert_same(shallow)


def test_very_deep_trees_still_fail_the_same_way() -> None:
    node = Literal(1)
    for _ in range(sys.getrecursionlimit() + 10):
        node = Arithmetic("+", node, Literal(1))
    ctx = EvalContext({})
    assert outcome(compile_node(node), ctx)[:2] == outcome(node.evaluate, ctx)[:2] == ("raised", RecursionError)


def test_today_is_read_from_the_context() -> None:
    node = parse("today()")
    assert compile_node(node)(EvalContext({}, today=dt.date(2024, 2, 29))) == "2024-02-29"
    assert compile_node(node)(EvalContext({})) == dt.date.today().isoformat()


BUNDLED = forms.compile_form(forms.load_definition(bundled_form_paths()[0].read_bytes()))


@pytest.mark.parametrize(
    "answers",
    [
        {},
        {"members": 4, "has_smartphone": True, "school_children": 1, "follow_up": True, "data_worries": ["none"]},
        {"has_smartphone": False, "school_children": "2", "vneid_level": "level2", "public_services": "self"},
        {"has_mobile_data": 1, "cashless": [], "ecommerce": "sell", "health_book": None},
    ],
)
def test_compiled_form_keeps_a_test_beside_every_expression(answers) -> None:
    ctx = EvalContext(answers)
    for step in BUNDLED.steps:
        for node, test in (
            (step.relevant, step.relevant_test),
            (getattr(step, "constraint", None), getattr(step, "constraint_test", None)),
        ):
            assert (node is None) == (test is None)
            if node is not None:
                for current in (None, 3, ["none", "a"], ["none"]):
                    ctx.current = current
                    assert test(ctx) is truthy(node.evaluate(ctx))
                ctx.current = None
    assert [name for name, _ in BUNDLED.indicator_tests] == [name for name, _ in BUNDLED.indicators]
    for (_, node), (_, test) in zip(BUNDLED.indicators, BUNDLED.indicator_tests, strict=True):
        assert test(ctx) is truthy(node.evaluate(ctx))
    indicators = EvalContext({name: bool(index % 2) for index, (name, _) in enumerate(BUNDLED.indicators)})
    for level in BUNDLED.levels:
        assert level.test(indicators) is truthy(level.condition.evaluate(indicators))
