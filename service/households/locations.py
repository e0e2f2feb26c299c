"""A household's location is the reference its visits are checked against, so the people checked cannot move it.

A member or team leader who changes a known location makes a proposal; the household keeps its confirmed
location (the `lat`/`lon` columns, which the visit checks read) until a supervisor of its area confirms the
proposal. The supervisors' list shows how far each proposal would move the household. Setting a location a
household does not have yet stays direct, like the first GPS fix of its first visit.
"""

from __future__ import annotations

from typing import Any

import msgspec
from geopy.distance import geodesic
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.audit import services as audit
from service.auth.actor import FIELD_ROLES, Actor, Role
from service.auth.scope import area_path_filter
from service.db.engine import as_utc, utcnow
from service.households import changes
from service.households.models import Household, LocationProposal
from service.http.ids import INT64_MAX, cursor_int
from service.http.paging import Page, clamp_limit, encode_cursor

STATUSES = ("pending", "confirmed", "rejected")


class LocationProposalOut(msgspec.Struct, kw_only=True):
    id: int
    household_id: str
    lat: float
    lon: float
    # The confirmed location when proposed, and how far (metres) the proposal would move it.
    previous_lat: float | None
    previous_lon: float | None
    distance_m: float | None
    proposed_by: int
    proposed_at: str
    status: str
    decided_by: int | None
    decided_at: str | None


def proposal_out(row: LocationProposal) -> LocationProposalOut:
    decided = as_utc(row.decided_at)
    return LocationProposalOut(
        id=row.id or 0,
        household_id=str(row.household_id),
        lat=row.lat,
        lon=row.lon,
        previous_lat=row.previous_lat,
        previous_lon=row.previous_lon,
        distance_m=row.distance_m,
        proposed_by=row.proposed_by,
        proposed_at=as_utc(row.proposed_at).isoformat(),
        status=row.status,
        decided_by=row.decided_by,
        decided_at=decided.isoformat() if decided else None,
    )


def needs_review(actor: Actor, household: Household, values: dict[str, Any]) -> bool:
    """Whether this update's lat/lon must wait for a supervisor instead of being applied."""
    if actor.role not in FIELD_ROLES or ("lat" not in values and "lon" not in values):
        return False
    if household.lat is None or household.lon is None:
        return False  # no reference yet: set directly, like a first fix
    lat, lon = values.get("lat", household.lat), values.get("lon", household.lon)
    if lat is None or lon is None:
        raise errors.DomainError(errors.LOCATION_CLEAR_FORBIDDEN)
    return (lat, lon) != (household.lat, household.lon)


async def propose(
    session: AsyncSession, actor: Actor, household: Household, area: Area, values: dict[str, Any]
) -> LocationProposal:
    """Takes lat/lon out of `values` and records them as a proposal (the household row is not changed)."""
    lat, lon = values.pop("lat", household.lat), values.pop("lon", household.lon)
    proposal = LocationProposal(
        household_id=household.id,
        area_path=area.path,
        lat=lat,
        lon=lon,
        previous_lat=household.lat,
        previous_lon=household.lon,
        distance_m=round(geodesic((household.lat, household.lon), (lat, lon)).meters, 1),
        proposed_by=actor.user_id,
        proposed_at=utcnow(),
    )
    session.add(proposal)
    await session.flush()
    audit.record(session, actor, "propose_location", "household", household.id)
    return proposal


async def list_proposals(
    session: AsyncSession, actor: Actor, *, status: str | None, cursor: str | None, limit: int | None
) -> Page[LocationProposalOut]:
    """Supervisors: proposals in their area; members and leaders: their own. Newest first."""
    if status is not None and status not in STATUSES:
        raise errors.DomainError(
            errors.BAD_QUERY,
            "status: pending, confirmed hoặc rejected.",
            "status must be pending, confirmed or rejected.",
        )
    size = clamp_limit(limit)
    before = cursor_int(cursor, INT64_MAX) or INT64_MAX
    query = select(LocationProposal).where(col(LocationProposal.id) < before).order_by(col(LocationProposal.id).desc())
    if actor.role in FIELD_ROLES:
        query = query.where(col(LocationProposal.proposed_by) == actor.user_id)
    else:
        query = query.where(area_path_filter(LocationProposal.area_path, actor))
    if status is not None:
        query = query.where(col(LocationProposal.status) == status)
    rows = list((await session.execute(query.limit(size + 1))).scalars())
    items = [proposal_out(row) for row in rows[:size]]
    return Page(items=items, next=encode_cursor(items[-1].id) if len(rows) > size else None)


async def decide(session: AsyncSession, actor: Actor, proposal_id: int, *, confirm: bool) -> LocationProposalOut:
    """A supervisor (or admin) of the household's area confirms or rejects a proposal."""
    actor.require_role(Role.SUPERVISOR, Role.ADMIN)
    proposal = (
        await session.execute(
            select(LocationProposal)
            .where(col(LocationProposal.id) == proposal_id, area_path_filter(LocationProposal.area_path, actor))
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    ).scalar_one_or_none()
    if proposal is None:
        raise errors.DomainError(
            errors.NOT_FOUND, f"Không tìm thấy đề xuất {proposal_id}.", f"No location proposal {proposal_id}."
        )
    if proposal.status != "pending":
        raise errors.DomainError(errors.LOCATION_PROPOSAL_DECIDED, status=proposal.status)
    proposal.status = "confirmed" if confirm else "rejected"
    proposal.decided_by, proposal.decided_at = actor.user_id, utcnow()
    if confirm:
        household = (
            await session.execute(
                select(Household)
                .where(col(Household.id) == proposal.household_id)
                .with_for_update(key_share=True)
                .execution_options(populate_existing=True)
            )
        ).scalar_one()
        household.lat, household.lon, household.updated_at = proposal.lat, proposal.lon, utcnow()
        household.change_seq = await changes.bump(session)
    await session.flush()
    audit.record(
        session, actor, "confirm_location" if confirm else "reject_location", "household", proposal.household_id
    )
    return proposal_out(proposal)
