"""Form definitions as admins write them: msgspec Structs, strict about unknown fields.

Definitions are admin input, so every Struct forbids unknown fields (a typo such as
``"requried"`` must be reported, not silently ignored). Structs are frozen because a
loaded definition is compiled once and cached by identity (see ``forms.compiled``).
"""

from __future__ import annotations

from typing import Annotated

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
    fields repeat it. Subclasses also repeat ``frozen=True``: msgspec inherits it at run time,
    but type checkers read each class's own keywords (``dataclass_transform``).
    """


# A text shown to people: language code → text, e.g. {"vi": "Hộ có mấy người?", "en": "How many people?"}.
# Vietnamese is required; any other language may be added. Loading fills "en" from the form's default
# language when it is missing, so phones that read only .vi/.en keep working (see forms.labels).
Label = dict[str, str]
# Fields added after the first release default to UNSET, which msgspec leaves out of the JSON: a stored
# definition that does not use them keeps exactly the canonical bytes (and content hash) it had.
UNSET = msgspec.UNSET
Unset = msgspec.UnsetType
AnswerValue = str | int | float | bool | list[str]


class Choice(Base, frozen=True):
    value: str
    label: Label
    # Extra columns of the choices sheet (e.g. the province a district belongs to), read by choice_filter.
    columns: dict[str, str] | Unset = UNSET


class QuestionBase(Base, tag_field="type", frozen=True):
    name: str
    label: Label
    hint: Label | None = None
    required: bool = False
    relevant: str | None = None
    constraint: str | None = None
    constraint_message: Label | None = None
    # What the phone fills in before the member answers (XLSForm `default`).
    default: AnswerValue | Unset = UNSET
    # Shown but not editable on the phone; the server then accepts only the default (or no answer).
    read_only: bool | Unset = UNSET
    # Required only when this expression holds (XLSForm's `required` written as a condition); `required`
    # stays a plain bool, as phones already read it.
    required_if: str | Unset = UNSET


class TextQuestion(QuestionBase, tag="text", frozen=True):
    max_length: PositiveInt = DEFAULT_TEXT_MAX_LENGTH


class IntegerQuestion(QuestionBase, tag="integer", frozen=True):
    min: int | None = None
    max: int | None = None


class DecimalQuestion(QuestionBase, tag="decimal", frozen=True):
    min: float | None = None
    max: float | None = None


class SelectOneQuestion(QuestionBase, tag="select_one", kw_only=True, frozen=True):
    choices: list[Choice]
    # Which choices are offered: bare names are the choice's columns (`name` is its value), ${q} answers.
    choice_filter: str | Unset = UNSET
    # XLSForm select_one_from_file: the choices are the rows of this CSV media file of the form version (value
    # and label columns below), read when the file is uploaded; `choices` is then empty in the definition.
    choices_file: str | Unset = UNSET
    choices_file_value: str | Unset = UNSET  # default "name"
    choices_file_label: str | Unset = UNSET  # default "label"
    # The same value may appear twice (a choice_filter offers one of them; XLSForm's allow_choice_duplicates).
    allow_choice_duplicates: bool | Unset = UNSET


class SelectMultipleQuestion(QuestionBase, tag="select_multiple", kw_only=True, frozen=True):
    choices: list[Choice]
    choice_filter: str | Unset = UNSET
    choices_file: str | Unset = UNSET
    choices_file_value: str | Unset = UNSET
    choices_file_label: str | Unset = UNSET
    allow_choice_duplicates: bool | Unset = UNSET


class BooleanQuestion(QuestionBase, tag="boolean", frozen=True):
    pass


class DateQuestion(QuestionBase, tag="date", frozen=True):
    pass


class TimeQuestion(QuestionBase, tag="time", frozen=True):
    """Answered as "HH:MM", "HH:MM:SS" or "HH:MM:SS.sss+07:00" (ODK Collect's shape)."""


class DateTimeQuestion(QuestionBase, tag="datetime", frozen=True):
    """Answered as ISO 8601, e.g. "2024-05-01T14:30:00.000+07:00"."""


class RangeQuestion(QuestionBase, tag="range", kw_only=True, frozen=True):
    """A number on a slider from start to end in steps of step (ODK's `range`)."""

    start: float
    end: float
    step: PositiveFloat = 1.0


class GeopointQuestion(QuestionBase, tag="geopoint", frozen=True):
    accuracy_threshold_m: PositiveFloat = DEFAULT_GEOPOINT_ACCURACY_M


class PhotoQuestion(QuestionBase, tag="photo", frozen=True):
    # None means "not given": it becomes 1 for a required photo, else 0.
    min_count: NonNegativeInt | None = None
    max_count: PositiveInt = DEFAULT_PHOTO_MAX_COUNT
    max_pixels: PositiveInt = DEFAULT_PHOTO_MAX_PIXELS
    max_bytes: PositiveInt = DEFAULT_PHOTO_MAX_BYTES

    def __post_init__(self) -> None:
        if self.min_count is None:
            msgspec.structs.force_setattr(self, "min_count", 1 if self.required else 0)


# Questions answered with a file other than a photo (XLSForm audio, video, file). The answer is the file's name, as
# ODK writes it; the bytes travel as a file part named after the question and are stored as they came (no
# derivatives, never shown inline). Size and type limits are the server's settings (docs/forms.md).
ATTACHMENT_KINDS = ("audio", "video", "file")


class AudioQuestion(QuestionBase, tag="audio", frozen=True):
    """A recording, answered with the file's name; the file is sent beside the answers."""


class VideoQuestion(QuestionBase, tag="video", frozen=True):
    """A video, answered with the file's name; the file is sent beside the answers."""


class FileQuestion(QuestionBase, tag="file", frozen=True):
    """A document (PDF, spreadsheet, …), answered with the file's name; the file is sent beside the answers."""


AttachmentQuestion = AudioQuestion | VideoQuestion | FileQuestion


class NoteQuestion(QuestionBase, tag="note", frozen=True):
    """Text shown to the team member; never answered."""


# XLSForm metadata types the phone fills by itself; their answers are kept with the visit.
METADATA_KINDS = (
    "start",
    "end",
    "today",
    "deviceid",
    "uri:deviceid",
    "username",
    "uri:username",
    "phonenumber",
    "email",
    "uri:email",
    "simserial",
    "subscriberid",
    "audit",
    "start-geopoint",
)
METADATA_MAX_LENGTH = 2_000


class MetadataQuestion(QuestionBase, tag="metadata", kw_only=True, frozen=True):
    """Filled by the phone, never shown (XLSForm start, end, today, deviceid, username, …); kept as text."""

    metadata: str


class CalculateQuestion(Base, tag="calculate", tag_field="type", kw_only=True, frozen=True):
    """A value the server computes from earlier answers and stores with the visit (never asked)."""

    name: str
    calculation: str
    label: Label | Unset = UNSET
    relevant: str | None = None
    # Phones recompute only when these questions change (XLSForm `trigger`); the server always computes.
    trigger: list[str] | Unset = UNSET


class Group(Base, tag="group", tag_field="type", kw_only=True, frozen=True):
    name: str
    label: Label
    hint: Label | None = None
    relevant: str | None = None
    questions: list[Question]


class RepeatGroup(Base, tag="repeat", tag_field="type", kw_only=True, frozen=True):
    """Questions asked once per instance (e.g. per person); answered as a list of objects by question name."""

    name: str
    label: Label
    hint: Label | None = None
    relevant: str | None = None
    # How many instances there must be: an expression or a number written as text (XLSForm `repeat_count`).
    repeat_count: str | None = None
    questions: list[Question]


Question = (
    TextQuestion
    | IntegerQuestion
    | DecimalQuestion
    | SelectOneQuestion
    | SelectMultipleQuestion
    | BooleanQuestion
    | DateQuestion
    | TimeQuestion
    | DateTimeQuestion
    | RangeQuestion
    | GeopointQuestion
    | PhotoQuestion
    | AudioQuestion
    | VideoQuestion
    | FileQuestion
    | NoteQuestion
    | MetadataQuestion
    | CalculateQuestion
    | Group
    | RepeatGroup
)


class Indicator(Base, frozen=True):
    """A yes/no fact about a household, computed from answers (condition names questions)."""

    name: str
    label: Label
    condition: str


class Level(Base, frozen=True):
    """A skill level; its condition names indicators."""

    value: int
    name: Label
    condition: str


class Rubric(Base, frozen=True):
    indicators: list[Indicator]
    # Ordered lowest → highest; a household's level is the highest one whose condition holds.
    levels: list[Level]


class FormDefinition(Base, kw_only=True, frozen=True):
    id: str
    # Optional on input: when empty, loading derives one from the content (see forms.load).
    version: str = ""
    title: Label
    description: Label | None = None
    default_language: str = "vi"
    questions: list[Question]
    rubric: Rubric | None = None


def question_type(question: Question) -> str:
    """The wire tag of a question (``"text"``, ``"group"``, …)."""
    tag = type(question).__struct_config__.tag
    if not isinstance(tag, str):  # msgspec also allows int tags; every question class declares a str one
        raise TypeError(f"{type(question).__name__} has no text tag")
    return tag
