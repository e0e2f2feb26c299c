"""Wire types of reviews: bulk decisions for supervisors, and the member's own visits with their feedback."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Annotated, Literal

import msgspec

from service.visits.schemas import ReviewOut

# What a request may say; "approve" and "reject" are the first API's words and stay accepted.
DecisionWord = Literal["approve", "approved", "has_issues", "reject", "rejected"]
Comment = Annotated[str, msgspec.Meta(max_length=1000)]
MAX_BULK = 200


class BulkReviewRequest(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    ids: Annotated[list[uuid.UUID], msgspec.Meta(min_length=1, max_length=MAX_BULK)]
    decision: DecisionWord
    comment: Comment | None = None


class BulkReviewItem(msgspec.Struct, kw_only=True):
    """One visit's outcome: `status` is the HTTP status that visit alone would have answered."""

    id: uuid.UUID
    status: int
    code: str | None = None
    review: ReviewOut | None = None


class BulkReviewOut(msgspec.Struct, kw_only=True):
    decided: int
    failed: int
    results: list[BulkReviewItem]


class ReviewEntry(msgspec.Struct, kw_only=True):
    decision: str
    comment: str | None
    at: datetime
    reviewer_id: int
    reviewer_name: str


class MyVisit(msgspec.Struct, kw_only=True):
    """A member's own visit and what the supervisor said about it (the latest decision)."""

    id: uuid.UUID
    form_id: str
    household_id: uuid.UUID
    household_name: str | None
    finished_at: datetime | None
    received_at: datetime
    status: str
    review_status: Literal["pending", "approved", "has_issues", "rejected"]
    review_comment: str | None
    reviewed_at: datetime | None
    flag_codes: list[str]
    # The visit this one corrects, and later visits that correct this one.
    corrects: uuid.UUID | None
    corrected_by: list[uuid.UUID]
    # The earlier visit this return visit follows up (the household had asked for more help).
    revisit_of: uuid.UUID | None = None
