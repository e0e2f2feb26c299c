"""Filling a form in Enketo (enketo-core 9.0.1) the way a member does. Enketo names each input after its node
path (`name`, or `data-name` for radios and checkboxes filled from an itemset), so questions are found by path.
Answers as in web_forms_steps.py."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.openrosa.web_forms_steps import GPS
from tests.openrosa.xform_questions import Question


def _answer(page: Page, scope: Page | Locator, question: Question, value: Any, labels: Mapping[str, str]) -> None:
    path = question.path
    if question.control == "upload":
        assert isinstance(value, dict), question.name
        scope.locator(f'input[type=file][name="{path}"]').set_input_files(
            files=[FilePayload(name=value["name"], mimeType=value["mimeType"], buffer=value["buffer"])]
        )
        box = scope.locator(f'.question:has(input[type=file][name="{path}"])')
        expect(box.locator(".file-preview img")).to_have_count(1, timeout=20000)
    elif value == GPS:
        box = scope.locator(f'.question:has(input[name="{path}"])')
        box.locator("button[name=geodetect]").click()
        expect(box.locator("input[name=lat]")).not_to_have_value("", timeout=15000)
    elif question.itemset == "households":
        # The autocomplete widget: a text box over a datalist of labels; the label picked sets the value.
        box = scope.locator(f'.question:has(input[name="{path}"])')
        box.locator("input.autocomplete").fill(labels[value])
        box.locator("input.autocomplete").blur()
        expect(scope.locator(f'input[name="{path}"]')).to_have_value(value)
    elif question.control in {"select1", "select"}:
        for choice in [value] if isinstance(value, str) else value:
            scope.locator(
                f'input[data-name="{path}"][value="{choice}"], input[name="{path}"][value="{choice}"]'
            ).check()
    else:
        scope.locator(f'[name="{path}"]').fill(str(value))


def fill_enketo(page: Page, questions: list[Question], answers: Mapping[str, Any], labels: Mapping[str, str]) -> None:
    """Answer every question named in `answers`, in the form's order (so relevance opens what follows)."""
    repeats_done: set[str] = set()
    for question in questions:
        if question.repeat is None:
            if question.name in answers:
                _answer(page, page, question, answers[question.name], labels)
            continue
        repeat = question.repeat
        if repeat in repeats_done:
            continue
        repeats_done.add(repeat)
        instances = answers.get(repeat.rsplit("/", 1)[-1], [])
        for _ in range(len(instances) - 1):
            page.locator(f'.or-repeat-info[data-name="{repeat}"] .add-repeat-btn').click()
        copies = page.locator(f'.or-repeat[name="{repeat}"]')
        expect(copies).to_have_count(max(len(instances), 1))
        for index, instance in enumerate(instances):
            for inner in (q for q in questions if q.repeat == repeat and q.name in instance):
                _answer(page, copies.nth(index), inner, instance[inner.name], labels)
