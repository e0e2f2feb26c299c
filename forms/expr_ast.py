"""Syntax tree of the expression language; each node evaluates itself by walking its children.

Nodes are immutable, so one parsed tree is shared by every visit that uses the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from forms.expr_values import (
    arithmetic,
    compare,
    concat_of,
    count_of,
    round_half_up,
    selected_values,
    sum_of,
    to_number,
    to_string,
    truthy,
)

# Longer inputs than any text answer allows are not matched: bounds regex running time.
MAX_REGEX_INPUT = 2000


class EvalContext:
    """What an expression can see: answers by question name, '.' (the current answer) and, in a
    choice_filter, the choice being tested (its columns, and ``name`` for its value)."""

    __slots__ = ("_today", "answers", "choice", "current")

    def __init__(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: dt.date | None = None,
        choice: Mapping[str, str] | None = None,
    ) -> None:
        self.answers = answers
        self.current = current
        self._today = today.isoformat() if today is not None else None
        self.choice = choice

    @property
    def today(self) -> str:
        if self._today is None:
            self._today = dt.date.today().isoformat()
        return self._today


class Node:
    __slots__ = ()

    def evaluate(self, ctx: EvalContext) -> Any:  # pragma: no cover - abstract
        raise NotImplementedError

    def children(self) -> tuple[Node, ...]:
        return ()


@dataclass(frozen=True, slots=True)
class Literal(Node):
    value: str | int | float | bool

    def evaluate(self, ctx: EvalContext) -> Any:
        return self.value


@dataclass(frozen=True, slots=True)
class Ref(Node):
    """``${name}`` or a bare ``name``: the answer to that question (None if unanswered)."""

    name: str

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.answers.get(self.name)


@dataclass(frozen=True, slots=True)
class ChoiceColumn(Node):
    """A bare name inside a choice_filter: that column of the choice being tested (None if it has none)."""

    name: str

    def evaluate(self, ctx: EvalContext) -> Any:
        choice = ctx.choice
        return None if choice is None else choice.get(self.name)


@dataclass(frozen=True, slots=True)
class Current(Node):
    """``.``: the answer being checked by a constraint."""

    def evaluate(self, ctx: EvalContext) -> Any:
        return ctx.current


@dataclass(frozen=True, slots=True)
class Negate(Node):
    operand: Node

    def evaluate(self, ctx: EvalContext) -> Any:
        return arithmetic("-", 0, self.operand.evaluate(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.operand,)


@dataclass(frozen=True, slots=True)
class Arithmetic(Node):
    op: str  # + - * div mod
    left: Node
    right: Node

    def evaluate(self, ctx: EvalContext) -> Any:
        return arithmetic(self.op, self.left.evaluate(ctx), self.right.evaluate(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Comparison(Node):
    op: str  # = != < <= > >=
    left: Node
    right: Node

    def evaluate(self, ctx: EvalContext) -> Any:
        return compare(self.op, self.left.evaluate(ctx), self.right.evaluate(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class And(Node):
    left: Node
    right: Node

    def evaluate(self, ctx: EvalContext) -> Any:
        return truthy(self.left.evaluate(ctx)) and truthy(self.right.evaluate(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Or(Node):
    left: Node
    right: Node

    def evaluate(self, ctx: EvalContext) -> Any:
        return truthy(self.left.evaluate(ctx)) or truthy(self.right.evaluate(ctx))

    def children(self) -> tuple[Node, ...]:
        return (self.left, self.right)


@dataclass(frozen=True, slots=True)
class Call(Node):
    """A function call; arguments are evaluated by the function so ``if`` stays lazy."""

    name: str
    args: tuple[Node, ...]

    def evaluate(self, ctx: EvalContext) -> Any:
        return FUNCTIONS[self.name](ctx, self.args)

    def children(self) -> tuple[Node, ...]:
        return self.args


@dataclass(frozen=True, slots=True)
class RegexMatch(Node):
    """``regex(subject, 'pattern')``; the pattern is a literal compiled once at parse time."""

    subject: Node
    pattern: re.Pattern[str]

    def evaluate(self, ctx: EvalContext) -> Any:
        text = to_string(self.subject.evaluate(ctx))
        if len(text) > MAX_REGEX_INPUT:
            return False
        return self.pattern.fullmatch(text) is not None

    def children(self) -> tuple[Node, ...]:
        return (self.subject,)


def _selected(ctx: EvalContext, args: tuple[Node, ...]) -> bool:
    return to_string(args[1].evaluate(ctx)) in selected_values(args[0].evaluate(ctx))


def _count_selected(ctx: EvalContext, args: tuple[Node, ...]) -> int:
    return len(selected_values(args[0].evaluate(ctx)))


def _string_length(ctx: EvalContext, args: tuple[Node, ...]) -> int:
    return len(to_string(args[0].evaluate(ctx)))


def _if(ctx: EvalContext, args: tuple[Node, ...]) -> Any:
    return args[1].evaluate(ctx) if truthy(args[0].evaluate(ctx)) else args[2].evaluate(ctx)


def _coalesce(ctx: EvalContext, args: tuple[Node, ...]) -> Any:
    first = args[0].evaluate(ctx)
    if first is None or first == "" or first == []:
        return args[1].evaluate(ctx)
    return first


def _int(ctx: EvalContext, args: tuple[Node, ...]) -> int | None:
    number = to_number(args[0].evaluate(ctx))
    return None if number is None else int(number)


def _round(ctx: EvalContext, args: tuple[Node, ...]) -> int | float | None:
    value = args[0].evaluate(ctx)
    return round_half_up(value, args[1].evaluate(ctx) if len(args) > 1 else 0)


FUNCTIONS: dict[str, Any] = {
    "not": lambda ctx, args: not truthy(args[0].evaluate(ctx)),
    "true": lambda ctx, args: True,
    "false": lambda ctx, args: False,
    "selected": _selected,
    "count-selected": _count_selected,
    "string-length": _string_length,
    "today": lambda ctx, args: ctx.today,
    "if": _if,
    "coalesce": _coalesce,
    "contains": lambda ctx, args: to_string(args[1].evaluate(ctx)) in to_string(args[0].evaluate(ctx)),
    "starts-with": lambda ctx, args: to_string(args[0].evaluate(ctx)).startswith(to_string(args[1].evaluate(ctx))),
    "number": lambda ctx, args: to_number(args[0].evaluate(ctx)),
    "int": _int,
    "string": lambda ctx, args: to_string(args[0].evaluate(ctx)),
    "count": lambda ctx, args: count_of(args[0].evaluate(ctx)),
    "sum": lambda ctx, args: sum_of(args[0].evaluate(ctx)),
    "concat": lambda ctx, args: concat_of([arg.evaluate(ctx) for arg in args]),
    "round": _round,
}
# Functions that read a whole repeat: the only place a question inside a repeat may be named from outside it.
AGGREGATES = frozenset({"count", "sum"})

# (fewest, most) arguments of each function, regex included (it has its own node).
ARITY: dict[str, tuple[int, int]] = {
    "not": (1, 1),
    "true": (0, 0),
    "false": (0, 0),
    "selected": (2, 2),
    "count-selected": (1, 1),
    "string-length": (1, 1),
    "today": (0, 0),
    "if": (3, 3),
    "coalesce": (2, 2),
    "contains": (2, 2),
    "starts-with": (2, 2),
    "number": (1, 1),
    "int": (1, 1),
    "string": (1, 1),
    "regex": (2, 2),
    "count": (1, 1),
    "sum": (1, 1),
    "concat": (1, 50),
    "round": (1, 2),
}


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))
