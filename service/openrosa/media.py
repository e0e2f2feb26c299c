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
from service.registry import media as registry_media
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


async def manifest_entries(session: AsyncSession, actor: Actor, version: FormVersion) -> list[tuple[str, str]]:
    """(file name, md5 of the bytes served) of every file the manifest of this version lists for this member:
    the member's households.csv, then the media uploaded with the version (their md5 as stored at upload, so
    their contents are not read here)."""
    assert version.id is not None
    households = await households_csv(session, actor)
    uploaded = await registry_media.list_media(session, version.id)
    return [(households.filename, households.md5), *((f.name, f.md5) for f in uploaded if f.name != HOUSEHOLDS_CSV)]


async def one_media_file(session: AsyncSession, actor: Actor, version: FormVersion, filename: str) -> MediaFile | None:
    """The one file an attachment download asks for (the member's households.csv, or an uploaded medium)."""
    if filename == HOUSEHOLDS_CSV:
        return await households_csv(session, actor)
    assert version.id is not None
    content = await registry_media.read_media(session, version.id, filename)
    if content is None:
        return None
    info = next(f for f in await registry_media.list_media(session, version.id) if f.name == filename)
    return MediaFile(filename, content, info.content_type)
