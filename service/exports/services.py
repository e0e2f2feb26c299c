"""Exports for supervisors and above, scoped to their area, each written to the access log.

`prepare_*` checks the request and returns an `Export`: its file name (area code and date), media type, and
an async iterator of bytes that reads the database on its own connection while the response is sent.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service import errors
from service.areas.models import Area
from service.areas.services import area_in_scope
from service.audit import services as audit
from service.auth.actor import Actor, Role
from service.common.clock import local_now
from service.exports import formats, households, visits
from service.tallies.form_info import resolve_form

FORMATS = ("csv", "xlsx", "geojson")
VISIT_FORMATS = ("csv", "xlsx")


@dataclass(slots=True)
class Export:
    filename: str
    media_type: str
    body: AsyncIterator[bytes]


def _choice(name: str, value: str, allowed: tuple[str, ...]) -> str:
    if value not in allowed:
        raise errors.DomainError(
            errors.BAD_QUERY,
            f"{name} phải là một trong: {', '.join(allowed)}.",
            f"{name} must be one of: {', '.join(allowed)}.",
        )
    return value


def _today() -> str:
    return local_now().date().isoformat()


async def prepare_households(
    session: AsyncSession,
    engine: AsyncEngine,
    actor: Actor | None,
    *,
    area: str,
    fmt: str,
    visited: str = "all",
    form_id: str | None = None,
) -> Export:
    """`actor` None: the command line (an operator with the database's keys, logged as such)."""
    _choice("format", fmt, FORMATS)
    _choice("visited", visited, households.VISITED_CHOICES)
    root = await _area(session, actor, area)
    form = await resolve_form(session, form_id)
    audit.record(session, actor, f"export_households_{fmt}", "area", root.code)
    titles = households.titles(form)
    if fmt == "csv" and engine.dialect.name == "postgresql":
        body = households.copy_household_csv(engine, root.path, form, visited)  # PostgreSQL writes the CSV
    else:
        found = await households.lookups(await session.connection(), root.path)
        rows = households.household_rows(engine, root.path, form, visited, found)
        if fmt == "csv":
            body = formats.csv_bytes(titles, rows, households.TEXT_COLUMNS, one_line=True)
        elif fmt == "xlsx":
            body = formats.xlsx_bytes(titles, rows, "Hộ gia đình")
        else:
            body = formats.geojson_bytes(titles, rows, households.location_of)
    return Export(f"ho-gia-dinh_{root.code}_{_today()}.{fmt}", formats.MEDIA_TYPES[fmt], body)


async def prepare_visits(
    session: AsyncSession,
    engine: AsyncEngine,
    actor: Actor | None,
    *,
    area: str,
    fmt: str,
    labels: str = "vi",
    form_id: str | None = None,
) -> Export:
    _choice("format", fmt, VISIT_FORMATS)
    _choice("labels", labels, visits.LABELS)
    root = await _area(session, actor, area)
    info = await resolve_form(session, form_id)
    if info is None:
        raise errors.DomainError(errors.FORM_NOT_FOUND)
    from service.assessments.services import compiled_form

    form = await compiled_form(await session.connection(), info.id, info.version)
    assert form is not None
    found = await households.lookups(await session.connection(), root.path)
    audit.record(session, actor, f"export_visits_{fmt}", "area", root.code)
    titles, cells, text_columns = visits.titles(form, labels)
    rows = visits.visit_rows(engine, root.path, info.id, labels, cells, found)
    body = (
        formats.csv_bytes(titles, rows, text_columns)
        if fmt == "csv"
        else formats.xlsx_bytes(titles, rows, "Phiếu thăm hộ")
    )
    return Export(f"phieu-tham_{root.code}_{_today()}.{fmt}", formats.MEDIA_TYPES[fmt], body)


async def _area(session: AsyncSession, actor: Actor | None, code: str) -> Area:
    if actor is None:
        from service.areas.services import find_area

        found = await find_area(session, code)
        if found is None:
            raise errors.DomainError(errors.NOT_FOUND, f"Không tìm thấy địa bàn {code}.", f"No area {code}.")
        return found
    area = await area_in_scope(session, actor, code)  # 404 before 403: out of scope says nothing
    actor.require_role(Role.SUPERVISOR)
    return area
