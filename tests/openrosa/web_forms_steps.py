"""Filling a form in ODK Web Forms 0.22.0 the way a member does: by the labels shown, with clicks and typing.

Web Forms' DOM carries no node names, so each question is found by its label in the form's default language
(read from the same XForm bytes the page downloaded, see xform_questions.py). Answers are keyed by question
name, as the instance XML names them: a string, a list of choice values, `GPS` for "take the location", a
`FilePayload` for a photo, and for a repeat a list of such dicts.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from playwright.sync_api import FilePayload, Locator, Page, expect

from tests.openrosa.xform_questions import Question

GPS = "GPS"


def _container(page: Page, scope: Page | Locator, question: Question) -> Locator:
    label = re.compile(rf"^\s*{re.escape(question.label)}\s*$")
    found = scope.locator(".question-container").filter(
        has=page.locator("xpath=./div[contains(@class, 'control-text')]/label").filter(has_text=label)
    )
    expect(found).to_have_count(1)
    return found


def _answer(page: Page, scope: Page | Locator, question: Question, value: Any, labels: Mapping[str, str]) -> None:
    box = _container(page, scope, question)
    if question.control == "upload":
        assert isinstance(value, dict), question.name
        box.locator("input[type=file]").set_input_files(
            files=[FilePayload(name=value["name"], mimeType=value["mimeType"], buffer=value["buffer"])]
        )
        expect(box.locator("img")).to_have_count(1, timeout=20000)
    elif value == GPS:
        box.locator("button.get-location-button").click()
        # A dialog follows the fix's accuracy until the member keeps it.
        page.get_by_role("button", name="Save location").click()
        expect(box).to_contain_text(re.compile(r"\d+(\.\d+)?\s*m"), timeout=15000)
    elif question.itemset == "households":
        # The autocomplete: type part of the head's name, pick the option with the whole label.
        box.locator("input, [role=combobox]").first.click()
        page.keyboard.type(labels[value][:6])
        page.get_by_role("option", name=labels[value], exact=True).click()
        # The member sees the label as written (Web Forms renders labels as Markdown: "+ x" would be a list).
        expect(box.locator("[role=combobox]")).to_have_text(labels[value])
    elif question.control in {"select1", "select"}:
        for choice in [value] if isinstance(value, str) else value:
            box.locator(f"label.value-option:has(input[value='{choice}'])").click()
    elif question.datatype in {"int", "decimal"}:
        box.locator("input").press_sequentially(str(value))
    else:
        box.locator("input, textarea").first.fill(str(value))


def fill_web_form(
    page: Page, questions: list[Question], answers: Mapping[str, Any], household_labels: Mapping[str, str]
) -> None:
    """Answer every question named in `answers`, in the form's order (so relevance opens what follows)."""
    repeats_done: set[str] = set()
    for question in questions:
        if question.repeat is None:
            if question.name in answers:
                _answer(page, page, question, answers[question.name], household_labels)
            continue
        repeat = question.repeat
        if repeat in repeats_done:
            continue
        repeats_done.add(repeat)
        instances = answers.get(repeat.rsplit("/", 1)[-1], [])
        panels = page.locator(".p-panel.is-repeat")
        # The form opens with one instance; add one per further person.
        for _ in range(len(instances) - 1):
            page.locator("button.button-add-instance").first.click()
        expect(panels).to_have_count(max(len(instances), 1))
        for index, instance in enumerate(instances):
            for inner in (q for q in questions if q.repeat == repeat and q.name in instance):
                _answer(page, panels.nth(index), inner, instance[inner.name], household_labels)
