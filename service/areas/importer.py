"""Bulk loading of the area tree: official provinces and wards from `vietnam-provinces`, villages from CSV.

Both are idempotent: an existing code is updated (name, level, location) and never moved to another parent.
Every row is checked before anything is written; one bad row refuses the whole file.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from service import errors
from service.areas.models import Area
from service.areas.schemas import ImportReport
from service.areas.services import check_area_fields, insert_area
from service.common.text import clean_name, nfc, parse_float, read_csv
from service.db.tables import row_id

# Official division types → our level names.
VN_LEVELS = {
    "tỉnh": "province",
    "thành phố trung ương": "province",
    "xã": "commune",
    "phường": "ward",
    "đặc khu": "special_zone",
}


@dataclass
class AreaRow:
    code: str
    name: str
    level: str
    parent_code: str | None
    lat: float | None = None
    lon: float | None = None
    line: int | None = None


def vn_province_rows(province_code: int) -> list[AreaRow]:
    """The province and its wards/communes (since 2025 there is no district level)."""
    from vietnam_provinces import Province, ProvinceCode, Ward

    try:
        province = Province.from_code(ProvinceCode(province_code))
    except ValueError as exc:
        raise errors.DomainError(
            errors.INVALID_DATA, f"Không có tỉnh mã {province_code}.", f"No province with code {province_code}."
        ) from exc
    rows = [
        AreaRow(
            code=str(int(province.code)),
            name=province.name,
            level=VN_LEVELS.get(province.division_type.value, "province"),
            parent_code=None,
        )
    ]
    wards = sorted(Ward.iter_by_province(province.code), key=lambda w: int(w.code))
    rows += [
        AreaRow(
            code=str(int(w.code)),
            name=w.name,
            level=VN_LEVELS.get(w.division_type.value, "commune"),
            parent_code=rows[0].code,
        )
        for w in wards
    ]
    return rows


def csv_rows(content: bytes) -> tuple[list[AreaRow], list[dict]]:
    rows: list[AreaRow] = []
    problems: list[dict] = []
    for raw in read_csv(content, {"code", "name", "parent_code"}, {"level", "lat", "lon"}):
        try:
            lat, lon = parse_float(raw.get("lat", "")), parse_float(raw.get("lon", ""))
        except ValueError:
            problems.append(
                {"line": raw.line, "field": "lat", "code": "area.bad_location", "message": "lat/lon must be numbers"}
            )
            lat = lon = None
        rows.append(
            AreaRow(
                code=raw["code"],
                name=clean_name(raw["name"]) or "",
                level=(raw.get("level") or "village").lower(),
                parent_code=raw["parent_code"] or None,
                lat=lat,
                lon=lon,
                line=raw.line,
            )
        )
    return rows, problems


async def import_rows(session: AsyncSession, rows: list[AreaRow], problems: list[dict] | None = None) -> ImportReport:
    existing = {
        a.code: a
        for a in (
            await session.execute(
                select(Area).where(
                    col(Area.code).in_({r.code for r in rows} | {r.parent_code for r in rows if r.parent_code})
                )
            )
        ).scalars()
    }
    parent_codes = {
        row_id(a): a.code
        for a in (
            await session.execute(
                select(Area).where(col(Area.id).in_({a.parent_id for a in existing.values() if a.parent_id}))
            )
        ).scalars()
    }
    problems = (problems or []) + _check(rows, existing, parent_codes)
    if problems:
        raise errors.DomainError(errors.CSV_INVALID, errors=problems)

    report = ImportReport()
    by_code = dict(existing)
    pending = list(rows)
    while pending:
        waiting: list[AreaRow] = []
        for row in pending:
            if row.parent_code is not None and row.parent_code not in by_code:
                waiting.append(row)
                continue
            current = by_code.get(row.code)
            if current is None:
                by_code[row.code] = await insert_area(
                    session,
                    code=row.code,
                    name=row.name,
                    level=row.level,
                    parent=by_code[row.parent_code] if row.parent_code else None,
                    lat=row.lat,
                    lon=row.lon,
                )
                report.created += 1
            elif (current.name, current.level, current.lat, current.lon) != (row.name, row.level, row.lat, row.lon):
                current.name, current.level, current.lat, current.lon = row.name, row.level, row.lat, row.lon
                report.updated += 1
            else:
                report.unchanged += 1
        if len(waiting) == len(pending):  # _check rules this out; guard against a loop anyway
            raise errors.DomainError(errors.CSV_INVALID, "Địa bàn cha không tồn tại.", "Unknown parent areas.")
        pending = waiting
    await session.flush()
    return report


def _check(rows: list[AreaRow], existing: dict[str, Area], parent_codes: dict[int, str]) -> list[dict]:
    problems: list[dict] = []
    seen: dict[str, int | None] = {}
    in_file = {r.code for r in rows}
    for row in rows:
        where = {"line": row.line} if row.line is not None else {}
        row.code = nfc(row.code)
        problems.extend(
            where | {"code_value": row.code} | problem
            for problem in check_area_fields(row.code, row.name, row.level, row.lat, row.lon)
        )
        if row.code in seen:
            problems.append(where | {"field": "code", "code": "area.duplicate_code", "message": row.code})
        seen[row.code] = row.line
        if row.parent_code is not None and row.parent_code not in in_file and row.parent_code not in existing:
            problems.append(where | {"field": "parent_code", "code": "area.unknown_parent", "message": row.parent_code})
        current = existing.get(row.code)
        if current is not None:
            current_parent = parent_codes.get(current.parent_id) if current.parent_id else None
            if current_parent != row.parent_code:
                problems.append(
                    where
                    | {
                        "field": "parent_code",
                        "code": "area.parent_change",
                        "message": f"{row.code} is under {current_parent}; moving is not supported",
                    }
                )
    # A parent chain inside the file must end at an existing area or a root (no cycles).
    parents = {r.code: r.parent_code for r in rows}
    for row in rows:
        chain: set[str] = set()
        code: str | None = row.code
        while code is not None and code in parents and code not in chain:
            chain.add(code)
            code = parents[code]
        if code in chain:
            problems.append({"line": row.line, "field": "parent_code", "code": "area.cycle", "message": row.code})
    return problems


async def import_areas_csv(session: AsyncSession, content: bytes) -> ImportReport:
    return await import_rows(session, *csv_rows(content))


async def import_vn_province(session: AsyncSession, province_code: int) -> ImportReport:
    return await import_rows(session, vn_province_rows(province_code))
