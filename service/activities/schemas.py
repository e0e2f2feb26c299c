"""Wire types of the activity log. What a phone sends tolerates unknown fields (an older or newer app); an edit from
the supervisors' pages forbids them."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from typing import Annotated

import msgspec

Short = Annotated[str, msgspec.Meta(max_length=200)]
Text = Annotated[str, msgspec.Meta(max_length=300)]
Count = Annotated[int, msgspec.Meta(ge=0, le=1_000_000)]
Lat = Annotated[float, msgspec.Meta(ge=-90, le=90)]
Lon = Annotated[float, msgspec.Meta(ge=-180, le=180)]


class _ActivityFields(msgspec.Struct, kw_only=True):
    kind: Annotated[str, msgspec.Meta(max_length=30)]
    held_on: date
    # Where it belongs: an area code in the caller's scope; a team leader's own village when left out.
    area: Annotated[str, msgspec.Meta(max_length=50)] | None = None
    place: Text | None = None
    partner: Short | None = None
    topic: Text | None = None
    attendees: Count | None = None
    channel: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    quantity: Count | None = None
    lat: Lat | None = None
    lon: Lon | None = None
    beneficiary_kind: Annotated[str, msgspec.Meta(max_length=30)] | None = None
    beneficiary: Short | None = None
    platform: Annotated[str, msgspec.Meta(max_length=100)] | None = None
    product: Short | None = None
    services: dict[Annotated[str, msgspec.Meta(max_length=30)], Count] | None = None
    note: Annotated[str, msgspec.Meta(max_length=1000)] | None = None


class ActivityIn(_ActivityFields, kw_only=True):
    """A new activity; `id` is made by the recorder (the phone), so sending it twice records it once."""

    id: uuid.UUID


class ActivityEdit(_ActivityFields, kw_only=True, forbid_unknown_fields=True):
    """The whole record again, as corrected on the supervisors' pages."""


class ActivityOut(msgspec.Struct, kw_only=True):
    id: uuid.UUID
    kind: str
    kind_name: str
    held_on: date
    area: str
    area_name: str
    team_id: int | None
    place: str | None
    partner: str | None
    topic: str | None
    attendees: int | None
    channel: str | None
    quantity: int | None
    lat: float | None
    lon: float | None
    beneficiary_kind: str | None
    beneficiary: str | None
    platform: str | None
    product: str | None
    services: dict[str, int] | None
    people_helped: int | None
    note: str | None
    recorded_by: int
    recorded_at: datetime
    updated_by: int | None
    updated_at: datetime | None
