"""Load a form definition, checking all of it; stable JSON and hash for storage."""

from __future__ import annotations

import hashlib
from typing import Any

import msgspec

from forms.checks import Checker
from forms.checks_base import get
from forms.checks_rubric import check_rubric
from forms.decode import decode_error, decode_pieces
from forms.errors import FormDefinitionError, FormError
from forms.labels import fill_phone_languages
from forms.spec import FormDefinition

DERIVED_VERSION_PREFIX = "auto-"


def load_definition(data: bytes | str | dict[str, Any]) -> FormDefinition:
    """Decode and check a definition; raises ``FormDefinitionError`` listing every problem."""
    raw = _to_python(data)
    errors: list[FormError] = []
    form: Any
    try:
        form = definition = msgspec.convert(raw, FormDefinition)
    except msgspec.ValidationError as error:
        form, errors = decode_pieces(raw)
        definition = None
        if not errors:  # the piece-by-piece pass should always find it; never lose the message
            errors = [decode_error("", str(error))]
    checker = Checker()
    checker.check_form(form)
    check_rubric(checker, get(form, "rubric"))
    errors.extend(checker.errors)
    if errors or definition is None:
        raise FormDefinitionError(errors)
    fill_phone_languages(definition)
    if not definition.version:
        definition = msgspec.structs.replace(definition, version=derived_version(definition))
    return definition


def derived_version(definition: FormDefinition) -> str:
    """A version named after the content (as pyxform / ODK Central do when none is given): the same
    content always gives the same version, changed content a new one."""
    unversioned = msgspec.structs.replace(definition, version="")
    return DERIVED_VERSION_PREFIX + hashlib.sha256(canonical_json(unversioned)).hexdigest()[:12]


def _to_python(data: bytes | str | dict[str, Any]) -> dict[str, Any]:
    if isinstance(data, (bytes, bytearray, memoryview, str)):
        try:
            data = msgspec.json.decode(data)
        except msgspec.DecodeError as error:
            raise FormDefinitionError(
                [
                    FormError(
                        path="",
                        code="form.invalid_json",
                        message_vi=f"Tệp không phải JSON hợp lệ: {error}.",
                        message_en=f"Not valid JSON: {error}.",
                    ),
                ]
            ) from None
    if not isinstance(data, dict):
        raise FormDefinitionError(
            [
                FormError(
                    path="",
                    code="form.invalid_structure",
                    message_vi="Mẫu phiếu phải là một đối tượng JSON.",
                    message_en="A form definition must be a JSON object.",
                ),
            ]
        )
    return data


def canonical_json(definition: FormDefinition) -> bytes:
    """Deterministic JSON: keys sorted, defaults written out, so equal forms give equal bytes."""
    return msgspec.json.encode(definition, order="sorted")


def content_hash(definition: FormDefinition) -> str:
    """sha256 hex of ``canonical_json``: identifies a definition's exact content."""
    return hashlib.sha256(canonical_json(definition)).hexdigest()
