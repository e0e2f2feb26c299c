"""Meaning checks on the rubric: indicators read questions, levels read indicators."""

from __future__ import annotations

from typing import Any

from forms.checks import Checker
from forms.checks_base import get
from forms.decode import join_path
from forms.expr import referenced_names


def check_rubric(checker: Checker, rubric: Any) -> None:
    if rubric is None:
        return
    indicator_names = _check_indicators(checker, get(rubric, "indicators"))
    _check_levels(checker, get(rubric, "levels"), indicator_names)


def _check_indicators(checker: Checker, indicators: Any) -> set[str]:
    names: dict[str, str] = {}
    if not isinstance(indicators, list):
        return set()
    for index, indicator in enumerate(indicators):
        path = join_path("rubric.indicators", index)
        name = get(indicator, "name")
        if checker.check_name(name, join_path(path, "name")):
            if name in names:
                checker.add(
                    join_path(path, "name"),
                    "form.duplicate_name",
                    f"Tên chỉ số “{name}” đã dùng ở {names[name]}.",
                    f"Indicator name '{name}' is already used at {names[name]}.",
                )
            else:
                names[name] = path
        checker.check_label(get(indicator, "label"), join_path(path, "label"))
        condition_path = join_path(path, "condition")
        node = checker.parse_expression(get(indicator, "condition"), condition_path, allow_current=False)
        if node is None:
            continue
        checker.check_references(condition_path, node, None, None)
        checker.check_choice_literals(node, condition_path, current=None)
    return set(names)


def _check_levels(checker: Checker, levels: Any, indicator_names: set[str]) -> None:
    if not isinstance(levels, list):
        return
    if not levels:
        checker.add(
            "rubric.levels",
            "form.empty_rubric",
            "Thang đánh giá cần ít nhất một mức.",
            "The rubric needs at least one level.",
        )
    previous: int | None = None
    for index, level in enumerate(levels):
        path = join_path("rubric.levels", index)
        value = get(level, "value")
        if isinstance(value, int):
            if previous is not None and value <= previous:
                checker.add(
                    join_path(path, "value"),
                    "form.levels_not_increasing",
                    f"Các mức phải xếp từ thấp đến cao: mức {value} đứng sau mức {previous}.",
                    f"Levels must go from lowest to highest: {value} comes after {previous}.",
                )
            previous = value
        checker.check_label(get(level, "name"), join_path(path, "name"))
        condition_path = join_path(path, "condition")
        node = checker.parse_expression(get(level, "condition"), condition_path, allow_current=False)
        if node is None:
            continue
        for referenced in sorted(referenced_names(node) - indicator_names):
            checker.add(
                condition_path,
                "form.unknown_reference",
                f"Điều kiện của mức dùng “{referenced}” nhưng không có chỉ số nào tên như vậy"
                " (điều kiện mức chỉ dùng tên chỉ số).",
                f"The level condition uses '{referenced}', but no indicator has that name"
                " (level conditions name indicators).",
            )
