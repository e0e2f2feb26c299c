"""A submitted instance → the answers, times, GPS fix, household and photo file names of a visit.

The form definition says what each element is: answers come out flat by question name (groups descended into),
repeats as lists of objects, as the JSON visit path takes them. Calculations are the server's (recomputed), notes
carry nothing, photos are file names (the slots are filled from the file parts). A value the client wrote in a
shape the definition does not expect is passed on as text: the server's checks then flag it, nothing is refused.
"""

from __future__ import annotations

import uuid
import xml.etree.ElementTree as ElementTree
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import forms
from service.openrosa.instance import Instance, child, children, local, text_of
from service.openrosa.xform import (
    DEVICE_ID,
    END,
    HOUSEHOLD,
    NEW_ADDRESS,
    NEW_HEAD_NAME,
    NEW_HOUSEHOLD_CHOICE,
    NEW_HOUSEHOLD_GROUP,
    START,
    START_GEOPOINT,
    photo_field_names,
)

# A household created in the field gets an id derived from the submission, so a retry finds the same household.
NEW_HOUSEHOLD_NAMESPACE = uuid.UUID("0c7d8f61-5a3e-4f0b-9a53-7e2f5d8b6c14")


@dataclass
class Mapped:
    answers: dict[str, Any] = field(default_factory=dict)
    # (question, slot index) → the file name the instance names for it
    files: dict[tuple[str, int], str] = field(default_factory=dict)
    started_at: datetime | None = None
    finished_at: datetime | None = None
    geopoint: dict[str, float] | None = None
    household: str | None = None
    new_head_name: str | None = None
    new_address: str | None = None
    device_id: str | None = None


def parse_time(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def parse_geopoint(value: str | None) -> dict[str, float] | None:
    """ "lat lon alt acc" (alt and acc optional) → {"lat", "lon", "accuracy_m"?}; None when not a point."""
    if not value:
        return None
    parts = value.split()
    try:
        numbers = [float(p) for p in parts]
    except ValueError:
        return None
    if len(numbers) < 2:
        return None
    point = {"lat": numbers[0], "lon": numbers[1]}
    if len(numbers) >= 4:
        point["accuracy_m"] = numbers[3]
    return point


def _number(text: str, integral: bool) -> Any:
    try:
        if integral:
            return int(text)
        number = float(text)
    except ValueError:
        return text
    return int(number) if number.is_integer() and "." not in text and "e" not in text.lower() else number


def _value(question: forms.Question, text: str) -> Any:
    if isinstance(question, forms.IntegerQuestion):
        return _number(text, True)
    if isinstance(question, (forms.DecimalQuestion, forms.RangeQuestion)):
        return _number(text, False)
    if isinstance(question, forms.BooleanQuestion):
        return {"yes": True, "no": False, "true": True, "false": False, "1": True, "0": False}.get(text, text)
    if isinstance(question, forms.SelectMultipleQuestion):
        return text.split()
    if isinstance(question, forms.GeopointQuestion):
        return parse_geopoint(text) or text
    return text


def _answers(
    questions: list[forms.Question], element: ElementTree.Element, into: dict[str, Any], mapped: Mapped
) -> None:
    for question in questions:
        if isinstance(question, forms.Group):
            group = child(element, question.name)
            if group is not None:
                _answers(question.questions, group, into, mapped)
        elif isinstance(question, forms.RepeatGroup):
            items = []
            for instance in children(element, question.name):
                if any(local(name) == "template" for name in instance.attrib):
                    continue  # jr:template: the blank copy some clients leave in
                item: dict[str, Any] = {}
                _answers(question.questions, instance, item, mapped)
                if item:  # an instance with nothing answered is the blank one JavaRosa keeps when none was added
                    items.append(item)
            if items:
                into[question.name] = items
        elif isinstance(question, forms.PhotoQuestion):
            for index, name in enumerate(photo_field_names(question)):
                filename = text_of(child(element, name))
                if filename:
                    mapped.files[(question.name, index)] = filename
        elif isinstance(question, (forms.CalculateQuestion, forms.NoteQuestion)):
            continue
        else:
            text = text_of(child(element, question.name))
            if text is not None:
                into[question.name] = _value(question, text)


def _first_geopoint(questions: list[forms.Question], answers: dict[str, Any]) -> dict[str, float] | None:
    for question in questions:
        if isinstance(question, forms.Group):
            found = _first_geopoint(question.questions, answers)
            if found:
                return found
        elif isinstance(question, forms.GeopointQuestion):
            value = answers.get(question.name)
            if isinstance(value, dict):
                return value
    return None


def map_instance(definition: forms.FormDefinition, instance: Instance) -> Mapped:
    root = instance.root
    mapped = Mapped()
    _answers(definition.questions, root, mapped.answers, mapped)
    mapped.started_at = parse_time(text_of(child(root, START)))
    mapped.finished_at = parse_time(text_of(child(root, END)))
    mapped.device_id = text_of(child(root, DEVICE_ID))
    # The visit's fix: the form's own geopoint (taken at the door), else where the form was opened.
    mapped.geopoint = _first_geopoint(definition.questions, mapped.answers) or parse_geopoint(
        text_of(child(root, START_GEOPOINT))
    )
    mapped.household = text_of(child(root, HOUSEHOLD))
    group = child(root, NEW_HOUSEHOLD_GROUP)
    if mapped.household == NEW_HOUSEHOLD_CHOICE and group is not None:
        mapped.new_head_name = text_of(child(group, NEW_HEAD_NAME))
        mapped.new_address = text_of(child(group, NEW_ADDRESS))
    return mapped


def new_household_id(form_id: str, instance_id: str) -> uuid.UUID:
    return uuid.uuid5(NEW_HOUSEHOLD_NAMESPACE, f"{form_id}\n{instance_id}")
