"""Wire shape of each answer kind, and the per-kind checks (type, choices, bounds).

Each check returns None when the value is fine, else a Problem (code + both messages).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from collections.abc import Callable
from typing import Any, NamedTuple, Protocol, TypeGuard

from forms.expr_values import to_string
from forms.spec import METADATA_MAX_LENGTH, DecimalQuestion, IntegerQuestion, Question, RangeQuestion, TextQuestion

# Integers beyond this lose precision in JavaScript and in float columns.
MAX_SAFE_INTEGER = 2**53 - 1
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
# ODK Collect sends times as 14:30:00.000+07:00; people and other apps write 14:30 or 14:30:00.
_TIME = re.compile(
    r"(?P<h>[01][0-9]|2[0-3]):(?P<m>[0-5][0-9])(?::[0-5][0-9](?:\.[0-9]{1,6})?)?"
    r"(?:Z|[+-](?:[01][0-9]|2[0-3]):?[0-5][0-9])?"
)
_DATETIME = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}T(?P<time>.+)")
# Range answers must sit on a step from start; this much floating-point slack is allowed.
_STEP_TOLERANCE = 1e-9
_GEOPOINT_KEYS = frozenset({"lat", "lon", "accuracy_m"})


class Problem(NamedTuple):
    code: str
    message_vi: str
    message_en: str


def is_blank(value: Any) -> bool:
    """No answer: missing, null, empty or blank text, or an empty selection."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, list) and not value


class AnswerTarget(Protocol):
    """What an answer check reads of a question: a CompiledQuestion, or a stand-in when checking a default."""

    @property
    def question(self) -> Question: ...

    @property
    def choices(self) -> frozenset[str] | None: ...  # the choice values of a select question, else None


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _bounds(low: float | None, high: float | None, value: float) -> Problem | None:
    if low is not None and value < low:
        shown = to_string(low)
        return Problem("answer.below_min", f"Giá trị phải từ {shown} trở lên.", f"The value must be at least {shown}.")
    if high is not None and value > high:
        shown = to_string(high)
        return Problem(
            "answer.above_max", f"Giá trị không được lớn hơn {shown}.", f"The value must be at most {shown}."
        )
    return None


