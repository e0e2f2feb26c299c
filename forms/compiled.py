"""A form prepared once for the hot path: flat question list, parsed expressions, choice sets.

Every expression is kept as its tree (``relevant``, ``constraint``, ``condition``) and, beside
it, as a test closure built from that tree (``*_test``, see ``forms.expr_compile``) that
returns exactly ``truthy(tree.evaluate(ctx))``; validation and scoring call the closures.

``compile_form`` caches by object identity; definitions are frozen Structs, so a
compiled form never goes stale while its definition is alive.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field

from forms.expr import parse
from forms.expr_ast import Node
from forms.expr_compile import Test, compile_test
from forms.spec import (
    FormDefinition,
    GeopointQuestion,
    Group,
    Label,
    PhotoQuestion,
    Question,
    SelectMultipleQuestion,
    SelectOneQuestion,
    question_type,
)

_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    name: str
    parent: int  # index into CompiledForm.groups, -1 at the top level
    relevant: Node | None
    relevant_test: Test | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "relevant_test", _test_or_none(self.relevant))


@dataclass(frozen=True, slots=True)
class CompiledQuestion:
    name: str
    kind: str
    question: Question
    parent: int  # enclosing group index, -1 at the top level
    relevant: Node | None
    constraint: Node | None
    choices: frozenset[str] | None
    relevant_test: Test | None = field(init=False, repr=False, compare=False)
    constraint_test: Test | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "relevant_test", _test_or_none(self.relevant))
        object.__setattr__(self, "constraint_test", _test_or_none(self.constraint))


@dataclass(frozen=True, slots=True)
class CompiledLevel:
    value: int
    name: Label
    condition: Node
    test: Test = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "test", compile_test(self.condition))


def _test_or_none(node: Node | None) -> Test | None:
    return None if node is None else compile_test(node)


class CompiledForm:
    """Everything answer validation and scoring need, computed from a loaded definition.

    ``steps`` is document order: a CompiledGroup comes before the questions it holds,
    which lets relevance be decided in one forward pass.
    """

    def __init__(self, definition: FormDefinition) -> None:
        self.definition = definition
        self.groups: list[CompiledGroup] = []
        self.steps: list[CompiledGroup | CompiledQuestion] = []
        self.questions: dict[str, CompiledQuestion] = {}
        self._add(definition.questions, parent=-1)
        self.group_names = frozenset(group.name for group in self.groups)
        thresholds = [
            item.question.accuracy_threshold_m
            for item in self.questions.values()
            if isinstance(item.question, GeopointQuestion)
        ]
        self.geopoint_threshold: float | None = min(thresholds) if thresholds else None
        self.has_photos = any(isinstance(item.question, PhotoQuestion) for item in self.questions.values())
        rubric = definition.rubric
        self.indicators: list[tuple[str, Node]] = (
            [(indicator.name, parse(indicator.condition)) for indicator in rubric.indicators] if rubric else []
        )
        self.indicator_tests: list[tuple[str, Test]] = [(name, compile_test(node)) for name, node in self.indicators]
        self.levels: list[CompiledLevel] = (
            [CompiledLevel(level.value, level.name, parse(level.condition)) for level in rubric.levels]
            if rubric
            else []
        )

    def _add(self, questions: list[Question], parent: int) -> None:
        for question in questions:
            relevant = parse(question.relevant) if question.relevant else None
            if isinstance(question, Group):
                group = CompiledGroup(question.name, parent, relevant)
                self.groups.append(group)
                self.steps.append(group)
                self._add(question.questions, parent=len(self.groups) - 1)
                continue
            choices = (
                frozenset(choice.value for choice in question.choices)
                if isinstance(question, (SelectOneQuestion, SelectMultipleQuestion))
                else None
            )
            item = CompiledQuestion(
                name=question.name,
                kind=question_type(question),
                question=question,
                parent=parent,
                relevant=relevant,
                constraint=parse(question.constraint) if question.constraint else None,
                choices=choices,
            )
            self.questions[question.name] = item
            self.steps.append(item)


_cache: OrderedDict[int, tuple[FormDefinition, CompiledForm]] = OrderedDict()
_cache_lock = threading.Lock()


def compile_form(definition: FormDefinition | CompiledForm) -> CompiledForm:
    """The compiled form for a definition, built once per definition object.

    The definition must come from ``load_definition`` (its expressions are trusted to parse).
    """
    if isinstance(definition, CompiledForm):
        return definition
    if not isinstance(definition, FormDefinition):
        raise TypeError(f"expected a FormDefinition or CompiledForm, got {type(definition).__name__}")
    key = id(definition)
    with _cache_lock:
        hit = _cache.get(key)
        # The cache holds the definition itself, so its id cannot be reused while cached.
        if hit is not None and hit[0] is definition:
            _cache.move_to_end(key)
            return hit[1]
    compiled = CompiledForm(definition)
    with _cache_lock:
        _cache[key] = (definition, compiled)
        while len(_cache) > _CACHE_SIZE:
            _cache.popitem(last=False)
    return compiled

