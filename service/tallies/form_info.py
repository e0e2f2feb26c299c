"""Which form a tally or export is about: its indicators, levels, and each version's indicator order."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.assessments.services import MAX_INDICATOR_BITS
from service.db.tables import table_of
from service.registry.models import FormVersion
from service.registry.services import load_stored

FORM_VERSIONS = table_of(FormVersion)


@dataclass(slots=True)
class FormInfo:
    id: str
    version: str
    title: forms.Label
    indicators: list[tuple[str, forms.Label]]
    levels: list[tuple[int, forms.Label]]
    names_by_version: dict[str, list[str]]

    @property
    def bit_count(self) -> int:
        return min(MAX_INDICATOR_BITS, max((len(names) for names in self.names_by_version.values()), default=0))


async def resolve_form(session: AsyncSession, form_id: str | None) -> FormInfo | None:
    """The asked form (404 if unknown); by default the newest published form with a rubric."""
    query = select(FORM_VERSIONS.c.form_id, FORM_VERSIONS.c.version, FORM_VERSIONS.c.definition).order_by(
        FORM_VERSIONS.c.id.desc()
    )
    if form_id is not None:
        query = query.where(FORM_VERSIONS.c.form_id == form_id)
    rows = (await session.execute(query)).all()
    if not rows:
        if form_id is not None:
            raise errors.DomainError(errors.FORM_NOT_FOUND)
        return None
    definitions = [(row.form_id, row.version, load_stored(row.definition)) for row in rows]
    chosen = next((d for d in definitions if d[2].rubric is not None), definitions[0])
    latest = chosen[2]
    names_by_version = {
        version: [i.name for i in d.rubric.indicators] if d.rubric else []
        for fid, version, d in definitions
        if fid == chosen[0]
    }
    rubric = latest.rubric
    return FormInfo(
        id=chosen[0],
        version=chosen[1],
        title=latest.title,
        indicators=[(i.name, i.label) for i in rubric.indicators] if rubric else [],
        levels=[(level.value, level.name) for level in rubric.levels] if rubric else [],
        names_by_version=names_by_version,
    )
