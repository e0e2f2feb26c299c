"""OpenRosa test helpers: instance XML the way Collect saves it (for answers given as the JSON API takes them),
and multipart bodies the way Collect posts them."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any
from xml.sax.saxutils import escape

import forms
from service.openrosa.xform import (
    END,
    HOUSEHOLD,
    NEW_ADDRESS,
    NEW_HEAD_NAME,
    NEW_HOUSEHOLD_GROUP,
    START,
    photo_field_names,
)
from tests.visits.support import FINISHED

NAMESPACES = (
    'xmlns:jr="http://openrosa.org/javarosa" xmlns:orx="http://openrosa.org/xforms" '
    'xmlns:odk="http://www.opendatakit.org/xforms"'
)


def _text(question: forms.Question, value: Any) -> str:
    if isinstance(question, forms.BooleanQuestion):
        return "yes" if value else "no"
    if isinstance(question, forms.SelectMultipleQuestion):
        return " ".join(value)
    if isinstance(question, forms.GeopointQuestion):
        return f"{value['lat']} {value['lon']} 0.0 {value.get('accuracy_m', 0.0)}"
    return str(value)


def _elements(questions: list[forms.Question], answers: dict[str, Any], photos: dict[str, list[str]]) -> str:
    out = []
    for question in questions:
        name = question.name
        if isinstance(question, forms.Group):
            out.append(f"<{name}>{_elements(question.questions, answers, photos)}</{name}>")
        elif isinstance(question, forms.RepeatGroup):
            for item in answers.get(name, []):
                out.append(f"<{name}>{_elements(question.questions, item, photos)}</{name}>")
        elif isinstance(question, forms.PhotoQuestion):
            files = photos.get(name, [])
            for index, field in enumerate(photo_field_names(question)):
                value = files[index] if index < len(files) else ""
                out.append(f"<{field}>{escape(value)}</{field}>" if value else f"<{field}/>")
        elif isinstance(question, forms.NoteQuestion):
            out.append(f"<{name}/>")
        elif name in answers and not isinstance(question, forms.CalculateQuestion):
            out.append(f"<{name}>{escape(_text(question, answers[name]))}</{name}>")
        else:
            out.append(f"<{name}/>")
    return "".join(out)


def instance_xml(
    definition: forms.FormDefinition,
    answers: dict[str, Any],
    *,
    household: uuid.UUID | str,
    instance_id: str | None = None,
    photos: dict[str, list[str]] | None = None,
    deprecated_id: str | None = None,
    started: datetime | None = None,
    finished: datetime = FINISHED,
    new_household: tuple[str, str] | None = None,
) -> bytes:
    """The instance Collect would save for these answers (element order as the generated XForm's)."""
    instance_id = instance_id or f"uuid:{uuid.uuid4()}"
    start = (started or finished).isoformat(timespec="milliseconds")
    head, address = new_household or ("", "")
    deprecated = f"<deprecatedID>{escape(deprecated_id)}</deprecatedID>" if deprecated_id else ""
    body = (
        f"<{START}>{start}</{START}><{END}>{finished.isoformat(timespec='milliseconds')}</{END}>"
        "<deviceid>collect:TESTDEVICE000001</deviceid><start_geopoint/>"
        f"<{HOUSEHOLD}>{household}</{HOUSEHOLD}>"
        f"<{NEW_HOUSEHOLD_GROUP}><{NEW_HEAD_NAME}>{escape(head)}</{NEW_HEAD_NAME}>"
        f"<{NEW_ADDRESS}>{escape(address)}</{NEW_ADDRESS}></{NEW_HOUSEHOLD_GROUP}>"
        + _elements(definition.questions, answers, photos or {})
        + f"<meta><instanceID>{instance_id}</instanceID>{deprecated}</meta>"
    )
    return (
        f"<?xml version='1.0' encoding='UTF-8' ?><data id=\"{definition.id}\" version=\"{definition.version}\" "
        f"{NAMESPACES}>{body}</data>"
    ).encode()


def collect_files(xml: bytes, files: list[tuple[str, bytes]], incomplete: bool = False) -> list[tuple[str, Any]]:
    """httpx `files=` for one Collect POST: the XML, the files (part name = file name), `*isIncomplete*`."""
    parts: list[tuple[str, Any]] = [("xml_submission_file", ("submission.xml", xml, "text/xml"))]
    parts.extend((name, (name, data, "image/jpeg")) for name, data in files)
    if incomplete:
        parts.append(("*isIncomplete*", (None, b"yes")))
    return parts
