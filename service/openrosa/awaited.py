"""The photos an OpenRosa visit still waits for, read back from its stored instance.

A split upload's first POST may bring fewer photos than its instance names; the visit then waits for all it names,
beyond the form's minimum (prepare._awaiting_referenced). Photo file names are not answers, so a read of the visit
(the API's visit, a later receipt, the status after a later POST) finds them again in the XML kept with it.
"""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

import forms
from service import errors
from service.openrosa.instance import parse_instance
from service.openrosa.mapping import map_instance
from service.openrosa.prepare import SUBMISSIONS, awaiting_referenced


async def named_photo_rules(
    session: AsyncSession, visit_id: uuid.UUID, form: forms.CompiledForm, rules: dict[str, forms.PhotoRule]
) -> dict[str, forms.PhotoRule]:
    """`rules` with each minimum raised to the photos the visit's instance names (unchanged for other visits)."""
    connection = await session.connection()
    xml = (await connection.execute(select(SUBMISSIONS.c.xml).where(SUBMISSIONS.c.visit_id == visit_id))).scalar()
    if not xml:
        return rules
    try:
        mapped = map_instance(form.definition, parse_instance(bytes(xml)))
    except errors.DomainError:
        return rules  # stored XML was parsed once already; never fail a read over it
    return awaiting_referenced(rules, mapped)
