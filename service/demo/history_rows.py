"""The rows of the demo's history (service/demo/history.py): the plan's teams and villages, a batch's rows, and
the photo, review and assessment rows built for a visit. A pure move out of history.py, which plans the visits."""

from __future__ import annotations

import hashlib
import math
import random
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from service.common.clock import VIETNAM
from service.demo import answers as demo_answers
from service.demo import photos as demo_photos
from service.demo.bulk import json_value
from service.visits import evidence_rules as rules
from storage import photo_keys

PHOTO_QUESTION = "evidence_photos"
METRES_PER_DEG = 111_320.0

COMMENTS = {
    "approved": ["Tốt, đầy đủ.", "Ảnh rõ, thông tin khớp.", "Đã gọi điện xác minh, ổn."],
    "has_issues": [
        "Ảnh mờ, chụp lại rõ mặt nhà.",
        "Thiếu thông tin số người trong hộ, bổ sung giúp.",
        "Câu trả lời VNeID chưa khớp, xác minh lại với chủ hộ.",
        "Vị trí GPS lệch, lần sau đứng gần nhà hơn.",
    ],
    "rejected": [
        "Ảnh không phải của hộ này, đề nghị thăm lại.",
        "Vị trí cách nhà quá xa, đề nghị đến tận nhà.",
        "Phiếu ghi nhầm hộ, thăm lại đúng hộ.",
    ],
    "after_call": ["Đã gọi điện cho chủ hộ xác minh, đạt.", "Thành viên đã bổ sung ảnh qua Zalo, đạt."],
}


@dataclass(slots=True)
class Team:
    team_id: int
    leader: int
    members: list[tuple[int, bool]]  # (user id, has a smartphone)


@dataclass(slots=True)
class Village:
    id: int
    path: str
    coverage: float  # share of its households the teams reach in eight weeks
    maturity: float  # how digital its households are, 0–1
    reviewers: list[int]  # the commune's supervisor, then the province's
    team: Team | None = None
    last_photo: dict[str, Any] | None = None  # the latest photo row of the village (for a reused photo)


@dataclass(slots=True)
class Batch:
    """Rows of one batch of households' history, inserted together."""

    visits: list[dict[str, Any]] = field(default_factory=list)
    photos: list[dict[str, Any]] = field(default_factory=list)
    flags: list[dict[str, Any]] = field(default_factory=list)
    reviews: list[dict[str, Any]] = field(default_factory=list)
    duplicates: list[dict[str, Any]] = field(default_factory=list)
    objects: list[demo_photos.PhotoObjects] = field(default_factory=list)
    # household id → (elderly only, temporary resident): the assessments carry copies
    household_flags: dict[Any, tuple[bool, bool]] = field(default_factory=dict)
    # household id → (visit row, profile) of each visit, for the assessments
    by_household: dict[Any, list[tuple[dict[str, Any], demo_answers.Profile]]] = field(
        default_factory=lambda: defaultdict(list)
    )


def photo_row(
    batch: Batch,
    pictures: list[demo_photos.BasePicture],
    own_photos_since: datetime,
    shared_written: set[str],
    visit_id: uuid.UUID,
    index: int,
    received: datetime,
    taken: datetime,
    where: tuple[float, float],
    rng: random.Random,
) -> dict[str, Any]:
    """A photo row of a visit: an object of its own with EXIF for the newest visits, else a shared picture."""
    base = rng.choice(pictures)
    if received >= own_photos_since:
        local = taken.astimezone(VIETNAM).replace(tzinfo=None, microsecond=0)
        original = demo_photos.with_exif(base.jpeg, local, *where)
        exif_time, exif_lat, exif_lon = rules.exif_moment(local, None), where[0], where[1]
        sha = hashlib.sha256(original).hexdigest()
        batch.objects.append(demo_photos.PhotoObjects(sha, original, base))
    else:  # a shared picture without EXIF (see the module's docstring)
        original, exif_time, exif_lat, exif_lon = base.jpeg, None, None, None
        sha = base.sha256
        if sha not in shared_written:
            shared_written.add(sha)
            batch.objects.append(demo_photos.PhotoObjects(sha, original, base))
    keys = photo_keys(sha, "jpg")
    return {
        "visit_id": visit_id,
        "question": PHOTO_QUESTION,
        "idx": index,
        "sha256": sha,
        "original_key": keys.original,
        "large_key": keys.large,
        "thumb_key": keys.thumb,
        "content_type": "image/jpeg",
        "width": base.width,
        "height": base.height,
        "size_bytes": len(original),
        "exif_time": exif_time,
        "exif_lat": exif_lat,
        "exif_lon": exif_lon,
        "created_at": received,
    }


def decide(
    batch: Batch, visit: dict[str, Any], reviewer: int, at: datetime, decision: str, comment: str | None
) -> None:
    batch.reviews.append(
        {"visit_id": visit["id"], "reviewer_id": reviewer, "at": at, "decision": decision, "comment": comment}
    )
    visit.update(review_status=decision, reviewed_by=reviewer, reviewed_at=at, review_note=comment)


def assessment_rows(batch: Batch, now: datetime, postgresql: bool) -> list[dict[str, Any]]:
    """Per household, its latest visit that stands (service/assessments: latest by finished_at, then id)."""
    rows = []
    for visits in batch.by_household.values():
        standing = [(v, p) for v, p in visits if v["review_status"] in ("pending", "approved", "has_issues")]
        if not standing:
            continue
        visit, profile = max(standing, key=lambda pair: (pair[0]["finished_at"], pair[0]["id"]))
        household = visit["household_id"]
        rows.append(
            {
                "household_id": household,
                "form_id": visit["form_id"],
                "form_version": visit["form_version"],
                "visit_id": visit["id"],
                "level": profile.level,
                "indicators": json_value(profile.indicators, postgresql),
                "indicator_bits": profile.bits,
                "assessed_at": visit["finished_at"],
                "assessed_by": visit["on_behalf_of"] or visit["submitted_by"],
                "review_status": visit["review_status"],
                "area_id": visit["area_id"],
                "elderly_only": batch.household_flags[household][0],
                "temporary_resident": batch.household_flags[household][1],
                "updated_at": now,
            }
        )
    return rows


def moved(lat: float, lon: float, rng: random.Random, metres: float) -> tuple[float, float]:
    """A point about `metres` away in a random direction."""
    angle = rng.uniform(0, 2 * math.pi)
    d_lat = metres * math.cos(angle) / METRES_PER_DEG
    d_lon = metres * math.sin(angle) / (METRES_PER_DEG * math.cos(math.radians(lat)))
    return round(lat + d_lat, 6), round(lon + d_lon, 6)
