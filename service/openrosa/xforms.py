"""The stored XForm of each published version: generated once (at publish, or on first request for versions
published before this existed), then served byte for byte forever."""

from __future__ import annotations

import hashlib
import logging

import anyio.to_thread
from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

import forms
from service.db.engine import utcnow
from service.openrosa.models import XFormVersion
from service.openrosa.xform import XFormUnsupported, build_xform
from service.registry import services as registry
from service.registry.models import FormVersion
from service.registry.schemas import PublishWarning

log = logging.getLogger("gocua.openrosa")
ERROR_LIMIT = 500


async def version_xlsform(session: AsyncSession, version: FormVersion) -> bytes | None:
    """The original XLSForm bytes a version was published from: wired at merge with the xlsform branch."""
    return None


async def _generate(definition: forms.FormDefinition, xlsform: bytes | None) -> tuple[bytes | None, str | None]:
    try:
        return await anyio.to_thread.run_sync(build_xform, definition, xlsform), None
    except XFormUnsupported as exc:
        return None, str(exc)[:ERROR_LIMIT] or "pyxform could not convert the form"


async def _stored(session: AsyncSession, form_id: str, version: str) -> XFormVersion | None:
    statement = select(XFormVersion).where(col(XFormVersion.form_id) == form_id, col(XFormVersion.version) == version)
    return (await session.execute(statement)).scalars().first()


async def store_xform(
    session: AsyncSession, definition: forms.FormDefinition, xlsform: bytes | None = None
) -> XFormVersion:
    """The version's XForm row, generating it when there is none (a concurrent generator's row wins)."""
    existing = await _stored(session, definition.id, definition.version)
    if existing is not None:
        return existing
    content, error = await _generate(definition, xlsform)
    row = XFormVersion(
        form_id=definition.id,
        version=definition.version,
        xform=content,
        md5=hashlib.md5(content, usedforsecurity=False).hexdigest() if content is not None else None,
        error=error,
        generated_at=utcnow(),
    )
    if error:
        log.warning("no XForm for %s v%s: %s", definition.id, definition.version, error)
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        existing = await _stored(session, definition.id, definition.version)
        if existing is None:
            raise
        return existing
    return row


def xform_warning(row: XFormVersion) -> PublishWarning | None:
    """What the publish response says when the version got no XForm (it is then not offered to ODK clients)."""
    if row.xform is not None:
        return None
    return PublishWarning(
        "",
        "openrosa.no_xform",
        f"Không tạo được XForm cho phiên bản này nên ODK Collect, Enketo, Web Forms sẽ không thấy nó: {row.error}",
        f"No XForm could be generated, so ODK Collect, Enketo and Web Forms will not see this version: {row.error}",
    )


async def xform_of(session: AsyncSession, version: FormVersion) -> XFormVersion:
    """The stored XForm of a published version (generated now if it was published before XForms were)."""
    row = await _stored(session, version.form_id, version.version)
    if row is None:
        row = await store_xform(session, registry.definition_of(version), await version_xlsform(session, version))
    return row


async def latest_versions(session: AsyncSession, form_id: str | None) -> list[FormVersion]:
    """The newest published version of each form (or of one), ordered by form id."""
    newest = select(func.max(col(FormVersion.id))).group_by(col(FormVersion.form_id))
    if form_id is not None:
        newest = newest.where(col(FormVersion.form_id) == form_id)
    statement = select(FormVersion).where(col(FormVersion.id).in_(newest)).order_by(col(FormVersion.form_id))
    return list((await session.execute(statement)).scalars())
