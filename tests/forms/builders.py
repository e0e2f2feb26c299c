"""Small helpers to write form definitions in tests."""

from __future__ import annotations

from typing import Any


def label(vi: str, en: str | None = None) -> dict[str, str]:
    return {"vi": vi, "en": en if en is not None else vi}


def question(kind: str, name: str, **fields: Any) -> dict[str, Any]:
    return {"type": kind, "name": name, "label": label(name), **fields}


def choices(*values: str) -> list[dict[str, Any]]:
    return [{"value": value, "label": label(value)} for value in values]


def form(*questions: dict[str, Any], **fields: Any) -> dict[str, Any]:
    return {
        "id": "test-form",
        "version": "1",
        "title": label("Mẫu thử", "Test form"),
        "questions": list(questions),
        **fields,
    }
