"""Meaning checks on a decoded (possibly partly broken) form definition.

Works on real Structs and on ``Unreadable`` placeholders alike, so one pass reports
structure errors and meaning errors together. ``Checker`` here checks the whole form; the rest lives in
forms/checks_base.py (``get``, ``Declared``, the limits, the label and name checks), forms/checks_structure.py
(pass 1: names and the structure of each question) and forms/checks_expressions.py (pass 2: expressions). The
names they held when they were here are re-exported.
"""

from __future__ import annotations

from typing import Any

from forms.checks_base import (
    CONTAINER_KINDS,
    FORM_ID_PATTERN,
    MAX_FORM_ID_LENGTH,
    MAX_REPEAT_INSTANCES,
    NAME_PATTERN,
    SELECT_KINDS,
    UNANSWERABLE_KINDS,
    Declared,
    get,
    kind_of,
)
from forms.checks_expressions import ExpressionChecks
from forms.checks_structure import StructureChecks
from forms.labels import LANGUAGE_CODE

__all__ = [
    "CONTAINER_KINDS",
    "FORM_ID_PATTERN",
    "MAX_FORM_ID_LENGTH",
    "MAX_REPEAT_INSTANCES",
    "NAME_PATTERN",
    "SELECT_KINDS",
    "UNANSWERABLE_KINDS",
    "Checker",
    "Declared",
    "get",
    "kind_of",
]


class Checker(StructureChecks, ExpressionChecks):
    """All the checks: ``check_form`` runs pass 1 over the questions, then pass 2 over each one's expressions."""

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
