"""Pass 1 of the form checks: every question's name, labels and structure (kind rules, choices, groups and
repeats), collecting the declared questions in document order for pass 2."""

from __future__ import annotations

from typing import Any

from forms.answer_types import default_problem
from forms.checks_base import CONTAINER_KINDS, SELECT_KINDS, CheckerBase, Declared, get, kind_of
from forms.decode import join_path
from forms.spec import ATTACHMENT_KINDS


class StructureChecks(CheckerBase):
    """Pass 1, mixed into ``forms.checks.Checker``."""

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
