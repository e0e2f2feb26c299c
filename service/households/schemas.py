"""Wire types of households and the phones' incremental sync."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

import msgspec

STATUSES = ("active", "moved", "merged")


class VisitState(msgspec.Struct, kw_only=True, omit_defaults=True):
    """A household's visits as a member sees them; absent (null) on a household nobody has visited."""

    # The latest visit of any review: its id (a return visit or a correction names it), when, the decision.
    last_visit: uuid.UUID
    last_at: datetime
    review: str  # pending | approved | has_issues | rejected
    # The supervisor's comment on the latest visit when it has issues or was rejected.
    note: str | None = None
    # The tallies' "visited": some visit to it stands. Then when the latest standing one was made, by whom.
    visited: bool = False
    visited_at: datetime | None = None
    visited_by: int | None = None
    level: int | None = None  # the current assessment's digital-skill level
    follow_up: bool = False  # asked for by the latest standing visit and not made since
    follow_up_reason: str | None = None
    # The answers the member sees as hints on a return visit or a correction: only where one is expected (a
    # follow-up pending, or the latest visit sent back), so the first sync of a village stays small.
    answers: dict[str, Any] | None = None


class HouseholdOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    area_code: str
    official_code: str | None
    head_name: str | None
    address: str | None
    lat: float | None
    lon: float | None
    member_count: int | None
    elderly_only: bool
    temporary_resident: bool
    # active | moved | merged (then `merged_into` names the survivor: re-point local data to it)
    status: str
    merged_into: uuid.UUID | None
    created_at: datetime
    updated_at: datetime
    # Position in the change sequence; the sync cursor is built from it.
    seq: int
    # In the phones' sync: the household's visits as a member needs them (visit_state.py); null when never visited
    # (and outside the sync).
    visit: VisitState | None = None


class HouseholdCreate(msgspec.Struct, kw_only=True):
    """Sent by phones (possibly newer app versions): unknown fields are ignored."""

    id: uuid.UUID
    # The village's code; members and leaders may omit it (their own village).
    area: str | None = None
    official_code: str | None = None
    head_name: str | None = None
    address: str | None = None
    lat: float | None = None
    lon: float | None = None
    member_count: int | None = None
    elderly_only: bool = False
    temporary_resident: bool = False


class HouseholdUpdate(msgspec.Struct, kw_only=True):
    """Partial update from a phone or a page; absent fields stay as they are, null clears a field."""

    official_code: str | msgspec.UnsetType | None = msgspec.UNSET
    head_name: str | msgspec.UnsetType | None = msgspec.UNSET
    address: str | msgspec.UnsetType | None = msgspec.UNSET
    lat: float | msgspec.UnsetType | None = msgspec.UNSET
    lon: float | msgspec.UnsetType | None = msgspec.UNSET
    member_count: int | msgspec.UnsetType | None = msgspec.UNSET
    elderly_only: bool | msgspec.UnsetType = msgspec.UNSET
    temporary_resident: bool | msgspec.UnsetType = msgspec.UNSET
    # "active" or "moved" (a temporary resident left); merging has its own endpoint.
    status: str | msgspec.UnsetType = msgspec.UNSET


class HouseholdMerge(msgspec.Struct, kw_only=True, forbid_unknown_fields=True):
    into: uuid.UUID


class MergeResult(msgspec.Struct, kw_only=True):
    survivor: HouseholdOut
    merged: HouseholdOut
    visits_moved: int


class HouseholdSyncPage(msgspec.Struct, kw_only=True):
    """`next` is always set: keep it and send it back as `updated_since`. Fetch again while `has_more`."""

    items: list[HouseholdOut]
    next: str
    has_more: bool


class HouseholdImportReport(msgspec.Struct, kw_only=True):
    created: int = 0
    updated: int = 0
    unchanged: int = 0
