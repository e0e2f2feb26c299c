"""An OpenRosa submission as a visit, checked, before anything is written (no database here).

The answers are checked like any visit's, but a finalized form is never refused for its content: the problems
become the `form.answers_invalid` flag and are kept with the submission (service/openrosa/submissions.py).
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

import msgspec
from sqlalchemy import Table

import forms
from service import errors
from service.auth.actor import Actor
from service.db.engine import utcnow
from service.db.tables import table_of
from service.openrosa.instance import Instance
from service.openrosa.mapping import Mapped
from service.openrosa.models import OpenRosaSubmission
from service.openrosa.multipart import Submission
from service.visits.answers import Evaluation, evaluate
from service.visits.evidence_rules import FORM_ANSWERS_INVALID, Fix, Flag
from service.visits.schemas import AppInfo, DeviceLocation, VisitSubmission
from service.visits.services import _time_problems

SUBMISSIONS = table_of(OpenRosaSubmission)


@dataclass(frozen=True, slots=True)
class Client:
    """Who sent it and with what: the member, Collect's `?deviceID=`, the User-Agent."""

    actor: Actor
    device_id: str | None
    user_agent: str | None


def answers_flag(problems: list[dict[str, Any]]) -> Flag:
    """The flag a supervisor sees; the full problems are kept with the submission."""
    summary = "; ".join(f"{p.get('question') or p.get('field') or '?'}: {p.get('code')}" for p in problems)
    return Flag(FORM_ANSWERS_INVALID, float(len(problems)), "answers", summary[:300])


def household_choice(mapped: Mapped) -> uuid.UUID | None:
    if mapped.household is None:
        raise errors.DomainError(errors.OPENROSA_HOUSEHOLD_MISSING)
    if mapped.new_head_name is not None or mapped.household == "new":
        return None
    try:
        return uuid.UUID(mapped.household)
    except ValueError:
        raise errors.DomainError(
            errors.OPENROSA_HOUSEHOLD_MISSING,
            "Hộ được chọn không có trong danh sách của máy chủ. Hãy cập nhật biểu mẫu rồi chọn lại hộ.",
            f"Not a household id: {mapped.household!r}.",
        ) from None


@dataclass
class Prepared:
    """A submission as a visit, checked, before anything is written."""

    submission: VisitSubmission
    evaluation: Evaluation
    problems: list[dict[str, Any]]
    rules: dict[str, forms.PhotoRule]
    fix: Fix | None

    def flags(self) -> list[Flag]:
        return [answers_flag(self.problems)] if self.problems else []


def prepare(
    client: Client,
    instance: Instance,
    visit_id: uuid.UUID,
    household_id: uuid.UUID | None,
    corrects: uuid.UUID | None,
    form: forms.CompiledForm,
    mapped: Mapped,
) -> Prepared:
    location = _location(mapped)
    submission = VisitSubmission(
        id=visit_id,
        form_id=instance.form_id,
        form_version=instance.version,
        household_id=household_id,
        started_at=mapped.started_at,
        finished_at=mapped.finished_at,
        location=location,
        answers=mapped.answers,
        app=AppInfo(name=(client.user_agent or "OpenRosa")[:100]),
        corrects=corrects if corrects is not None else msgspec.UNSET,
    )
    evaluation = evaluate(form, submission.answers)
    submission.answers = dict(evaluation.answers)
    problems: list[dict[str, Any]] = [msgspec.to_builtins(e) for e in evaluation.errors]
    problems.extend(_time_problems(submission))
    for problem in problems:  # an implausible time is dropped, not stored
        if problem.get("code") == "visit.bad_time" and problem.get("question") in ("started_at", "finished_at"):
            setattr(submission, problem["question"], None)
    fix = Fix(location.lat, location.lon, location.accuracy_m) if location else None
    return Prepared(submission, evaluation, problems, awaiting_referenced(evaluation.photo_rules, mapped), fix)


def record(
    client: Client,
    body: Submission,
    instance: Instance,
    digest: str,
    visit_id: uuid.UUID,
    mapped: Mapped,
    problems: list[dict[str, Any]],
) -> tuple[Table, dict[str, Any]]:
    """The openrosa_submissions row kept with the visit (the XML verbatim, who sent it with what)."""
    return (
        SUBMISSIONS,
        {
            "visit_id": visit_id,
            "form_id": instance.form_id,
            "instance_id": instance.instance_id,
            "xml_sha256": digest,
            "xml": body.xml,
            "device_id": (client.device_id or mapped.device_id or "")[:100] or None,
            "user_agent": (client.user_agent or "")[:300] or None,
            "problems": problems or None,
            "received_at": utcnow(),
        },
    )


def awaiting_referenced(rules: dict[str, forms.PhotoRule], mapped: Mapped) -> dict[str, forms.PhotoRule]:
    """A photo the instance names is awaited even beyond the form's minimum: a split upload's visit shows as
    waiting for photos until its last POST brings them."""
    named: dict[str, int] = {}
    for question, _ in mapped.files:
        named[question] = named.get(question, 0) + 1
    return {
        question: msgspec.structs.replace(
            rule, min_count=min(rule.max_count, max(rule.min_count, named.get(question, 0)))
        )
        for question, rule in rules.items()
    }


def _location(mapped: Mapped) -> DeviceLocation | None:
    point = mapped.geopoint
    if point is None:
        return None
    try:
        return msgspec.convert(point, DeviceLocation)
    except msgspec.ValidationError:
        return None  # out of range: the geopoint answer's own check flags it
