from __future__ import annotations

import msgspec

from forms import Label


class FormSummary(msgspec.Struct):
    id: str
    version: str
    title: Label
    hash: str


class PublishResult(msgspec.Struct):
    id: str
    version: str
    hash: str
    created: bool
