"""Syntax tree of the expression language; each node evaluates itself by walking its children.

Nodes are immutable, so one parsed tree is shared by every visit that uses the form.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from forms.expr_catalog import AGGREGATES, ARITY, PHONE_FUNCTIONS, REFUSED
from forms.expr_functions import FUNCTIONS
from forms.expr_values import arithmetic, compare, to_string, truthy

__all__ = ["AGGREGATES", "ARITY", "FUNCTIONS", "PHONE_FUNCTIONS", "REFUSED"]

# A form's CSV media (pulldata): the rows of a table by its file name ('households.csv' or 'households').
Rows = Sequence[Mapping[str, str]]
TableLookup = Mapping[str, Rows] | Callable[[str], Rows | None]
# jr:choice-name: (question name, choice value) → the choice's label.
ChoiceNames = Callable[[str, str], str]

# Longer inputs than any text answer allows are not matched: bounds regex running time.
MAX_REGEX_INPUT = 2000


class EvalContext:
    """What an expression can see: answers by question name, '.' (the current answer) and, in a
    choice_filter, the choice being tested (its columns, and ``name`` for its value).

    Hooks for what lives beside the answers (each optional; without it the function gives ''):
    ``tables`` — the form version's CSV media for pulldata(): a mapping or a callable from a file name
    ('people.csv'; 'people' finds it too) to its rows, each a dict column → text;
    ``choice_names`` — (question, value) → label for jr:choice-name(); ``form_version`` for version();
    ``position`` — the 1-based instance of the repeat being checked, for position(..).
    """

    __slots__ = ("_today", "answers", "choice", "choice_names", "current", "form_version", "position", "tables")

    def __init__(
        self,
        answers: Mapping[str, Any],
        current: Any = None,
        today: dt.date | None = None,
        choice: Mapping[str, str] | None = None,
        *,
        tables: TableLookup | None = None,
        choice_names: ChoiceNames | None = None,
        form_version: str = "",
        position: int = 0,
    ) -> None:
        self.answers = answers
        self.current = current
        self._today = today.isoformat() if today is not None else None
        self.choice = choice
        self.tables = tables
        self.choice_names = choice_names
        self.form_version = form_version
        self.position = position

    @property
    def today(self) -> str:
        if self._today is None:
            self._today = dt.date.today().isoformat()
        return self._today

    def table(self, name: str) -> Rows:
        """The rows of the CSV media file ``name`` (with or without '.csv'); none when the form has no such file."""
        tables = self.tables
        if tables is None:
            return ()
        for candidate in (name, name + ".csv", name.removesuffix(".csv")):
            rows = tables.get(candidate) if isinstance(tables, Mapping) else tables(candidate)
            if rows is not None:
                return rows
        return ()

    def choice_name(self, question: str, value: str) -> str:
        if self.choice_names is None:
            return ""
        name = question.strip()
        if name.startswith("${") and name.endswith("}"):
            name = name[2:-1]
        return self.choice_names(name.rsplit("/", 1)[-1], value)


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
    """A function call: arguments are evaluated left to right, then the function applied; ``if`` stays lazy."""

    name: str
    args: tuple[Node, ...]

    def evaluate(self, ctx: EvalContext) -> Any:
        if self.name == "if":
            args = self.args
            return args[1].evaluate(ctx) if truthy(args[0].evaluate(ctx)) else args[2].evaluate(ctx)
        return FUNCTIONS[self.name](ctx, *[arg.evaluate(ctx) for arg in self.args])

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


def walk(node: Node) -> Iterator[Node]:
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(reversed(current.children()))
