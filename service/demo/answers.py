"""The demo visits' answers: a pool of households' situations, each checked and scored once by the service's
own evaluation (`service.visits.answers.evaluate`, `forms.score`), so every stored answer set is one the form
accepts and every level and indicator is what the rubric gives."""

from __future__ import annotations

import bisect
import random
from dataclasses import dataclass
from typing import Any

import forms
from service.assessments.services import indicator_bits
from service.visits.answers import evaluate

PROFILES = 96
_WORRIES = ["scam_calls", "personal_data", "lose_money", "fake_apps"]
_GUIDED = ["vneid", "public_services", "email", "cashless", "health_book", "ecommerce", "school_app", "safety"]
_FOLLOW_UP = [
    "Hẹn quay lại cài VNeID mức 2 khi con trai về.",
    "Bà cụ cần hướng dẫn lại cách chuyển khoản.",
    "Chưa có sổ sức khỏe điện tử, hẹn tuần sau.",
    "Cần hỗ trợ mở tài khoản ngân hàng số.",
    "Hướng dẫn lại cách nộp hồ sơ trên Cổng dịch vụ công.",
]


@dataclass(frozen=True, slots=True)
class Profile:
    answers: dict[str, Any]  # as stored, without the location (each visit adds its own)
    level: int | None
    indicators: dict[str, bool]
    bits: int
    digital: float  # 0 (offline) … 1 (proficient): how likely a household of this kind is met


def _answers(rng: random.Random, digital: float) -> dict[str, Any]:
    members = rng.randint(1, 7)
    smartphone = rng.random() < 0.35 + 0.6 * digital
    children = 0 if rng.random() < 0.4 else rng.randint(1, members)
    answers: dict[str, Any] = {
        "members": members,
        "elderly_only": members <= 2 and rng.random() < 0.4 * (1 - digital),
        "temporary_resident": rng.random() < 0.06,
        "school_children": children,
        "has_smartphone": smartphone,
        "has_email": smartphone and rng.random() < 0.15 + 0.6 * digital,
        "vneid_level": rng.choices(["none", "level1", "level2"], [1 - digital, 0.5, 0.3 + digital])[0],
        "public_services": rng.choices(["never", "with_help", "self"], [1.2 - digital, 0.6, digital])[0],
        "cashless": smartphone and rng.random() < 0.3 + 0.6 * digital,
        "health_book": smartphone and rng.random() < 0.2 + 0.5 * digital,
        "ecommerce": rng.choices(["no", "buy", "sell"], [1.2 - digital, 0.5 * digital + 0.1, 0.2 * digital])[0],
        "data_worries": ["none"] if rng.random() < 0.25 else rng.sample(_WORRIES, rng.randint(1, 3)),
        "guided": ["nothing"] if rng.random() < 0.08 else rng.sample(_GUIDED, rng.randint(1, 4)),
        "follow_up": rng.random() < 0.3,
    }
    if smartphone:
        answers["has_mobile_data"] = rng.random() < 0.5 + 0.45 * digital
    if children:
        answers["school_app"] = rng.random() < 0.3 + 0.5 * digital
    if answers["follow_up"]:
        answers["follow_up_reason"] = rng.choice(_FOLLOW_UP)
    if rng.random() < 0.6:  # the team recorded each person (the form's optional repeat)
        answers["people"] = [_person(rng, digital, adult=i < 2) for i in range(members)]
    return answers


def _person(rng: random.Random, digital: float, *, adult: bool) -> dict[str, Any]:
    age = rng.randint(18, 80) if adult else rng.randint(2, 75)
    person: dict[str, Any] = {
        "person_age": age,
        "person_vneid": rng.choices(["none", "level1", "level2"], [1.2 - digital, 0.4, 0.2 + digital])[0]
        if age >= 14
        else "none",
    }
    if age >= 12:
        person["person_smartphone"] = rng.random() < 0.3 + 0.6 * digital
        person["person_health_book"] = rng.random() < 0.2 + 0.5 * digital
    return person


def profiles(form: forms.CompiledForm, seed: str) -> list[Profile]:
    """`PROFILES` answer sets from offline to proficient, each accepted by the form (else a bug: raises)."""
    rng = random.Random(seed)
    pool = []
    for index in range(PROFILES):
        digital = index / (PROFILES - 1)
        raw = _answers(rng, digital)
        checked = evaluate(form, dict(raw, location={"lat": 19.9, "lon": 105.5, "accuracy_m": 8.0}))
        if checked.errors:
            raise RuntimeError(f"demo answers refused by the form: {checked.errors}")
        stored = {key: value for key, value in checked.answers.items() if key != "location"}
        indicators = dict(forms.score(form, checked.answers).indicators)
        pool.append(Profile(stored, checked.level, indicators, indicator_bits(indicators), digital))
    return pool


def pick(pool: list[Profile], rng: random.Random, maturity: float, at_least: int | None = None) -> Profile:
    """A profile near `maturity` (0–1); with `at_least`, one whose level is not lower (after the team's help).
    `pool` is ordered by `digital` (as `profiles` makes it)."""
    centre = min(1.0, max(0.0, rng.gauss(maturity, 0.22)))
    index = min(len(pool) - 1, bisect.bisect_left(pool, centre, key=lambda p: p.digital))
    if at_least is None:
        return pool[index]
    for step in range(len(pool)):  # the nearest one at or above that level, looking both ways
        for candidate in (index + step, index - step):
            if 0 <= candidate < len(pool) and (pool[candidate].level or 0) >= at_least:
                return pool[candidate]
    return pool[index]
