"""The tallies' own tables (per-village cells, and the villages whose cells are out of date), and an index they
need on another domain's table (declared here so the visits domain stays untouched)."""

from __future__ import annotations

from sqlalchemy import BigInteger, Column, Index, text
from sqlmodel import Field, SQLModel

from service.db.tables import BigIntId, table_of
from service.visits.models import Visit

# "Members active in the period" probes each member's visits made through their leader; such visits are rare,
# so a partial index keeps the probe cheap at almost no cost to the write path.
VISITS_ON_BEHALF = Index(
    "ix_visits_on_behalf_of_finished_at",
    table_of(Visit).c.on_behalf_of,
    table_of(Visit).c.finished_at,
    postgresql_where=text("on_behalf_of IS NOT NULL"),
    sqlite_where=text("on_behalf_of IS NOT NULL"),
)


class TallyCell(SQLModel, table=True):
    """One row of a tally's GROUP BY for one village, kept so a tally without a period sums a few rows per
    village instead of reading every household, assessment and visit (see service/tallies/cells.py).

    kind "households": households not merged (form_id ""); "assessed": current assessments per form version and
    level; "indicators": how many of them meet each indicator, per form version (`key`: the indicator's bit
    index, as in `assessments.indicator_bits`); "visits": visits per form and review status (`key`); "flags":
    flags of visits still open to review, per form and flag code (`key`); "visitors": visits per form and the
    member who made them (`key`, a user id; a visit through a leader counts for the leader and for the member).
    `n` counts rows; `elderly` and `temporary` count the elderly-only and temporary-resident households among
    them (households and assessed only).
    """

    __tablename__ = "tally_cells"
    # Every read and every recount takes one kind of cell for a set of areas.
    __table_args__ = (Index(None, "kind", "area_id"),)

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    area_id: int
    kind: str = Field(max_length=12)
    form_id: str = Field(default="", max_length=100)
    form_version: str | None = Field(default=None, max_length=50)
    level: int | None = None
    indicator_bits: int | None = Field(default=None, sa_column=Column(BigInteger, nullable=True))
    key: str | None = Field(default=None, max_length=100)
    n: int = 0
    elderly: int = 0
    temporary: int = 0


class TallyDirty(SQLModel, table=True):
    """A village whose cells of one kind are out of date: appended by database triggers on households,
    assessments, visits and visit_flags when a column those cells count changes (migrations 0007, 0014), consumed
    by the next tally without a period. Append-only, no unique key, so concurrent writers never wait on each
    other here."""

    __tablename__ = "tally_dirty"

    id: int | None = Field(default=None, sa_type=BigIntId, primary_key=True)
    area_id: int
    # A TallyCell kind; NULL: every kind (a bulk mark).
    kind: str | None = Field(default=None, max_length=12)
