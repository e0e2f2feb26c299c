"""Tables of the assessments domain."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import BigInteger, Column, Index
from sqlmodel import Field, SQLModel

from service.db.tables import JsonColumnType, UtcDateTime


class Assessment(SQLModel, table=True):
    """A household's current assessment for one form: from its latest visit that counts (approved, unreviewed or
    has_issues; never rejected). Kept current in the transaction that writes or reviews the visit.

    `indicator_bits` holds indicator i of the form version's rubric (in rubric order) as bit i, so a tally sums
    `(bits >> i) & 1` instead of reading JSON; `indicators` keeps every indicator by name for exports.
    """

    __tablename__ = "assessments"
    __table_args__ = (
        Index(None, "visit_id"),
        Index(None, "form_id", "household_id"),
        Index(None, "form_id", "area_id"),
    )

    household_id: uuid.UUID = Field(primary_key=True, foreign_key="households.id")
    form_id: str = Field(primary_key=True, max_length=100)
    form_version: str = Field(max_length=50)
    visit_id: uuid.UUID = Field(foreign_key="visits.id")
    level: int | None = None
    indicators: dict[str, Any] = Field(sa_column=Column(JsonColumnType, nullable=False))
    indicator_bits: int = Field(default=0, sa_column=Column(BigInteger, nullable=False, default=0))
    # The visit's finished_at (its received_at when the phone sent none): "later" means later here.
    assessed_at: datetime = Field(sa_type=UtcDateTime)
    # The member who made the visit (on_behalf_of when a leader submitted it for them).
    assessed_by: int = Field(foreign_key="users.id")
    review_status: str = Field(max_length=20)
    # Copies of the household's village and flags, so a tally reads this table alone (no join with a million
    # households). Kept in step by `refresh_households` wherever a household moves or its flags change.
    area_id: int = Field(foreign_key="areas.id")
    elderly_only: bool = False
    temporary_resident: bool = False
    updated_at: datetime = Field(sa_type=UtcDateTime)
