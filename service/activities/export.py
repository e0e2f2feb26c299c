"""The activity log of an area as CSV, like the other exports: UTF-8 with a BOM, streamed in pages of rows read on
the export's own connection, typed text made inert, the download written to the access log."""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from datetime import date, datetime
from typing import Any

from sqlalchemy import and_, or_, select
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession

from service.activities import catalog
from service.activities.services import ACTIVITIES
from service.areas.models import Area
from service.areas.services import area_in_scope
from service.audit import services as audit
from service.auth.actor import Actor, Role
from service.auth.scope import path_prefix_filter
from service.common.clock import VIETNAM
from service.db.tables import table_of
from service.exports import formats
from service.exports.services import Export

AREAS = table_of(Area)
PAGE_ROWS = 500
TITLES = [
    "Mã hoạt động (id)",
    "Loại (kind)",
    "Ngày (held_on)",
    "Mã địa bàn (area)",
    "Địa bàn (area_name)",
    "Địa điểm (place)",
    "Đơn vị phối hợp (partner)",
    "Nội dung (topic)",
    "Số người tham dự (attendees)",
    "Kênh (channel)",
    "Số lượt (quantity)",
    "Vĩ độ (lat)",
    "Kinh độ (lon)",
    "Đối tượng (beneficiary_kind)",
    "Hộ/doanh nghiệp (beneficiary)",
    "Sàn TMĐT (platform)",
    "Sản phẩm (product)",
    "Số người được hỗ trợ (people_helped)",
    "Theo dịch vụ (services)",
    "Ghi chú (note)",
    "Ghi lúc (recorded_at)",
]
TEXT_COLUMNS = (4, 5, 6, 7, 14, 15, 16, 18, 19)


def _services(value: dict[str, int] | None) -> str | None:
    if not value:
        return None
    return "; ".join(f"{catalog.name(catalog.SERVICES, code, 'vi')}: {n}" for code, n in value.items())


def _row(row: Any) -> list[Any]:
    return [
        str(row.id),
        catalog.name(catalog.KINDS, row.kind, "vi"),
        row.held_on.isoformat(),
        row.code,
        row.name,
        row.place,
        row.partner,
        row.topic,
        row.attendees,
        catalog.name(catalog.CHANNELS, row.channel, "vi") or None,
        row.quantity,
        row.lat,
        row.lon,
        catalog.name(catalog.BENEFICIARIES, row.beneficiary_kind, "vi") or None,
        row.beneficiary,
        row.platform,
        row.product,
        row.people_helped,
        _services(row.services),
        row.note,
        row.recorded_at.astimezone(VIETNAM).isoformat(timespec="seconds") if row.recorded_at else None,
    ]


async def _rows(engine: AsyncEngine, path: str, start: date | None, end: date | None) -> AsyncIterator[Sequence[Any]]:
    a = ACTIVITIES.c
    where = [path_prefix_filter(a.area_path, path)]
    if start is not None:
        where.append(a.held_on >= start)
    if end is not None:
        where.append(a.held_on <= end)
    last: tuple[date, Any] | None = None
    while True:
        statement = select(ACTIVITIES, AREAS.c.code, AREAS.c.name).join(AREAS, AREAS.c.id == a.area_id).where(*where)
        if last is not None:
            statement = statement.where(or_(a.held_on > last[0], and_(a.held_on == last[0], a.id > last[1])))
        async with engine.connect() as connection:
            page = (await connection.execute(statement.order_by(a.held_on, a.id).limit(PAGE_ROWS))).all()
        if not page:
            return
        yield [_row(row) for row in page]
        last = (page[-1].held_on, page[-1].id)


async def prepare_csv(
    session: AsyncSession, engine: AsyncEngine, actor: Actor, *, area: str, start: date | None, end: date | None
) -> Export:
    root = await area_in_scope(session, actor, area)  # 404 before 403: out of scope says nothing
    actor.require_role(Role.SUPERVISOR)
    audit.record(session, actor, "export_activities_csv", "area", root.code)
    today = datetime.now(VIETNAM).date().isoformat()
    body = formats.csv_bytes(TITLES, _rows(engine, root.path, start, end), TEXT_COLUMNS, one_line=True)
    return Export(f"hoat-dong_{root.code}_{today}.csv", formats.MEDIA_TYPES["csv"], body)
