"""`gocua households import FILE.csv`: households of known villages, re-importable.

Columns: area_code (the village); optional id (UUID), official_code, head_name, address, lat, lon,
member_count, elderly_only, temporary_resident; at least one of official_code, head_name, address (a village
alone names no door). A row without an id gets a stable one derived from its village and official code (or,
lacking that, its head's name and address), so importing the same file twice changes nothing. Known ids are
updated when their content differs. One bad row refuses the whole file.
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.assessments.services import refresh_households
from service.common.text import parse_bool, parse_float, read_csv
from service.db.engine import utcnow
from service.db.tables import row_id
from service.households import changes
from service.households.models import Household
from service.households.schemas import HouseholdCreate, HouseholdImportReport
from service.households.services import content_hash, normalized_content

NAMESPACE = uuid.UUID("5b0f3c1e-6f0e-4c58-9a43-0c2b7d1f9e21")
OPTIONAL = {
    "id",
    "official_code",
    "head_name",
    "address",
    "lat",
    "lon",
    "member_count",
    "elderly_only",
    "temporary_resident",
}
COMPARED = (
    "area_id",
    "official_code",
    "head_name",
    "address",
    "lat",
    "lon",
    "member_count",
    "elderly_only",
    "temporary_resident",
)
BATCH = 5000
# A row must name its household by at least one of these.
IDENTIFYING = ("official_code", "head_name", "address")


def stable_id(area_code: str, row: dict[str, str]) -> uuid.UUID:
    if row.get("official_code"):
        return uuid.uuid5(NAMESPACE, f"{area_code}|code|{row['official_code']}")
    return uuid.uuid5(NAMESPACE, f"{area_code}|{row.get('head_name', '')}|{row.get('address', '')}")


async def import_households_csv(
    session: AsyncSession, content: bytes, created_by: int | None = None
) -> HouseholdImportReport:
    rows = list(read_csv(content, {"area_code"}, OPTIONAL))
    areas = {
        a.code: a
        for a in (
            await session.execute(select(Area).where(col(Area.code).in_({r["area_code"] for r in rows})))
        ).scalars()
    }
    problems: list[dict] = []
    records: dict[uuid.UUID, dict[str, Any]] = {}
    for row in rows:
        where = {"line": row.line}
        area = areas.get(row["area_code"])
        if area is None:
            problems.append(where | {"field": "area_code", "code": "area.unknown", "message": row["area_code"]})
            continue
        if area.closed_at is not None:
            problems.append(where | {"field": "area_code", "code": errors.AREA_CLOSED.code, "message": area.code})
            continue
        if not any(row.get(name) for name in IDENTIFYING):
            # A village alone names no door to knock on (and every such row would get the same id).
            needed = "official_code, head_name or address"
            problems.append(where | {"field": "head_name", "code": "household.unidentified", "message": needed})
            continue
        try:
            household_id = uuid.UUID(row["id"]) if row.get("id") else stable_id(area.code, row)
            data = HouseholdCreate(
                id=household_id,
                official_code=row.get("official_code") or None,
                head_name=row.get("head_name") or None,
                address=row.get("address") or None,
                lat=parse_float(row.get("lat", "")),
                lon=parse_float(row.get("lon", "")),
                member_count=int(row["member_count"]) if row.get("member_count") else None,
                elderly_only=parse_bool(row.get("elderly_only", "")),
                temporary_resident=parse_bool(row.get("temporary_resident", "")),
            )
        except ValueError as exc:
            problems.append(where | {"code": "csv.bad_value", "message": str(exc)})
            continue
        try:
            content_row = normalized_content(data, row_id(area))
        except errors.DomainError as exc:
            problems += [where | item for item in exc.errors or []]
            continue
        if household_id in records:
            problems.append(where | {"field": "id", "code": "household.duplicate", "message": str(household_id)})
            continue
        records[household_id] = content_row
    if problems:
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)

    report = HouseholdImportReport()
    existing: dict[uuid.UUID, Household] = {}
    ids = list(records)
    for start in range(0, len(ids), BATCH):
        chunk = ids[start : start + BATCH]
        existing.update(
            {
                h.id: h
                for h in (
                    await session.execute(
                        # Rows first, then the change counter: the same lock order as every other household writer.
                        select(Household).where(col(Household.id).in_(chunk)).with_for_update(key_share=True)
                    )
                ).scalars()
            }
        )
    new_ids = [i for i in ids if i not in existing]
    changed = [
        h
        for i, h in existing.items()
        if tuple(getattr(h, k) for k in COMPARED) != tuple(records[i][k] for k in COMPARED)
    ]
    merged = [h for h in changed if h.status == "merged"]
    if merged:
        raise errors.DomainError(
            errors.CSV_INVALID,
            errors=[
                {"id": str(h.id), "code": errors.HOUSEHOLD_MERGE_INVALID.code, "message": "merged; edit the survivor"}
                for h in merged
            ],
        )
    total = len(new_ids) + len(changed)
    if total:
        top = await changes.bump(session, count=total)
        seqs = iter(range(top - total + 1, top + 1))
        now = utcnow()
        for household in changed:
            for key in COMPARED:
                setattr(household, key, records[household.id][key])
            household.updated_at, household.change_seq = now, next(seqs)
        await session.flush()
        await refresh_households(await session.connection(), [household.id for household in changed])
        values = [
            dict(
                records[i],
                id=i,
                status="active",
                created_by=created_by,
                created_at=now,
                updated_at=now,
                change_seq=next(seqs),
                create_hash=content_hash(records[i]),
            )
            for i in new_ids
        ]
        for start in range(0, len(values), BATCH):
            await session.execute(insert(Household), values[start : start + BATCH])
    report.created, report.updated = len(new_ids), len(changed)
    report.unchanged = len(ids) - total
    return report
