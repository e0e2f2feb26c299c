"""Meaning checks on a decoded (possibly partly broken) form definition.

Works on real Structs and on ``Unreadable`` placeholders alike, so one pass reports
structure errors and meaning errors together.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from msgspec import UnsetType

from forms.answer_types import default_problem
from forms.decode import Unreadable, join_path
from forms.errors import FormError
from forms.expr import (
    RESERVED_WORDS,
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
from forms.labels import LANGUAGE_CODE, REQUIRED_LANGUAGE
from forms.spec import ATTACHMENT_KINDS, Base

NAME_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
# Any XML name (ASCII), as ODK accepts: `household-skills`, `ODKValidateWarnings`, `xl_date_ambiguous_v1`, `a.b`.
FORM_ID_PATTERN = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
MAX_FORM_ID_LENGTH = 64
SELECT_KINDS = frozenset({"select_one", "select_multiple"})
# Kinds with no value in the answers dict, so an expression cannot read them (a repeat only through count()).
UNANSWERABLE_KINDS = frozenset({"group", "note", "photo", "repeat"})
CONTAINER_KINDS = frozenset({"group", "repeat"})
MAX_REPEAT_INSTANCES = 200


def get(node: Any, name: str) -> Any:
    """A field of a Struct or of an Unreadable; None when absent or itself unreadable."""
    value = node.get(name) if isinstance(node, Unreadable) else getattr(node, name, None)
    return None if isinstance(value, (Unreadable, UnsetType)) else value


def kind_of(node: Any) -> str | None:
    if isinstance(node, Unreadable):
        return node.type_tag
    if isinstance(node, Base):
        tag = type(node).__struct_config__.tag
        return tag if isinstance(tag, str) else None  # untagged structs (None); no int tags are declared
    return None


@dataclass
class Declared:
    """A question or group, in document order."""

    name: str
    path: str
    kind: str | None
    node: Any
    order: int
    # The repeat this question is asked in (its name), None outside any repeat.
    repeat: str | None = None

    @property
    def choice_values(self) -> set[str] | None:
        choices = get(self.node, "choices")
        if self.kind not in SELECT_KINDS or choices is None:
            return None
        return {value for choice in choices if isinstance(value := get(choice, "value"), str)}


class Checker:
    def __init__(self) -> None:
        self.errors: list[FormError] = []
        self.entries: list[Declared] = []
        self.by_name: dict[str, Declared] = {}

    def add(self, path: str, code: str, vi: str, en: str) -> None:
        self.errors.append(FormError(path=path, code=code, message_vi=vi, message_en=en))

    # ---- whole form -------------------------------------------------------------

    def check_form(self, form: Any) -> None:
        form_id = get(form, "id")
        if isinstance(form_id, str) and not (len(form_id) <= MAX_FORM_ID_LENGTH and FORM_ID_PATTERN.fullmatch(form_id)):
            self.add(
                "id",
                "form.invalid_id",
                "Mã mẫu phiếu phải là tên XML: chữ Latinh không dấu, số, dấu chấm, gạch ngang hoặc gạch dưới, không bắt"
                f" đầu bằng số, tối đa {MAX_FORM_ID_LENGTH} ký tự (ví dụ: danh-gia-ho).",
                "The form id must be an XML name: ASCII letters, digits, '.', '-' or '_', not starting with a digit,"
                f" at most {MAX_FORM_ID_LENGTH} characters (e.g. household-skills).",
            )
        version = get(form, "version")
        if isinstance(version, str) and version and (not version.strip() or len(version) > 50):
            self.add(
                "version",
                "form.invalid_version",
                "Phiên bản không được chỉ gồm khoảng trắng và dài tối đa 50 ký tự (bỏ trống để tự đặt).",
                "The version must not be blank and at most 50 characters (leave it out to derive one).",
            )
        language = get(form, "default_language")
        if isinstance(language, str) and not LANGUAGE_CODE.fullmatch(language):
            self.add(
                "default_language",
                "form.invalid_language",
                f"Mã ngôn ngữ “{language}” không hợp lệ (ví dụ: vi, en, zh-Hans).",
                f"Language code '{language}' is not valid (e.g. vi, en, zh-Hans).",
            )
        self.check_label(get(form, "title"), "title")
        self.check_label(get(form, "description"), "description")
        questions = get(form, "questions")
        if isinstance(questions, list):
            if not questions:
                self.add("questions", "form.empty_form", "Mẫu phiếu chưa có câu hỏi nào.", "The form has no questions.")
            self.collect(questions, "questions")
        for entry in self.entries:
            self.check_question_expressions(entry)

    def check_label(self, label: Any, path: str) -> None:
        if not isinstance(label, dict):
            return
        if REQUIRED_LANGUAGE not in label:
            self.add(
                join_path(path, REQUIRED_LANGUAGE),
                "form.missing_vietnamese",
                "Thiếu nội dung tiếng Việt (vi).",
                "The Vietnamese text (vi) is missing.",
            )
        for language, text in label.items():
            if not LANGUAGE_CODE.fullmatch(language):
                self.add(
                    join_path(path, language),
                    "form.invalid_language",
                    f"Mã ngôn ngữ “{language}” không hợp lệ (ví dụ: vi, en, zh-Hans).",
                    f"Language code '{language}' is not valid (e.g. vi, en, zh-Hans).",
                )
            elif not text.strip():
                self.add(
                    join_path(path, language),
                    "form.empty_label",
                    "Nội dung hiển thị không được để trống.",
                    "The label text must not be empty.",
                )

    def check_name(self, name: Any, path: str) -> bool:
        if not isinstance(name, str):
            return False
        if not NAME_PATTERN.fullmatch(name) or name in RESERVED_WORDS:
            self.add(
                path,
                "form.invalid_name",
                f"Tên “{name}” không hợp lệ: chỉ dùng chữ không dấu, số và dấu _, không bắt đầu bằng số,"
                " tối đa 64 ký tự, không trùng từ khóa (and, or, not, div, mod, true, false).",
                f"Name '{name}' is invalid: use ASCII letters, digits and '_', not starting with a digit,"
                " at most 64 characters, and not a keyword (and, or, not, div, mod, true, false).",
            )
            return False
        return True

    # ---- pass 1: names and the structure of each question ---------------------

    def collect(self, questions: list[Any], path: str, repeat: str | None = None) -> None:
        for index, question in enumerate(questions):
            question_path = join_path(path, index)
            name = get(question, "name")
            entry = Declared(
                name=name if isinstance(name, str) else "",
                path=question_path,
                kind=kind_of(question),
                node=question,
                order=len(self.entries),
                repeat=repeat,
            )
            self.entries.append(entry)
            if self.check_name(name, join_path(question_path, "name")):
                first = self.by_name.get(name)
                if first is None:
                    self.by_name[name] = entry
                else:
                    self.add(
                        join_path(question_path, "name"),
                        "form.duplicate_name",
                        f"Tên “{name}” đã dùng ở {first.path}; mỗi câu hỏi và nhóm cần một tên riêng.",
                        f"Name '{name}' is already used at {first.path}; every question and group needs its own name.",
                    )
            self.check_label(get(question, "label"), join_path(question_path, "label"))
            self.check_label(get(question, "hint"), join_path(question_path, "hint"))
            self.check_label(get(question, "constraint_message"), join_path(question_path, "constraint_message"))
            self.check_kind_rules(entry)
            children = get(question, "questions")
            if entry.kind in CONTAINER_KINDS and isinstance(children, list):
                if not children:
                    self.add(
                        join_path(question_path, "questions"),
                        "form.empty_group",
                        "Nhóm này chưa có câu hỏi nào.",
                        "This group has no questions.",
                    )
                inner = repeat
                if entry.kind == "repeat":
                    if repeat is not None:
                        self.add(
                            join_path(question_path, "type"),
                            "form.nested_repeat",
                            f"Nhóm lặp “{name}” nằm trong nhóm lặp “{repeat}”: chưa hỗ trợ lặp lồng nhau."
                            " Hãy tách thành một nhóm lặp riêng.",
                            f"Repeat '{name}' is inside repeat '{repeat}': nested repeats are not supported."
                            " Make it a repeat of its own.",
                        )
                    inner = entry.name
                self.collect(children, join_path(question_path, "questions"), inner)

    def check_kind_rules(self, entry: Declared) -> None:
        node, path = entry.node, entry.path
        if entry.kind in SELECT_KINDS:
            from_file = isinstance(get(node, "choices_file"), str)
            self.check_choices(
                get(node, "choices"),
                join_path(path, "choices"),
                may_be_empty=from_file,
                duplicates=get(node, "allow_choice_duplicates") is True,
            )
        low, high = get(node, "min"), get(node, "max")
        numeric_bounds = isinstance(low, (int, float)) and isinstance(high, (int, float))
        if entry.kind in ("integer", "decimal") and numeric_bounds and low > high:
            self.add(
                join_path(path, "min"),
                "form.min_above_max",
                f"Giá trị nhỏ nhất ({low}) lớn hơn giá trị lớn nhất ({high}).",
                f"min ({low}) is greater than max ({high}).",
            )
        if entry.kind == "photo" and entry.repeat is not None:
            self.add(
                join_path(path, "type"),
                "form.photo_in_repeat",
                f"Chưa hỗ trợ chụp ảnh trong nhóm lặp “{entry.repeat}”; hãy đặt câu hỏi ảnh ngoài nhóm lặp.",
                f"Photos inside repeat '{entry.repeat}' are not supported yet; ask for the photo outside it.",
            )
        if entry.kind in ATTACHMENT_KINDS and entry.repeat is not None:
            self.add(
                join_path(path, "type"),
                "form.attachment_in_repeat",
                f"Chưa hỗ trợ tệp ({entry.kind}) trong nhóm lặp “{entry.repeat}”; hãy đặt câu hỏi ngoài nhóm lặp.",
                f"{entry.kind} questions inside repeat '{entry.repeat}' are not supported yet; ask outside it.",
            )
        if entry.kind == "photo" and get(node, "required_if") is not None:
            self.add(
                join_path(path, "required_if"),
                "form.photo_count",
                "Câu hỏi ảnh dùng min_count (số ảnh tối thiểu), không dùng required_if.",
                "A photo question takes min_count, not required_if.",
            )
        if entry.kind == "photo":
            fewest, most = get(node, "min_count"), get(node, "max_count")
            if isinstance(fewest, int) and isinstance(most, int) and fewest > most:
                self.add(
                    join_path(path, "min_count"),
                    "form.photo_count",
                    f"Số ảnh tối thiểu ({fewest}) lớn hơn số ảnh tối đa ({most}).",
                    f"min_count ({fewest}) is greater than max_count ({most}).",
                )
            if get(node, "required") is True and fewest == 0:
                self.add(
                    join_path(path, "min_count"),
                    "form.photo_count",
                    "Ảnh bắt buộc thì cần ít nhất 1 ảnh (min_count ≥ 1).",
                    "A required photo question needs min_count ≥ 1.",
                )
            if get(node, "constraint") is not None:
                self.add(
                    join_path(path, "constraint"),
                    "form.not_answerable",
                    "Câu hỏi chụp ảnh không dùng điều kiện kiểm tra (ảnh được gửi riêng).",
                    "A photo question cannot have a constraint (photos are sent as files, not answers).",
                )
        if entry.kind == "range":
            start, end = get(node, "start"), get(node, "end")
            if isinstance(start, (int, float)) and isinstance(end, (int, float)) and start == end:
                self.add(
                    join_path(path, "end"),
                    "form.range_bounds",
                    "Thanh trượt cần điểm đầu khác điểm cuối.",
                    "A range needs start and end to differ.",
                )
        default = get(node, "default")
        if default is not None and entry.kind is not None:
            problem = default_problem(entry.kind, node, default)
            if problem is not None:
                self.add(join_path(path, "default"), "form.invalid_default", *problem)
        if entry.kind == "note":
            for field_name in ("required", "constraint", "required_if"):
                if get(node, field_name) not in (None, False):
                    self.add(
                        join_path(path, field_name),
                        "form.not_answerable",
                        "Ghi chú chỉ để đọc, không có câu trả lời nên không đặt “bắt buộc” hay điều kiện.",
                        "A note is read-only: it has no answer, so it cannot be required or constrained.",
                    )

    def check_choices(self, choices: Any, path: str, *, may_be_empty: bool = False, duplicates: bool = False) -> None:
        if not isinstance(choices, list):
            return
        if not choices and not may_be_empty:
            self.add(
                path,
                "form.no_choices",
                "Câu hỏi lựa chọn cần ít nhất một phương án.",
                "A select question needs at least one choice.",
            )
        seen: dict[str, int] = {}
        for index, choice in enumerate(choices):
            value = get(choice, "value")
            value_path = join_path(join_path(path, index), "value")
            self.check_label(get(choice, "label"), join_path(join_path(path, index), "label"))
            if not isinstance(value, str):
                continue
            if not value or any(char.isspace() for char in value):
                self.add(
                    value_path,
                    "form.invalid_choice_value",
                    "Mã phương án không được để trống và không chứa khoảng trắng.",
                    "A choice value must be non-empty and contain no spaces.",
                )
            elif value in seen and not duplicates:
                self.add(
                    value_path,
                    "form.duplicate_choice",
                    f"Mã phương án “{value}” bị lặp (đã có ở vị trí {seen[value]}).",
                    f"Choice value '{value}' is repeated (already at index {seen[value]}).",
                )
            else:
                seen[value] = index

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
