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
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from forms.expr import parse, parse_choice_filter
from forms.expr_ast import PHONE_FUNCTIONS, Call, Node, walk
from forms.expr_compile import Evaluator, Test, compile_node, compile_test
from forms.labels import REQUIRED_LANGUAGE, text
from forms.spec import (
    ATTACHMENT_KINDS,
    UNSET,
    CalculateQuestion,
    Choice,
    FormDefinition,
    GeopointQuestion,
    Group,
    Label,
    PhotoQuestion,
    Question,
    RepeatGroup,
    SelectMultipleQuestion,
    SelectOneQuestion,
    question_type,
)

_CACHE_SIZE = 256


@dataclass(frozen=True, slots=True)
class CompiledGroup:
    kind = "group"  # a class constant: run_visit branches on kind alone (one attribute read per step)
    name: str
    parent: int  # index into CompiledForm.groups, -1 at the top level
    relevant: Node | None
    relevant_test: Test | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "relevant_test", _test_or_none(self.relevant))


def uses_phone_functions(node: Node) -> bool:
    return any(isinstance(item, Call) and item.name in PHONE_FUNCTIONS for item in walk(node))


@dataclass(frozen=True, slots=True)
class CompiledQuestion:
    name: str
    kind: str
    question: Question
    parent: int  # enclosing group index, -1 at the top level
    relevant: Node | None
    constraint: Node | None
    choices: frozenset[str] | None
    calculation: Node | None = None
    choice_filter: Node | None = None
    # Each choice as a choice_filter sees it: (value, its columns plus "name" = value).
    choice_rows: tuple[tuple[str, dict[str, str]], ...] = ()
    read_only: bool = False
    default: Any = None
    required_if: Node | None = None
    relevant_test: Test | None = field(init=False, repr=False, compare=False)
    constraint_test: Test | None = field(init=False, repr=False, compare=False)
    calculate: Evaluator | None = field(init=False, repr=False, compare=False)
    # A calculate using random(), now(), uuid() or once(): the phone's value is kept as sent.
    from_phone: bool = field(init=False, repr=False, compare=False)
    choice_filter_test: Test | None = field(init=False, repr=False, compare=False)
    required_if_test: Test | None = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "required_if_test", _test_or_none(self.required_if))
        object.__setattr__(self, "relevant_test", _test_or_none(self.relevant))
        object.__setattr__(self, "constraint_test", _test_or_none(self.constraint))
        object.__setattr__(self, "calculate", None if self.calculation is None else compile_node(self.calculation))
        object.__setattr__(self, "from_phone", self.calculation is not None and uses_phone_functions(self.calculation))
        object.__setattr__(self, "choice_filter_test", _test_or_none(self.choice_filter))


