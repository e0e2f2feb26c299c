"""Indexes the tallies need on other domains' tables (declared here so the visits domain stays untouched)."""

from __future__ import annotations

from sqlalchemy import Index, text

from service.db.tables import table_of
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
