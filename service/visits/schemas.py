"""Wire types of visits.

`VisitSubmission` is what phones send; phones already in the field were built against it, so its fields are
never renamed, reordered or retyped, and unknown fields (from newer app versions) are ignored.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Any, Literal

import msgspec

from service.households.schemas import HouseholdCreate

AwareDateTime = Annotated[datetime, msgspec.Meta(tz=True, description="ISO 8601 with a UTC offset")]
Latitude = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Longitude = Annotated[float, msgspec.Meta(ge=-180, le=180)]
Metres = Annotated[float, msgspec.Meta(ge=0)]


class DeviceLocation(msgspec.Struct, kw_only=True):
    """The phone's GPS fix for the visit."""

    lat: Latitude
    lon: Longitude
    accuracy_m: Metres | None = None
    captured_at: AwareDateTime | None = None
    # Android reports fixes from mock-location apps.
    is_mock: bool = False


# What the visits table holds (service/visits/models.py); longer is refused (visit.malformed), not cut unsaid.
APP_NAME_MAX = 100
APP_VERSION_MAX = 50


class AppInfo(msgspec.Struct, kw_only=True):
    name: Annotated[str, msgspec.Meta(max_length=APP_NAME_MAX)] | None = None
    version: Annotated[str, msgspec.Meta(max_length=APP_VERSION_MAX)] | None = None


class VisitSubmission(msgspec.Struct, kw_only=True):
    """A door-to-door visit as filled in on the phone (possibly offline, possibly sent twice)."""

    id: uuid.UUID
    form_id: str
    form_version: str
    # Exactly one of the two: a known household, or one created in the field (idempotent by its id).
    household_id: uuid.UUID | None = None
    new_household: HouseholdCreate | None = None
    # Team leaders only: the user id of the team member who made the visit.
    on_behalf_of: Annotated[int, msgspec.Meta(ge=1, le=2**31 - 1)] | None = None
    started_at: AwareDateTime | None = None
    finished_at: AwareDateTime | None = None
    location: DeviceLocation | None = None
    # Flat, by question name; photos never appear here (they are file parts or PUT later).
    answers: dict[str, Any] = {}
    app: AppInfo | None = None
    # Appended last: the id of an earlier visit this one corrects. UNSET when absent, so msgspec leaves it out of
    # the encoding and the content identity (payload_hash) of visits sent without it stays what it was.
    corrects: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET
    # Appended after it, UNSET for the same reason: the earlier visit this return visit follows up (the phone's
    # one-tap return visit to a household that asked for more help).
    revisit_of: uuid.UUID | msgspec.UnsetType | None = msgspec.UNSET

    def device_times(self) -> dict[str, datetime | None]:
        """The times the phone's clock wrote, by the field that holds them."""
        return {
            "started_at": self.started_at,
            "finished_at": self.finished_at,
            "location.captured_at": self.location.captured_at if self.location else None,
        }


class FlagOut(msgspec.Struct, kw_only=True):
    """An evidence check that failed, with its figure: `value` in `unit` (m, km/h, min, households)."""

    code: str
    value: float | None
    unit: str | None
    # Which photo slot a photo flag is about (`question[index]`), or what a GPS flag compared with.
    detail: str | None


class PhotoSlotOut(msgspec.Struct, kw_only=True):
    question: str
    index: int
    sha256: str


class MissingPhotos(msgspec.Struct, kw_only=True):
    """A shown photo question that has fewer photos than it needs; PUT the rest to complete the visit."""

    question: str
    min_count: int
    max_count: int
    received: int


class AttachmentSlotOut(msgspec.Struct, kw_only=True):
    """The file stored for an audio, video or file question."""

    question: str
    kind: str
    filename: str
    sha256: str
    content_type: str
    size_bytes: int


class MissingAttachment(msgspec.Struct, kw_only=True):
    """An answered audio, video or file question whose file has not arrived; send it to complete the visit."""

    question: str
    kind: str
    filename: str


class VisitReceipt(msgspec.Struct, kw_only=True):
    """The answer to a submission; a retry of the same visit gets the same receipt (plus photos added since).
    `awaiting_photos` also means a file of an audio, video or file question is still missing."""

    id: uuid.UUID
    household_id: uuid.UUID
    status: Literal["complete", "awaiting_photos"]
    missing_photos: list[MissingPhotos]
    photos: list[PhotoSlotOut]
    flags: list[FlagOut]
    skill_level: int | None
    received_at: datetime
    attachments: list[AttachmentSlotOut] = []
    missing_attachments: list[MissingAttachment] = []


class PhotoOut(msgspec.Struct, kw_only=True):
    question: str
    index: int
    content_type: str
    width: int
    height: int
    size_bytes: int
    taken_at: datetime | None
    thumb_url: str
    large_url: str
    # Only for admins: the original keeps its EXIF (location, time) as evidence.
    original_url: str | None = None


class AttachmentOut(msgspec.Struct, kw_only=True):
    """An audio, video or file answer's file: downloaded from `url` (never shown inline)."""

    question: str
    kind: str
    filename: str
    content_type: str
    size_bytes: int
    sha256: str
    url: str


class LocationOut(msgspec.Struct, kw_only=True):
    lat: float
    lon: float
    accuracy_m: float | None
    captured_at: datetime | None
    is_mock: bool


class ReviewOut(msgspec.Struct, kw_only=True):
    status: Literal["pending", "approved", "has_issues", "rejected"]
    reviewed_by: int | None
    reviewed_at: datetime | None
    note: str | None


class VisitSummary(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    form_id: str
    form_version: str
    household_id: uuid.UUID
    area_code: str
    submitted_by: int
    on_behalf_of: int | None
    finished_at: datetime | None
    received_at: datetime
    status: str
    skill_level: int | None
    review_status: str
    flag_codes: list[str]


class VisitDetail(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    form_id: str
    form_version: str
    household_id: uuid.UUID
    area_code: str
    submitted_by: int
    on_behalf_of: int | None
    team_id: int | None
    started_at: datetime | None
    finished_at: datetime | None
    received_at: datetime
    location: LocationOut | None
    answers: dict[str, Any]
    app_name: str | None
    app_version: str | None
    status: str
    skill_level: int | None
    missing_photos: list[MissingPhotos]
    photos: list[PhotoOut]
    flags: list[FlagOut]
    review: ReviewOut
    attachments: list[AttachmentOut] = []
    missing_attachments: list[MissingAttachment] = []


class ReviewRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    """approve(d) | has_issues | reject(ed); has_issues and rejected need a comment (`note` or `comment`)."""

    decision: Literal["approve", "approved", "has_issues", "reject", "rejected"]
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
    comment: Annotated[str, msgspec.Meta(max_length=1000)] | None = None
