"""Two rules of the write path that read what is stored: the member's previous GPS fix a visit is checked against
(the predecessor rule), and a household without a location taking the first good fix of a visit to it."""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import ColumnElement, Integer, Select, any_, bindparam, literal_column, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlmodel import SQLModel

from forms.spec import DEFAULT_GEOPOINT_ACCURACY_M
from service.db.engine import as_utc
from service.db.pg_raw import RecordRow, asyncpg_sql
from service.households import services as households_service
from service.people.models import User
from service.visits.evidence_rules import Fix, PreviousVisit, is_good_fix
from service.visits.models import VISITS
from service.visits.row_inserts import write_driver
from service.visits.stored import utc

if TYPE_CHECKING:
    from service.visits.write_path import CheckedVisit

USERS = SQLModel.metadata.tables[User.__tablename__]

_EARLIER = VISITS.alias("earlier")


def _latest_fixes(members: ColumnElement[bool]) -> Select:
    """Per member, the stored visit with a GPS fix that finished last before the cut. The correlated ORDER BY …
    LIMIT 1 walks the (submitted_by, finished_at) index backwards from the cut, so it stays cheap however many
    visits a member has made (an anti-join over them was 20× slower with a million visits stored)."""
    return select(VISITS.c.id, VISITS.c.submitted_by, VISITS.c.lat, VISITS.c.lon, VISITS.c.finished_at).where(
        VISITS.c.id.in_(
            select(
                select(_EARLIER.c.id)
                .where(
                    _EARLIER.c.submitted_by == USERS.c.id,
                    _EARLIER.c.finished_at < bindparam("cut"),
                    _EARLIER.c.lat.is_not(None),
                )
                .order_by(_EARLIER.c.finished_at.desc())
                .limit(literal_column("1", Integer))  # a constant, not a bound parameter
                .scalar_subquery()
            ).where(members)
        )
    )


_LATEST_FIXES = _latest_fixes(USERS.c.id.in_(bindparam("members", expanding=True)))
_PG_LATEST_FIXES = asyncpg_sql(
    _latest_fixes(USERS.c.id == any_(bindparam("members", type_=ARRAY(Integer)))), ["cut", "members"]
)


async def latest_stored(connection: AsyncConnection, members: list[int], cut: datetime) -> dict[int, PreviousVisit]:
    if connection.dialect.name == "postgresql":
        rows: Any = map(RecordRow, await (await write_driver(connection)).fetch(_PG_LATEST_FIXES, cut, members))
    else:
        rows = await connection.execute(_LATEST_FIXES, {"members": members, "cut": cut})
    return {row.submitted_by: PreviousVisit(str(row.id), row.lat, row.lon, as_utc(row.finished_at)) for row in rows}


async def stored_predecessors(connection: AsyncConnection, items: Sequence[CheckedVisit]) -> list[PreviousVisit | None]:
    """For each visit with a fix and a finish time, the member's stored fix that finished last before it.

    One query at the latest finish time of the call answers every visit that finished after its member's last
    stored fix (the usual case); a visit sent out of order (offline for days) asks again at its own time."""
    timed = [
        (index, item.actor.user_id, utc(item.submission.finished_at))
        for index, item in enumerate(items)
        if item.fix is not None and item.submission.finished_at is not None
    ]
    found: list[PreviousVisit | None] = [None] * len(items)
    if not timed:
        return found
    cut = max(finished for _, _, finished in timed)
    latest = await latest_stored(connection, list({member for _, member, _ in timed}), cut)
    for index, member, finished in timed:
        stored = latest.get(member)
        if stored is not None and stored.finished_at >= finished:
            stored = (await latest_stored(connection, [member], finished)).get(member)
        found[index] = stored
    return found


def latest_before(
    stored: PreviousVisit | None, earlier: Iterable[PreviousVisit], finished: datetime | None
) -> PreviousVisit | None:
    """The member's fix that finished last before `finished`: stored, or written earlier in the same call."""
    if finished is None:
        return None
    best = stored
    for candidate in earlier:
        if candidate.finished_at < finished and (best is None or candidate.finished_at > best.finished_at):
            best = candidate
    return best


# ---- the first-fix rule ---------------------------------------------------------------------------------------


def is_first_fix(
    known_location: tuple[float, float] | None, fix: Fix | None, accuracy_threshold_m: float | None
) -> bool:
    """Whether this fix would become the household's location (cheap: callers skip the write otherwise)."""
    return known_location is None and is_good_fix(fix, accuracy_threshold_m or DEFAULT_GEOPOINT_ACCURACY_M)


async def locate_household_by_first_fix(
    connection: AsyncConnection,
    household_id: uuid.UUID,
    known_location: tuple[float, float] | None,
    fix: Fix | None,
    accuracy_threshold_m: float | None,
) -> bool:
    """A household without a location takes the first good fix of a visit to it (the households domain's write,
    in the caller's transaction)."""
    if fix is None or not is_first_fix(known_location, fix, accuracy_threshold_m):
        return False  # the common case: nothing to write, so no session to open
    async with AsyncSession(bind=connection) as session:
        return await households_service.set_household_location_if_missing(session, household_id, fix.lat, fix.lon)
