"""Form media listed in the manifest: the member's village as `households.csv`, and the files uploaded with the
version (wired at merge with the XLSForm work)."""

from __future__ import annotations

import csv
import hashlib
import io
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from service.areas.models import Area
from service.auth.actor import Actor
from service.db.tables import table_of
from service.households.models import Household
from service.openrosa.xform import HOUSEHOLDS_CSV, NEW_HOUSEHOLD_CHOICE
from service.registry.models import FormVersion

HOUSEHOLDS = table_of(Household)
AREAS = table_of(Area)
# No leading "+ ": Web Forms renders choice labels as Markdown, where "+ x" is a bulleted list.
NEW_HOUSEHOLD_LABEL = "Hộ mới (chưa có trong danh sách) / New household"


@dataclass(frozen=True, slots=True)
class MediaFile:
    filename: str
    content: bytes
    content_type: str

    @property
    def md5(self) -> str:
        return hashlib.md5(self.content, usedforsecurity=False).hexdigest()


async def households_csv(session: AsyncSession, actor: Actor) -> MediaFile:
    """The households the member may visit, scoped exactly like the JSON households sync (their own area),
    minimal columns: name = the household's id, label = head of household and address. Its md5 changes when the
    list changes, so Collect downloads it again."""
    query = (
        select(HOUSEHOLDS.c.id, HOUSEHOLDS.c.head_name, HOUSEHOLDS.c.address, HOUSEHOLDS.c.official_code)
        .join(AREAS, AREAS.c.id == HOUSEHOLDS.c.area_id)
        .where(HOUSEHOLDS.c.merged_into_id.is_(None), HOUSEHOLDS.c.status == "active")
        .order_by(HOUSEHOLDS.c.head_name, HOUSEHOLDS.c.id)
    )
    if actor.area_path is not None:
        query = query.where(AREAS.c.path.startswith(actor.area_path))
    rows = (await session.execute(query)).all()
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["name", "label"])
    writer.writerow([NEW_HOUSEHOLD_CHOICE, NEW_HOUSEHOLD_LABEL])
    for row in rows:
        label = " — ".join(part for part in (row.head_name or "(chưa ghi tên)", row.address, row.official_code) if part)
        writer.writerow([str(row.id), label])
    return MediaFile(HOUSEHOLDS_CSV, buffer.getvalue().encode("utf-8"), "text/csv; charset=utf-8")


async def version_media_files(session: AsyncSession, version: FormVersion) -> list[MediaFile]:
    """Form media uploaded with the version: wired at merge with the xlsform branch (its own table)."""
    return []


async def form_media(session: AsyncSession, actor: Actor, version: FormVersion) -> list[MediaFile]:
    """Every file the manifest of this version lists for this member."""
    uploaded = await version_media_files(session, version)
    return [await households_csv(session, actor), *(f for f in uploaded if f.filename != HOUSEHOLDS_CSV)]
