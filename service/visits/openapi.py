"""OpenAPI for the visit submission, which reads its body itself (JSON or multipart, photos as raw bytes), so
Litestar cannot infer the request body: it is described here from the same msgspec Structs the code decodes."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any

import msgspec
from litestar.openapi.spec import OpenAPIFormat, OpenAPIMediaType, OpenAPIType, Operation, RequestBody, Schema

from service.visits.schemas import VisitSubmission

_KEYS = {
    "anyOf": "any_of",
    "oneOf": "one_of",
    "allOf": "all_of",
    "additionalProperties": "additional_properties",
    "minLength": "min_length",
    "maxLength": "max_length",
    "minItems": "min_items",
    "maxItems": "max_items",
    "exclusiveMinimum": "exclusive_minimum",
    "exclusiveMaximum": "exclusive_maximum",
}
_PASS = {"type", "format", "description", "title", "enum", "minimum", "maximum", "default", "required", "pattern"}


def _schema(node: dict[str, Any], defs: dict[str, Any]) -> Schema:
    """A JSON Schema dict (as msgspec writes it) as Litestar's Schema, with `$ref`s inlined."""
    if "$ref" in node:
        return _schema(defs[node["$ref"].rsplit("/", 1)[-1]], defs)
    values: dict[str, Any] = {}
    for key, value in node.items():
        if key == "type":
            values["type"] = OpenAPIType(value)
        elif key == "properties":
            values["properties"] = {name: _schema(child, defs) for name, child in value.items()}
        elif key == "items":
            values["items"] = _schema(value, defs)
        elif key in ("anyOf", "oneOf", "allOf"):
            values[_KEYS[key]] = [_schema(child, defs) for child in value]
        elif key == "additionalProperties" and isinstance(value, dict):
            values["additional_properties"] = _schema(value, defs)
        elif key in _KEYS:
            values[_KEYS[key]] = value
        elif key in _PASS:
            values[key] = value
    return Schema(**values)


@cache
def submission_schema() -> Schema:
    document = msgspec.json.schema(VisitSubmission)
    return _schema(document, document.get("$defs", {}))


def _multipart_schema() -> Schema:
    return Schema(
        type=OpenAPIType.OBJECT,
        required=["visit"],
        properties={
            "visit": Schema(
                type=OpenAPIType.STRING,
                content_media_type="application/json",
                description="The visit JSON (same shape as the application/json body).",
            ),
        },
        additional_properties=Schema(
            type=OpenAPIType.STRING,
            format=OpenAPIFormat.BINARY,
            description="One file part per photo, named by its photo question: `name` (next free slot) or "
            "`name[i]` (slot i). JPEG, PNG or WebP; a part must carry a filename. The file of an audio, video or "
            "file question is one part named by the question, whose answer is the file's name (docs/forms.md).",
        ),
    )


@dataclass
class SubmitVisitOperation(Operation):
    """The POST /api/v1/visits operation with both request body encodings documented."""

    def __post_init__(self) -> None:
        self.request_body = RequestBody(
            required=True,
            description="A visit as JSON (photos and files sent later with PUT), or as multipart/form-data with "
            "its photos and files.",
            content={
                "application/json": OpenAPIMediaType(schema=submission_schema()),
                "multipart/form-data": OpenAPIMediaType(schema=_multipart_schema()),
            },
        )


@dataclass
class PutPhotoOperation(Operation):
    def __post_init__(self) -> None:
        binary = OpenAPIMediaType(schema=Schema(type=OpenAPIType.STRING, format=OpenAPIFormat.BINARY))
        self.request_body = RequestBody(
            required=True,
            description="The image bytes (JPEG, PNG or WebP).",
            content={"image/jpeg": binary, "image/png": binary, "image/webp": binary},
        )
