"""Form definitions as admins write them: msgspec Structs, strict about unknown fields.

Definitions are admin input, so every Struct forbids unknown fields (a typo such as
``"requried"`` must be reported, not silently ignored). Structs are frozen because a
loaded definition is compiled once and cached by identity (see ``forms.compiled``).
"""

from __future__ import annotations

from typing import Annotated, Literal

import msgspec

PositiveInt = Annotated[int, msgspec.Meta(ge=1)]
NonNegativeInt = Annotated[int, msgspec.Meta(ge=0)]
PositiveFloat = Annotated[float, msgspec.Meta(gt=0)]

DEFAULT_TEXT_MAX_LENGTH = 500
DEFAULT_PHOTO_MAX_COUNT = 1
# Phones downscale photos to about this many pixels (≈1460×1095) before upload:
# enough to read a certificate on screen, small enough for weak village networks.
DEFAULT_PHOTO_MAX_PIXELS = 1_600_000
DEFAULT_PHOTO_MAX_BYTES = 15 * 1024 * 1024
DEFAULT_GEOPOINT_ACCURACY_M = 50.0


class Base(msgspec.Struct, forbid_unknown_fields=True, frozen=True, kw_only=True):
    """Common config for every wire type of the forms package.

    msgspec applies ``kw_only`` per class, so subclasses mixing required and optional
    fields repeat it.
    """


class Label(Base):
    """A text shown to people, Vietnamese first."""

    vi: str
    en: str


class Choice(Base):
    value: str
    label: Label


class QuestionBase(Base, tag_field="type"):
    name: str
    label: Label
    hint: Label | None = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Label | None = None


class TextQuestion(QuestionBase, tag="text"):
    max_length: PositiveInt = DEFAULT_TEXT_MAX_LENGTH


class IntegerQuestion(QuestionBase, tag="integer"):
    min: int | None = None
    max: int | None = None


class DecimalQuestion(QuestionBase, tag="decimal"):
    min: float | None = None
    max: float | None = None


class SelectOneQuestion(QuestionBase, tag="select_one", kw_only=True):
    choices: list[Choice]


class SelectMultipleQuestion(QuestionBase, tag="select_multiple", kw_only=True):
    choices: list[Choice]


class BooleanQuestion(QuestionBase, tag="boolean"):
    pass


class DateQuestion(QuestionBase, tag="date"):
    pass


class GeopointQuestion(QuestionBase, tag="geopoint"):
    accuracy_threshold_m: PositiveFloat = DEFAULT_GEOPOINT_ACCURACY_M


class PhotoQuestion(QuestionBase, tag="photo"):
    # None means "not given": it becomes 1 for a required photo, else 0.
    min_count: NonNegativeInt | None = None
    max_count: PositiveInt = DEFAULT_PHOTO_MAX_COUNT
    max_pixels: PositiveInt = DEFAULT_PHOTO_MAX_PIXELS
    max_bytes: PositiveInt = DEFAULT_PHOTO_MAX_BYTES

    def __post_init__(self) -> None:
        if self.min_count is None:
            msgspec.structs.force_setattr(self, "min_count", 1 if self.required else 0)


class NoteQuestion(QuestionBase, tag="note"):
    """Text shown to the team member; never answered."""


class Group(Base, tag="group", tag_field="type", kw_only=True):
    name: str
    label: Label
    hint: Label | None = None
    relevant: str | None = None
    questions: list[Question]


Question = (
    TextQuestion
    | IntegerQuestion
    | DecimalQuestion
    | SelectOneQuestion
    | SelectMultipleQuestion
    | BooleanQuestion
    | DateQuestion
    | GeopointQuestion
    | PhotoQuestion
    | NoteQuestion
    | Group
)


class Indicator(Base):
    """A yes/no fact about a household, computed from answers (condition names questions)."""

    name: str
    label: Label
    condition: str


class Level(Base):
    """A skill level; its condition names indicators."""

    value: int
    name: Label
    condition: str


class Rubric(Base):
    indicators: list[Indicator]
    # Ordered lowest → highest; a household's level is the highest one whose condition holds.
    levels: list[Level]


class FormDefinition(Base, kw_only=True):
    id: str
    version: str
    title: Label
    description: Label | None = None
    default_language: Literal["vi", "en"] = "vi"
    questions: list[Question]
    rubric: Rubric | None = None


def question_type(question: Question) -> str:
    """The wire tag of a question (``"text"``, ``"group"``, …)."""
    return type(question).__struct_config__.tag  # type: ignore[return-value]
