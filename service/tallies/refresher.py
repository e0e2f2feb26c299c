"""Keeps the tally cells close to current in the background, so a tally read after a busy hour does not recount
half the province itself (3,000 reviews between two tallies made a province tally 1.7 s instead of 0.7 s).

Every GOCUA_TALLY_REFRESH_S seconds each server worker runs `cells.refresh`: nothing to do costs one indexed
`max(id)`; with several workers the cells' lock lets one recount while the others find nothing left. A failure
(the database restarting, say) is logged and the next round tries again; reads still refresh on their own.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from service.tallies import cells

log = logging.getLogger("gocua.tallies")


async def _every(sessions: async_sessionmaker[AsyncSession], seconds: float) -> None:
    while True:
        await asyncio.sleep(seconds)
        try:
            async with sessions() as session:
                counted = await cells.refresh(session)
                await session.commit()
            if counted:
                log.debug("tally cells: %d village(s) recounted", counted)
        except Exception:
            log.warning("tally cells refresh failed", exc_info=True)


@contextlib.asynccontextmanager
async def refreshing(sessions: async_sessionmaker[AsyncSession], seconds: float) -> AsyncIterator[None]:
    """Runs the refresher while the context is open (0 or less: not at all)."""
    if seconds <= 0:
        yield
        return
    task = asyncio.create_task(_every(sessions, seconds))
    try:
        yield
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