class CompiledRepeat:
    """A repeat: its own steps, run once per instance; ``count`` is its repeat_count (an expression)."""

    kind = "repeat"
    __slots__ = (
        "count",
        "count_value",
        "group_names",
        "groups",
        "name",
        "names",
        "parent",
        "relevant",
        "relevant_test",
        "steps",
    )

    def __init__(self, name: str, parent: int, relevant: Node | None, count: Node | None) -> None:
        self.name = name
        self.parent = parent
        self.relevant = relevant
        self.relevant_test = _test_or_none(relevant)
        self.count = count
        self.count_value: Evaluator | None = None if count is None else compile_node(count)
        self.steps: list[CompiledGroup | CompiledQuestion | CompiledRepeat] = []
        self.groups: list[CompiledGroup] = []
        self.names: set[str] = set()
        self.group_names: set[str] = set()


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
        self.steps: list[CompiledGroup | CompiledQuestion | CompiledRepeat] = []
        # Every question of the form by name, those inside repeats included (names are unique form-wide).
        self.questions: dict[str, CompiledQuestion] = {}
        # Names that may be keys of the top-level answers object (questions and repeats outside any repeat).
        self.top_names: set[str] = set()
        self.repeats: dict[str, CompiledRepeat] = {}
        top = CompiledRepeat("", -1, None, None)
        self._add(definition.questions, -1, top)
        self.steps, self.groups, self.top_names = top.steps, top.groups, top.names
        self.group_names = frozenset(top.group_names)
        self.all_names = frozenset(self.questions) | frozenset(self.repeats)
        self.has_calculations = any(item.calculate is not None for item in self.questions.values())
        self.version = str(getattr(definition, "version", "") or "")
        self.choice_names = choice_names(self)
        thresholds = [
            item.question.accuracy_threshold_m
            for item in self.questions.values()
            if isinstance(item.question, GeopointQuestion)
        ]
        self.geopoint_threshold: float | None = min(thresholds) if thresholds else None
        self.has_photos = any(isinstance(item.question, PhotoQuestion) for item in self.questions.values())
        # audio, video and file questions by name → kind (their answers name files sent beside the visit)
        self.attachment_kinds: dict[str, str] = {
            name: item.kind for name, item in self.questions.items() if item.kind in ATTACHMENT_KINDS
        }
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

    def _add(self, questions: list[Question], parent: int, scope: CompiledRepeat) -> None:
        for question in questions:
            relevant = parse(question.relevant) if question.relevant else None
            if isinstance(question, Group):
                group = CompiledGroup(question.name, parent, relevant)
                scope.groups.append(group)
                scope.steps.append(group)
                scope.group_names.add(question.name)
                self._add(question.questions, len(scope.groups) - 1, scope)
                continue
            if isinstance(question, RepeatGroup):
                count = question.repeat_count
                repeat = CompiledRepeat(question.name, parent, relevant, parse(count) if count else None)
                scope.steps.append(repeat)
                scope.names.add(question.name)
                self.repeats[question.name] = repeat
                self._add(question.questions, -1, repeat)
                continue
            item = _compile_question(question, parent)
            self.questions[question.name] = item
            scope.steps.append(item)
            scope.names.add(question.name)


def _compile_question(question: Question, parent: int) -> CompiledQuestion:
    choices = choice_filter = None
    rows: tuple[tuple[str, dict[str, str]], ...] = ()
    if isinstance(question, (SelectOneQuestion, SelectMultipleQuestion)):
        choices = frozenset(choice.value for choice in question.choices)
        if question.choice_filter is not UNSET:
            choice_filter = parse_choice_filter(question.choice_filter)
            rows = tuple((choice.value, choice_row(question, choice)) for choice in question.choices)
    if isinstance(question, CalculateQuestion):
        return CompiledQuestion(
            name=question.name,
            kind="calculate",
            question=question,
            parent=parent,
            relevant=parse(question.relevant) if question.relevant else None,
            constraint=None,
            choices=None,
            calculation=parse(question.calculation),
        )
    assert not isinstance(question, (Group, RepeatGroup))
    default = None if question.default is UNSET else question.default
    return CompiledQuestion(
        name=question.name,
        kind=question_type(question),
        question=question,
        parent=parent,
        relevant=parse(question.relevant) if question.relevant else None,
        constraint=parse(question.constraint) if question.constraint else None,
        choices=choices,
        choice_filter=choice_filter,
        choice_rows=rows,
        read_only=question.read_only is True,
        default=default,
        required_if=None if question.required_if is UNSET else parse(question.required_if),
    )


def choice_row(question: SelectOneQuestion | SelectMultipleQuestion, choice: Choice) -> dict[str, str]:
    """A choice as its choice_filter sees it: its columns, and ``name`` for its value. A choice read from a CSV
    file also has the file's value and label columns under their own names, as ODK's item of the file has."""
    row = {}
    if isinstance(question.choices_file, str):
        value_column = question.choices_file_value if isinstance(question.choices_file_value, str) else "name"
        label_column = question.choices_file_label if isinstance(question.choices_file_label, str) else "label"
        row = {value_column: choice.value, label_column: text(choice.label, REQUIRED_LANGUAGE) or ""}
    return {**row, **(choice.columns if choice.columns is not UNSET else {}), "name": choice.value}


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


def choice_names(compiled: CompiledForm) -> Callable[[str, str], str]:
    """jr:choice-name()'s hook: (question, value) → the choice's label in the form's first language."""

    def name(question: str, value: str) -> str:
        item = compiled.questions.get(question)
        choices = getattr(item.question, "choices", None) if item is not None else None
        for choice in choices or ():
            if choice.value == value:
                return text(choice.label, REQUIRED_LANGUAGE) or ""
        return ""

    return name
