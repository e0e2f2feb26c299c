"""The expression language of relevant / constraint / rubric conditions.

A small, safe subset of XLSForm's XPath: it is tokenized and parsed here into a tree
(``forms.expr_ast``) that is evaluated by walking it — nothing is ever handed to
Python's ``eval``. Example: ``${members} > 2 and selected(${worries}, 'scams')``.
Forms on the hot path also turn each tree into closures once (``forms.expr_compile``).
"""

from __future__ import annotations

import datetime as dt
import functools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from forms.expr_ast import (
    ARITY,
    REFUSED,
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
    walk,
)

MAX_EXPRESSION_LENGTH = 2000
MAX_NESTING = 40
MAX_REGEX_PATTERN = 200
# Words that are operators or constants, so they cannot name a question.
RESERVED_WORDS = frozenset({"and", "or", "div", "mod", "not", "true", "false"})

_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
# ODK's function names may hold '-' and a 'jr:' prefix (count-selected, jr:choice-name); only before '('.
_HYPHENATED_FUNCTION = re.compile(r"[A-Za-z_][A-Za-z0-9_]*(?:[-:][A-Za-z_][A-Za-z0-9_]*)+(?=\s*\()")
_BRACED_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")
_NUMBER = re.compile(r"[0-9]+(?:\.[0-9]*)?|\.[0-9]+")
_SPACE = re.compile(r"\s+")
_OPERATORS = ("!=", "<=", ">=", "=", "<", ">", "+", "-", "*", "(", ")", ",")
# A quantified group that itself contains a quantifier, e.g. (a+)+ : the classic
# catastrophic-backtracking shape. Refused up front since Python's re has no timeout.
_NESTED_QUANTIFIER = re.compile(r"\([^()]*[+*}][^()]*\)\s*[+*{]")


