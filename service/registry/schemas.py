from __future__ import annotations

import msgspec

from forms import Label


class FormSummary(msgspec.Struct):
    id: str
    version: str
    title: Label
    hash: str


class PublishWarning(msgspec.Struct):
    """Something of the upload that was ignored (an unknown column, a metadata row, a language without code)."""

    path: str
    code: str
    message_vi: str
    message_en: str


class PublishResult(msgspec.Struct):
    id: str
    # The version published: as given, or derived from the content ("auto-…") when the form gave none.
    version: str
    hash: str
    created: bool
    version_derived: bool = False
    warnings: list[PublishWarning] = []
