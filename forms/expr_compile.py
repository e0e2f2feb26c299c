"""Turn a parsed expression tree into nested Python closures, once per form.

``compile_node(node)(ctx)`` returns exactly what ``node.evaluate(ctx)`` returns, and
``compile_test(node)(ctx)`` exactly ``truthy(node.evaluate(ctx))``: same values, same None
handling, same errors, same evaluation order. Each closure is built from the node's own
operands and the value helpers of ``forms.expr_values``; no source text is generated and
nothing is handed to ``eval`` or ``exec``.

What the closures save is dispatch: a ``${q} = 'x'`` no longer costs a method call per
node plus the full ``compare`` type ladder. Common shapes get a fast path for the common
value types and fall back to the generic helper for everything else:

- a question or ``.`` compared with a literal (or ``true()``/``false()``),
- ``and`` / ``or`` chains (flattened; every operand is already a bool test),
- ``selected(question, 'literal')``.

Trees deeper than ``MAX_COMPILED_DEPTH`` (only long operator chains such as ``1+1+…+1`` can
be: the parser bounds bracket nesting) are left to the tree walker, so that deep trees behave
exactly as before, RecursionError included.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import Any

from forms.expr_ast import (
    ARITY,
    FUNCTIONS,
    MAX_REGEX_INPUT,
    And,
    Arithmetic,
    Call,
    ChoiceColumn,
    Comparison,
    Current,
    EvalContext,
    Literal,
    Negate,
    Node,
    Or,
    Ref,
    RegexMatch,
)
from forms.expr_values import arithmetic, choice_list, compare, number_of, to_string, truthy

Evaluator = Callable[[EvalContext], Any]
Test = Callable[[EvalContext], bool]

MAX_COMPILED_DEPTH = 100

_OPERATORS: dict[str, Callable[[Any, Any], Any]] = {
    "=": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
# Functions whose result is always a bool, so truthy() of it is the result itself.
_BOOL_FUNCTIONS = frozenset({"not", "true", "false", "selected", "contains", "starts-with"})
_NO_CONSTANT = object()


def compile_node(node: Node) -> Evaluator:
    """A closure computing ``node.evaluate(ctx)``."""
    if _too_deep(node):
        return node.evaluate
    return _value(node)


def compile_test(node: Node) -> Test:
    """A closure computing ``truthy(node.evaluate(ctx))`` (relevance, constraints, rubric)."""
    if _too_deep(node):
        evaluate = node.evaluate
        return lambda ctx: truthy(evaluate(ctx))
    return _test(node)


def _too_deep(node: Node) -> bool:
    stack = [(node, 1)]
    while stack:
        current, depth = stack.pop()
        if depth > MAX_COMPILED_DEPTH:
            return True
        stack.extend((child, depth + 1) for child in current.children())
    return False


# --- values -------------------------------------------------------------------------


def _value(node: Node) -> Evaluator:
    if type(node) is Literal:
        value = node.value
        return lambda ctx: value
    if type(node) is Ref:
        return _ref(node.name)
    if type(node) is Current:
        return operator.attrgetter("current")
    if type(node) is Comparison:
        return _comparison(node, as_test=False)
    if type(node) is And or type(node) is Or or type(node) is RegexMatch:
        return _test(node)  # always a bool: the test is the value
    if type(node) is Call:
        return _call(node)
    if type(node) is Negate:
        operand = _value(node.operand)
        return lambda ctx: arithmetic("-", 0, operand(ctx))
    if type(node) is Arithmetic:
        return _arithmetic(node)
    if type(node) is ChoiceColumn:
        return _column(node.name)
    return node.evaluate  # a node type this module does not know: walk it


def _ref(name: str) -> Evaluator:
    def ref(ctx: EvalContext) -> Any:
        return ctx.answers.get(name)

    return ref


def _column(name: str) -> Evaluator:
    def column(ctx: EvalContext) -> Any:
        choice = ctx.choice
        return None if choice is None else choice.get(name)

    return column


def _arithmetic(node: Arithmetic) -> Evaluator:
    op = node.op
    left, right = _value(node.left), _value(node.right)

    def arithmetic_(ctx: EvalContext) -> Any:
        return arithmetic(op, left(ctx), right(ctx))

    return arithmetic_


# --- tests (truthy of a value, always a bool) ---------------------------------------


def _test(node: Node) -> Test:
    if type(node) is And or type(node) is Or:
        return _junction(node)
    if type(node) is Comparison:
        return _comparison(node, as_test=True)
    if type(node) is Literal:
        result = truthy(node.value)
        return lambda ctx: result
    if type(node) is Ref:
        name = node.name

        def ref_test(ctx: EvalContext) -> bool:
            value = ctx.answers.get(name)
            return value if value is True or value is False else truthy(value)

        return ref_test
    if type(node) is RegexMatch:
        return _regex(node)
    if type(node) is Call and node.name in _BOOL_FUNCTIONS:
        return _call(node)
    value = _value(node)
    return lambda ctx: truthy(value(ctx))


def _junction(node: Node) -> Test:
    """``a and b and c`` (or ``or``): one closure over the flattened operands."""
    kind = type(node)
    operands: list[Node] = []
    stack = [node]
    while stack:
        current = stack.pop()
        if type(current) is kind and isinstance(current, (And, Or)):  # isinstance: for the type checker
            stack.append(current.right)
            stack.append(current.left)
        else:
            operands.append(current)
    tests = tuple(_test(operand) for operand in operands)
    if kind is And:
        if len(tests) == 2:
            first, second = tests
            return lambda ctx: first(ctx) and second(ctx)

        def all_(ctx: EvalContext) -> bool:
            for test in tests:  # noqa: SIM110 -- a plain loop: all() over a generator costs more per call
                if not test(ctx):
                    return False
            return True

        return all_
    if len(tests) == 2:
        first, second = tests
        return lambda ctx: first(ctx) or second(ctx)

    def any_(ctx: EvalContext) -> bool:
        for test in tests:  # noqa: SIM110 -- a plain loop: any() over a generator costs more per call
            if test(ctx):
                return True
        return False

    return any_


def _regex(node: RegexMatch) -> Test:
    subject = _value(node.subject)
    fullmatch = node.pattern.fullmatch

    def regex(ctx: EvalContext) -> bool:
        text = to_string(subject(ctx))
        if len(text) > MAX_REGEX_INPUT:
            return False
        return fullmatch(text) is not None

    return regex


# --- comparisons ----------------------------------------------------------------------


def _compare_truth(op: str, left: Any, right: Any) -> bool:
    return truthy(compare(op, left, right))


def _constant(node: Node) -> Any:
    """The value of a literal or of true()/false(), else _NO_CONSTANT."""
    if type(node) is Literal:
        return node.value
    if type(node) is Call and node.name in ("true", "false"):
        return node.name == "true"
    return _NO_CONSTANT


def _comparison(node: Comparison, as_test: bool) -> Evaluator:
    op = node.op
    slow = _compare_truth if as_test else compare
    constant = _constant(node.right)
    subject = node.left
    if constant is not _NO_CONSTANT and (type(subject) is Ref or type(subject) is Current):
        fast = _against_constant(op, subject, constant, slow)
        if fast is not None:
            return fast
    left, right = _value(node.left), _value(node.right)
    apply = _OPERATORS[op]

    def comparison(ctx: EvalContext) -> Any:
        a = left(ctx)
        b = right(ctx)
        if a.__class__ is int and b.__class__ is int:
            return apply(a, b)
        return slow(op, a, b)

    return comparison


def _against_constant(
    op: str, subject: Ref | Current, constant: Any, slow: Callable[[str, Any, Any], Any]
) -> Evaluator | None:
    """``${q} <op> literal`` with a fast path for the one value type the literal makes easy.

    The fast path is the branch ``compare`` itself takes for that pair of types: it applies
    the operator to the two values as they are. Every other value (None included) goes
    through ``compare``.
    """
    if constant is True or constant is False:
        if op not in ("=", "!="):
            return None
        fast_type: type = bool  # bool vs bool
    elif constant.__class__ is str:
        if op not in ("=", "!=") or number_of(constant) == number_of(constant):
            return None  # order is numeric, and '5' or a date compares as a number: leave it to compare
        fast_type = str  # text equal (or not) to text that is no number and no date
    elif constant.__class__ in (int, float) and constant == constant:
        fast_type = int  # an int vs a number that is not NaN
    else:
        return None
    apply = _OPERATORS[op]
    unanswered = slow(op, None, constant)  # an unanswered question ('') against the constant: known now
    if isinstance(subject, Current):  # no subclasses; isinstance lets the type checker narrow the rest to Ref

        def current_vs_constant(ctx: EvalContext) -> Any:
            value = ctx.current
            if value.__class__ is fast_type:
                return apply(value, constant)
            if value is None:
                return unanswered
            return slow(op, value, constant)

        return current_vs_constant
    name = subject.name

    def ref_vs_constant(ctx: EvalContext) -> Any:
        value = ctx.answers.get(name)
        if value.__class__ is fast_type:
            return apply(value, constant)
        if value is None:
            return unanswered
        return slow(op, value, constant)

    return ref_vs_constant


# --- function calls --------------------------------------------------------------------


def _call(node: Call) -> Evaluator:
    name = node.name
    fewest, most = ARITY.get(name, (-1, -1))
    if (name not in FUNCTIONS and name != "if") or not fewest <= len(node.args) <= most:
        return node.evaluate  # only a hand-built tree gets here: let the walker fail as before
    if name == "true" or name == "false":
        result = name == "true"
        return lambda ctx: result
    if name == "today":
        return operator.attrgetter("today")
    if name == "selected":
        return _selected(node)
    if name == "not":
        test = _test(node.args[0])
        return lambda ctx: not test(ctx)
    if name == "if":
        condition, then, otherwise = _test(node.args[0]), _value(node.args[1]), _value(node.args[2])
        return lambda ctx: then(ctx) if condition(ctx) else otherwise(ctx)
    function = FUNCTIONS[name]
    args = tuple(_value(arg) for arg in node.args)
    if len(args) == 1:
        (arg,) = args
        return lambda ctx: function(ctx, arg(ctx))
    if len(args) == 2:
        first, second = args
        return lambda ctx: function(ctx, first(ctx), second(ctx))
    return lambda ctx: function(ctx, *[arg(ctx) for arg in args])


def _selected(node: Call) -> Evaluator:
    subject_node, choice_node = node.args
    subject = _value(subject_node)
    if type(choice_node) is Literal:
        try:
            choice = to_string(choice_node.value).strip()
        except ValueError:  # an int too long for str(): let evaluation raise as before
            choice = None
        if choice is not None:
            if type(subject_node) is Ref:
                name = subject_node.name

                def ref_selected(ctx: EvalContext) -> bool:
                    value = ctx.answers.get(name)
                    if value.__class__ is str:
                        return choice in value.split(" ")
                    return choice in choice_list(value)

                return ref_selected

            def selected_literal(ctx: EvalContext) -> bool:
                value = subject(ctx)
                if value.__class__ is str:
                    return choice in value.split(" ")
                return choice in choice_list(value)

            return selected_literal
    choice_ = _value(choice_node)
    return lambda ctx: to_string(choice_(ctx)).strip() in choice_list(subject(ctx))