class ExpressionError(ValueError):
    """The expression cannot be parsed; ``position`` is a 0-based character offset."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (at position {position})")
        self.message = message
        self.position = position


@dataclass(frozen=True, slots=True)
class Token:
    kind: str  # number, string, ref, name, dot, op, end
    text: str
    position: int
    value: Any = None


def tokenize(source: str) -> list[Token]:
    tokens: list[Token] = []
    pos = 0
    length = len(source)
    while pos < length:
        char = source[pos]
        if char.isspace():
            space = _SPACE.match(source, pos)
            assert space is not None  # source[pos] is whitespace, so \s+ matches here
            pos = space.end()
            continue
        if char == "$":
            match = _BRACED_REF.match(source, pos)
            if match is None:
                raise ExpressionError("a reference must look like ${question_name}", pos)
            tokens.append(Token("ref", match.group(0), pos, match.group(1)))
            pos = match.end()
            continue
        if char in "'\"":
            end = source.find(char, pos + 1)
            if end < 0:
                raise ExpressionError("text started with a quote is never closed", pos)
            tokens.append(Token("string", source[pos : end + 1], pos, source[pos + 1 : end]))
            pos = end + 1
            continue
        number = _NUMBER.match(source, pos)
        if number is not None:
            text = number.group(0)
            tokens.append(Token("number", text, pos, float(text) if "." in text else int(text)))
            pos = number.end()
            continue
        if char == ".":
            if source.startswith("..", pos):
                tokens.append(Token("dotdot", "..", pos))  # only position(..) accepts it
                pos += 2
                continue
            tokens.append(Token("dot", ".", pos))
            pos += 1
            continue
        hyphenated = _HYPHENATED_FUNCTION.match(source, pos)
        name = hyphenated or _NAME.match(source, pos)
        if name is not None:
            tokens.append(Token("name", name.group(0), pos))
            pos = name.end()
            continue
        for operator in _OPERATORS:
            if source.startswith(operator, pos):
                tokens.append(Token("op", operator, pos))
                pos += len(operator)
                break
        else:
            if char == "/":
                raise ExpressionError("'/' paths are not supported; use ${question_name}, and 'div' to divide", pos)
            raise ExpressionError(f"unexpected character {char!r}", pos)
    tokens.append(Token("end", "", length))
    return tokens


class _Parser:
    """Recursive descent, XPath precedence: or < and < = != < < <= > >= < + - < * div mod < unary -."""

    def __init__(self, source: str, *, bare_names_are_columns: bool = False) -> None:
        self.tokens = tokenize(source)
        self.index = 0
        self.depth = 0
        # In a choice_filter a bare name is a column of the choice (XLSForm), ${name} an answer.
        self.bare_names_are_columns = bare_names_are_columns

    @property
    def token(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        self.index += 1
        return token

    def at(self, kind: str, *texts: str) -> bool:
        token = self.token
        return token.kind == kind and (not texts or token.text in texts)

    def expect(self, text: str) -> Token:
        if not self.at("op", text):
            raise ExpressionError(f"expected {text!r} but found {self._describe(self.token)}", self.token.position)
        return self.advance()

    @staticmethod
    def _describe(token: Token) -> str:
        return "end of expression" if token.kind == "end" else repr(token.text)

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("the expression is empty", 0)
        node = self.parse_or()
        if self.token.kind != "end":
            raise ExpressionError(f"unexpected {self._describe(self.token)}", self.token.position)
        return node

    def parse_or(self) -> Node:
        node = self.parse_and()
        while self.at("name", "or"):
            self.advance()
            node = Or(node, self.parse_and())
        return node

    def parse_and(self) -> Node:
        node = self.parse_equality()
        while self.at("name", "and"):
            self.advance()
            node = And(node, self.parse_equality())
        return node

    def parse_equality(self) -> Node:
        node = self.parse_relational()
        while self.at("op", "=", "!="):
            op = self.advance().text
            node = Comparison(op, node, self.parse_relational())
        return node

    def parse_relational(self) -> Node:
        node = self.parse_additive()
        while self.at("op", "<", "<=", ">", ">="):
            op = self.advance().text
            node = Comparison(op, node, self.parse_additive())
        return node

    def parse_additive(self) -> Node:
        node = self.parse_multiplicative()
        while self.at("op", "+", "-"):
            op = self.advance().text
            node = Arithmetic(op, node, self.parse_multiplicative())
        return node

    def parse_multiplicative(self) -> Node:
        node = self.parse_unary()
        while self.at("op", "*") or self.at("name", "div", "mod"):
            op = self.advance().text
            node = Arithmetic(op, node, self.parse_unary())
        return node

    def parse_unary(self) -> Node:
        if self.at("op", "-"):
            self.advance()
            return Negate(self._nested(self.parse_unary))
        return self.parse_primary()

    def _nested(self, parse: Any) -> Node:
        # Deep nesting would otherwise hit Python's recursion limit with a confusing error.
        self.depth += 1
        if self.depth > MAX_NESTING:
            raise ExpressionError("the expression is nested too deeply", self.token.position)
        try:
            return parse()
        finally:
            self.depth -= 1

    def parse_primary(self) -> Node:
        token = self.token
        if token.kind in ("number", "string"):
            self.advance()
            return Literal(token.value)
        if token.kind == "ref":
            self.advance()
            return Ref(token.value)
        if token.kind == "dot":
            self.advance()
            return Current()
        if token.kind == "dotdot":
            raise ExpressionError("'..' (parent paths) is not supported; use ${question_name}", token.position)
        if self.at("op", "("):
            self.advance()
            node = self._nested(self.parse_or)
            self.expect(")")
            return node
        if token.kind == "name":
            self.advance()
            if self.at("op", "("):
                return self.parse_call(token)
            if token.text in ("true", "false"):
                return Literal(token.text == "true")
            if token.text in RESERVED_WORDS:
                raise ExpressionError(f"unexpected {token.text!r}", token.position)
            if self.bare_names_are_columns:
                return ChoiceColumn(token.text)
            return Ref(token.text)
        raise ExpressionError(f"unexpected {self._describe(token)}", token.position)

    def parse_call(self, name: Token) -> Node:
        if name.text not in ARITY:
            reason = REFUSED.get(name.text)
            if reason is not None:
                raise ExpressionError(f"{name.text}() is not supported: {reason}", name.position)
            raise ExpressionError(f"unknown function {name.text!r}", name.position)
        self.expect("(")
        args: list[Node] = []
        if name.text == "position" and self.at("dotdot"):
            self.advance()  # position(..): the instance of the repeat being checked
        elif not self.at("op", ")"):
            args.append(self._nested(self.parse_or))
            while self.at("op", ","):
                self.advance()
                args.append(self._nested(self.parse_or))
        self.expect(")")
        fewest, most = ARITY[name.text]
        if not fewest <= len(args) <= most:
            wanted = str(fewest) if fewest == most else f"{fewest} to {most}"
            raise ExpressionError(f"{name.text}() takes {wanted} argument(s), got {len(args)}", name.position)
        if name.text == "regex":
            return RegexMatch(args[0], _compile_pattern(args[1], name.position))
        return Call(name.text, tuple(args))


def _compile_pattern(node: Node, position: int) -> re.Pattern[str]:
    if not isinstance(node, Literal) or not isinstance(node.value, str):
        raise ExpressionError("regex() needs its pattern written as 'text'", position)
    pattern = node.value
    if len(pattern) > MAX_REGEX_PATTERN:
        raise ExpressionError(f"regex() pattern is longer than {MAX_REGEX_PATTERN} characters", position)
    if _NESTED_QUANTIFIER.search(pattern):
        raise ExpressionError("regex() pattern repeats a repeated group, which can be very slow", position)
    try:
        return re.compile(pattern)
    except re.error as error:
        raise ExpressionError(f"regex() pattern is invalid: {error}", position) from None


@functools.lru_cache(maxsize=4096)
def parse(source: str) -> Node:
    """Parse an expression (cached: the same text is parsed once per process)."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters", 0)
    return _Parser(source).parse()


@functools.lru_cache(maxsize=1024)
def parse_choice_filter(source: str) -> Node:
    """Parse a choice_filter: bare names become ``ChoiceColumn`` nodes, ``${q}`` stays an answer."""
    if len(source) > MAX_EXPRESSION_LENGTH:
        raise ExpressionError(f"the expression is longer than {MAX_EXPRESSION_LENGTH} characters", 0)
    return _Parser(source, bare_names_are_columns=True).parse()


def evaluate(
    expression: Node | str,
    answers: Mapping[str, Any],
    current: Any = None,
    *,
    today: dt.date | None = None,
) -> Any:
    """Evaluate against flat answers by question name; ``current`` is what ``.`` means."""
    node = parse(expression) if isinstance(expression, str) else expression
    return node.evaluate(EvalContext(answers, current, today))


def referenced_names(node: Node) -> set[str]:
    """Question (or indicator) names the expression reads; ``.`` is not included."""
    return {item.name for item in walk(node) if isinstance(item, Ref)}


def uses_current(node: Node) -> bool:
    return any(isinstance(item, Current) for item in walk(node))


def choice_columns(node: Node) -> set[str]:
    """Choice columns a choice_filter reads."""
    return {item.name for item in walk(node) if isinstance(item, ChoiceColumn)}
