"""Pass 2 of the form checks: each question's expressions (relevance, constraint, calculation, repeat count,
required_if, choice filter, trigger) parse and name only earlier answerable questions and real choices."""

from __future__ import annotations

from typing import Any

from forms.checks_base import MAX_REPEAT_INSTANCES, SELECT_KINDS, UNANSWERABLE_KINDS, CheckerBase, Declared, get
from forms.decode import join_path
from forms.expr import (
    ExpressionError,
    choice_columns,
    parse,
    parse_choice_filter,
    referenced_names,
    uses_current,
)
from forms.expr_ast import (
    AGGREGATES,
    Call,
    Comparison,
    Current,
    Literal,
    Node,
    Ref,
    walk,
)


class ExpressionChecks(CheckerBase):
    """Pass 2, mixed into ``forms.checks.Checker``."""

    # ---- pass 2: expressions ----------------------------------------------------

    def parse_expression(self, source: Any, path: str, *, allow_current: bool) -> Node | None:
        if not isinstance(source, str):
            return None
        try:
            node = parse(source)
        except ExpressionError as error:
            self.add(
                path,
                "form.bad_expression",
                f"Biểu thức không đọc được: {error.message} (vị trí {error.position}).",
                f"Cannot parse expression: {error.message} (at position {error.position}).",
            )
            return None
        if not allow_current and uses_current(node):
            self.add(
                path,
                "form.current_outside_constraint",
                "Dấu “.” (câu trả lời hiện tại) chỉ dùng trong điều kiện kiểm tra (constraint).",
                "'.' (the current answer) can only be used in a constraint.",
            )
        return node

    def check_question_expressions(self, entry: Declared) -> None:
        fields = (
            ("relevant", False),
            ("constraint", True),
            ("calculation", False),
            ("repeat_count", False),
            ("required_if", False),
        )
        for field_name, allow_current in fields:
            path = join_path(entry.path, field_name)
            source = get(entry.node, field_name)
            if field_name == "repeat_count" and isinstance(source, str) and source.strip().isdigit():
                if int(source) > MAX_REPEAT_INSTANCES:
                    self.add(
                        path,
                        "form.repeat_count",
                        f"Tối đa {MAX_REPEAT_INSTANCES} lần lặp.",
                        f"At most {MAX_REPEAT_INSTANCES} instances.",
                    )
                continue
            node = self.parse_expression(source, path, allow_current=allow_current)
            if node is None:
                continue
            # entry.repeat is the repeat the question sits in; a repeat's own relevance and count sit outside it.
            self.check_references(path, node, entry, entry.repeat, allow_self=allow_current)
            self.check_choice_literals(node, path, current=entry)
        self.check_choice_filter(entry)
        trigger = get(entry.node, "trigger")
        if isinstance(trigger, list):
            for name in trigger:
                if name not in self.by_name:
                    self.unknown_question(join_path(entry.path, "trigger"), name)

    def check_references(
        self, path: str, node: Node, entry: Declared | None, scope: str | None, *, allow_self: bool = False
    ) -> None:
        """Names must be earlier answerable questions; a repeat's questions read from outside only via count/sum."""
        calls = [item for item in walk(node) if isinstance(item, Call) and item.name in AGGREGATES]
        aggregated = {arg.name for item in calls for arg in item.args if isinstance(arg, Ref)}
        counted = {arg.name for item in calls if item.name == "count" for arg in item.args if isinstance(arg, Ref)}
        # indexed-repeat(${q}, ${repeat}, n): the repeat itself is named too, as its 2nd (4th, 6th) argument
        counted |= {
            arg.name
            for item in calls
            if item.name == "indexed-repeat"
            for arg in item.args[1::2]
            if isinstance(arg, Ref)
        }
        for name in sorted(referenced_names(node)):
            target = self.by_name.get(name)
            if target is None:
                self.unknown_question(path, name)
                continue
            if entry is not None and (target.order > entry.order or (target is entry and not allow_self)):
                self.add(
                    path,
                    "form.forward_reference",
                    f"Biểu thức dùng “{name}” nhưng câu hỏi này chưa được hỏi tới (nằm ở phía sau).",
                    f"The expression uses '{name}', which is asked later (or is this question itself);"
                    " only earlier questions can be used.",
                )
                continue
            if target is entry:
                continue
            if target.kind == "repeat":
                if name not in counted or target.name == scope:
                    self.add(
                        path,
                        "form.repeat_needs_aggregate",
                        f"Nhóm lặp “{name}” chỉ dùng được trong count(${{{name}}}).",
                        f"Repeat '{name}' can only be used as count(${{{name}}}).",
                    )
                continue
            if target.repeat is not None and target.repeat != scope and name not in aggregated:
                self.add(
                    path,
                    "form.repeat_needs_aggregate",
                    f"“{name}” nằm trong nhóm lặp “{target.repeat}”; ngoài nhóm lặp hãy dùng"
                    f" count(${{{name}}}) hoặc sum(${{{name}}}).",
                    f"'{name}' is inside repeat '{target.repeat}'; outside it use count(${{{name}}})"
                    f" or sum(${{{name}}}).",
                )
                continue
            self.check_answerable(path, target)

    def check_choice_filter(self, entry: Declared) -> None:
        source = get(entry.node, "choice_filter")
        if not isinstance(source, str):
            return
        path = join_path(entry.path, "choice_filter")
        try:
            node = parse_choice_filter(source)
        except ExpressionError as error:
            self.add(
                path,
                "form.bad_expression",
                f"Biểu thức không đọc được: {error.message} (vị trí {error.position}).",
                f"Cannot parse expression: {error.message} (at position {error.position}).",
            )
            return
        known = {"name"}
        if isinstance(get(entry.node, "choices_file"), str):
            known = choice_columns(node)  # the CSV's columns are known once the file is uploaded
        for choice in get(entry.node, "choices") or []:
            columns = get(choice, "columns")
            if isinstance(columns, dict):
                known.update(columns)
        for column in sorted(choice_columns(node) - known):
            self.add(
                path,
                "form.unknown_choice_column",
                f"Bộ lọc dùng cột “{column}” nhưng không phương án nào có cột này.",
                f"The filter uses column '{column}', which no choice has.",
            )
        self.check_references(path, node, entry, entry.repeat)

    def unknown_question(self, path: str, name: str) -> None:
        self.add(
            path,
            "form.unknown_reference",
            f"Biểu thức dùng “{name}” nhưng không có câu hỏi nào tên như vậy.",
            f"The expression uses '{name}', but no question has that name.",
        )

    def check_answerable(self, path: str, target: Declared) -> None:
        if target.kind in UNANSWERABLE_KINDS:
            self.add(
                path,
                "form.unanswerable_reference",
                f"“{target.name}” là {target.kind}, không có câu trả lời để dùng trong biểu thức.",
                f"'{target.name}' is a {target.kind}; it has no answer an expression could read.",
            )

    def check_choice_literals(self, node: Node, path: str, current: Declared | None) -> None:
        for item in walk(node):
            if isinstance(item, Call) and item.name in ("selected", "count-selected"):
                target = self.target_of(item.args[0], current)
                if target is not None and target.kind is not None and target.kind not in SELECT_KINDS:
                    self.add(
                        path,
                        "form.not_a_select",
                        f"{item.name}() chỉ dùng cho câu hỏi lựa chọn; “{target.name}” không phải.",
                        f"{item.name}() needs a select question; '{target.name}' is not one.",
                    )
                elif item.name == "selected" and target is not None:
                    self.check_choice(path, target, item.args[1])
            elif isinstance(item, Comparison) and item.op in ("=", "!="):
                for side, other in ((item.left, item.right), (item.right, item.left)):
                    target = self.target_of(side, current)
                    if target is not None and target.kind == "select_one":
                        self.check_choice(path, target, other)

    def target_of(self, node: Node, current: Declared | None) -> Declared | None:
        if isinstance(node, Ref):
            return self.by_name.get(node.name)
        if isinstance(node, Current):
            return current
        return None

    def check_choice(self, path: str, target: Declared, value_node: Node) -> None:
        values = target.choice_values
        if values is None or not isinstance(value_node, Literal) or not isinstance(value_node.value, str):
            return
        if value_node.value and value_node.value not in values:
            self.add(
                path,
                "form.unknown_choice",
                f"“{value_node.value}” không phải phương án của câu hỏi “{target.name}”.",
                f"'{value_node.value}' is not a choice of question '{target.name}'.",
            )
