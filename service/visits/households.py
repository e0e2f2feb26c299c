"""Which household (and village) a visit goes to, read lean for the submission hot path.

The households domain owns households; this reads one household with its village's path in a single prebuilt Core
statement (the ORM lookup costs about as much CPU as the whole rest of a JSON submission) and applies the same
rules: the caller must see the village (404 otherwise, ids must not leak), and a household merged while the
phone was offline is replaced by its survivor — that rare case goes through the households domain's own functions.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import bindparam, select
from sqlalchemy.ext.asyncio import AsyncSession

from service import errors
from service.areas.models import Area
from service.auth.actor import Actor
from service.db.tables import row_id, table_of
from service.households import services as households_service
from service.households.models import Household
from service.households.schemas import HouseholdCreate

HOUSEHOLDS = table_of(Household)
AREAS = table_of(Area)

# A household with its village: what a visit needs to be filed and checked.
DESTINATIONS = select(
    HOUSEHOLDS.c.id,
    HOUSEHOLDS.c.lat,
    HOUSEHOLDS.c.lon,
    HOUSEHOLDS.c.merged_into_id,
    AREAS.c.id.label("area_id"),
    AREAS.c.path,
).join(AREAS, AREAS.c.id == HOUSEHOLDS.c.area_id)
_LOOKUP = DESTINATIONS.where(HOUSEHOLDS.c.id == bindparam("household_id"))


@dataclass(frozen=True, slots=True)
class Destination:
    household_id: uuid.UUID
    lat: float | None
    lon: float | None
    area_id: int
    area_path: str

    @property
    def location(self) -> tuple[float, float] | None:
        return (self.lat, self.lon) if self.lat is not None and self.lon is not None else None


async def _from_orm(session: AsyncSession, household: Household) -> Destination:
    village = await households_service.household_village(session, household)
    return Destination(household.id, household.lat, household.lon, row_id(village), village.path)


async def existing_household(session: AsyncSession, actor: Actor, household_id: uuid.UUID) -> Destination:
    row = (await (await session.connection()).execute(_LOOKUP, {"household_id": household_id})).first()
    if row is None or not actor.sees_path(row.path):
        raise errors.DomainError(
            errors.NOT_FOUND, f"Không tìm thấy hộ {household_id}.", f"No household {household_id}."
        )
    if row.merged_into_id is not None:  # merged while the phone was offline: the visit follows the survivor
        survivor = await households_service.get_household_for_visit(session, actor, household_id)
        return await _from_orm(session, survivor)
    return Destination(row.id, row.lat, row.lon, row.area_id, row.path)


async def new_household(session: AsyncSession, actor: Actor, data: HouseholdCreate) -> Destination:
    """Created in the caller's village with the phone's id (a retry finds it; other content is a 409)."""
    household = await households_service.create_household_from_visit(session, actor, data)
    return await _from_orm(session, household)