def _text(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần nhập chữ.", "Expected text.")
    assert isinstance(item.question, TextQuestion)
    limit = item.question.max_length
    if len(value) > limit:
        return Problem("answer.too_long", f"Dài quá {limit} ký tự.", f"Longer than {limit} characters.")
    return None


def _integer(item: AnswerTarget, value: Any) -> Problem | None:
    # bool is an int subclass in Python and 3.0 is a float: neither is an integer answer.
    if not isinstance(value, int) or isinstance(value, bool):
        return Problem("answer.wrong_type", "Cần một số nguyên.", "Expected a whole number.")
    if abs(value) > MAX_SAFE_INTEGER:
        return Problem("answer.out_of_range", "Số quá lớn.", "The number is too large.")
    assert isinstance(item.question, IntegerQuestion)
    return _bounds(item.question.min, item.question.max, value)


def _decimal(item: AnswerTarget, value: Any) -> Problem | None:
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return Problem("answer.wrong_type", "Cần một số.", "Expected a number.")
    if abs(value) > MAX_SAFE_INTEGER:
        return Problem("answer.out_of_range", "Số quá lớn.", "The number is too large.")
    assert isinstance(item.question, DecimalQuestion)
    return _bounds(item.question.min, item.question.max, value)


def _unknown_choices(item: AnswerTarget, values: list[str]) -> Problem | None:
    assert item.choices is not None
    unknown = [value for value in values if value not in item.choices]
    if unknown:
        shown = ", ".join(repr(value) for value in unknown[:5])
        return Problem(
            "answer.unknown_choice",
            f"Phương án không có trong câu hỏi: {shown}.",
            f"Not a choice of this question: {shown}.",
        )
    return None


def _select_one(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần chọn một phương án.", "Expected one choice value (text).")
    return _unknown_choices(item, [value])


def _select_multiple(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, list) or not all(isinstance(element, str) for element in value):
        return Problem("answer.wrong_type", "Cần danh sách các phương án đã chọn.", "Expected a list of choice values.")
    if len(set(value)) != len(value):
        return Problem("answer.duplicate_choice", "Một phương án được chọn hai lần.", "A choice is selected twice.")
    return _unknown_choices(item, value)


def _boolean(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, bool):
        return Problem("answer.wrong_type", "Cần trả lời Có hoặc Không.", "Expected true or false.")
    return None


def _date(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần một ngày dạng NNNN-TT-NN.", "Expected a date as YYYY-MM-DD.")
    if _DATE.fullmatch(value):
        try:
            dt.date.fromisoformat(value)
            return None
        except ValueError:
            pass
    return Problem(
        "answer.invalid_date", "Ngày không hợp lệ (cần dạng NNNN-TT-NN).", "Not a valid date (expected YYYY-MM-DD)."
    )


def _finite(value: Any) -> TypeGuard[float]:
    return _is_number(value) and math.isfinite(value)


def _geopoint(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, dict):
        return Problem("answer.wrong_type", "Cần một vị trí GPS.", "Expected a location {lat, lon, accuracy_m}.")
    lat, lon, accuracy = value.get("lat"), value.get("lon"), value.get("accuracy_m")
    valid = (
        set(value) <= _GEOPOINT_KEYS
        and _finite(lat)
        and -90 <= lat <= 90
        and _finite(lon)
        and -180 <= lon <= 180
        and (accuracy is None or (_finite(accuracy) and accuracy >= 0))
    )
    if not valid:
        return Problem(
            "answer.invalid_geopoint",
            "Vị trí GPS không hợp lệ.",
            "Invalid location: lat −90…90, lon −180…180, accuracy_m ≥ 0, no other keys.",
        )
    return None


def _time(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần một giờ dạng GG:PP.", "Expected a time as HH:MM.")
    if _TIME.fullmatch(value):
        return None
    return Problem(
        "answer.invalid_time",
        "Giờ không hợp lệ (cần dạng GG:PP hoặc GG:PP:GG).",
        "Not a valid time (expected HH:MM or HH:MM:SS, optionally with a UTC offset).",
    )


def _datetime(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem(
            "answer.wrong_type", "Cần ngày giờ dạng NNNN-TT-NNTGG:PP.", "Expected a date and time as YYYY-MM-DDTHH:MM."
        )
    match = _DATETIME.fullmatch(value)
    if match and _TIME.fullmatch(match["time"]):
        try:
            dt.date.fromisoformat(value[:10])
            return None
        except ValueError:
            pass
    return Problem(
        "answer.invalid_datetime",
        "Ngày giờ không hợp lệ (cần dạng NNNN-TT-NNTGG:PP).",
        "Not a valid date and time (expected YYYY-MM-DDTHH:MM[:SS][+07:00]).",
    )


def _range(item: AnswerTarget, value: Any) -> Problem | None:
    if not _is_number(value) or (isinstance(value, float) and not math.isfinite(value)):
        return Problem("answer.wrong_type", "Cần một số.", "Expected a number.")
    question = item.question
    assert isinstance(question, RangeQuestion)
    low, high = min(question.start, question.end), max(question.start, question.end)
    problem = _bounds(low, high, value)
    if problem is not None:
        return problem
    steps = (value - question.start) / question.step
    if abs(steps - round(steps)) > _STEP_TOLERANCE * max(1.0, abs(steps)):
        shown = to_string(question.step)
        return Problem(
            "answer.off_step",
            f"Giá trị phải theo bước {shown} tính từ {to_string(question.start)}.",
            f"The value must be a step of {shown} from {to_string(question.start)}.",
        )
    return None


def _metadata(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần chữ.", "Expected text.")
    if len(value) > METADATA_MAX_LENGTH:
        return Problem(
            "answer.too_long", f"Dài quá {METADATA_MAX_LENGTH} ký tự.", f"Longer than {METADATA_MAX_LENGTH} characters."
        )
    return None


# An audio/video/file answer: the file's name as the phone wrote it (no folders, no control characters).
ATTACHMENT_NAME_MAX_LENGTH = 255
_ATTACHMENT_NAME = re.compile(r"[^/\\\x00-\x1f\x7f]+")


def _attachment(item: AnswerTarget, value: Any) -> Problem | None:
    if not isinstance(value, str):
        return Problem("answer.wrong_type", "Cần tên tệp.", "Expected a file name.")
    if len(value) > ATTACHMENT_NAME_MAX_LENGTH or value.strip() in (".", "..") or not _ATTACHMENT_NAME.fullmatch(value):
        return Problem(
            "answer.bad_file_name",
            f"Tên tệp không hợp lệ (tối đa {ATTACHMENT_NAME_MAX_LENGTH} ký tự, không chứa / hay \\).",
            f"Not a valid file name (at most {ATTACHMENT_NAME_MAX_LENGTH} characters, no / or \\).",
        )
    return None


CHECKS: dict[str, Callable[[AnswerTarget, Any], Problem | None]] = {
    "text": _text,
    "integer": _integer,
    "decimal": _decimal,
    "select_one": _select_one,
    "select_multiple": _select_multiple,
    "boolean": _boolean,
    "date": _date,
    "time": _time,
    "datetime": _datetime,
    "range": _range,
    "geopoint": _geopoint,
    "metadata": _metadata,
    "audio": _attachment,
    "video": _attachment,
    "file": _attachment,
}
# Kinds whose answer may be given a default.
DEFAULTABLE = frozenset(CHECKS) - {"geopoint", "metadata", "audio", "video", "file"}


class _DefaultTarget(NamedTuple):
    question: Any
    choices: frozenset[str] | None


def default_problem(kind: str, question: Any, default: Any) -> tuple[str, str] | None:
    """Why ``default`` cannot be the answer of this question (vi, en), or None when it can."""
    if kind not in DEFAULTABLE:
        return (f"Loại câu hỏi {kind} không có giá trị mặc định.", f"A {kind} question cannot have a default.")
    choices = getattr(question, "choices", None)
    values = None
    if isinstance(choices, list):
        values = frozenset(value for choice in choices if isinstance(value := getattr(choice, "value", None), str))
    try:
        problem = CHECKS[kind](_DefaultTarget(question, values), default)
    except (AssertionError, AttributeError, TypeError):
        return None  # a part of the question failed to decode; that error is reported on its own
    if problem is None:
        return None
    return (
        f"Giá trị mặc định không hợp lệ: {problem.message_vi}",
        f"The default is not a valid answer: {problem.message_en}",
    )
