"""VACUUM (ANALYZE) of the tally tables once the refreshes have rewritten many cells.

A refresh deletes and re-inserts a village's cells, so the cells table collects dead rows all day, and the marks
table more so. PostgreSQL's autovacuum normally clears them, but it may be off or lagging (it is off on the
development machine): measured on a province, 321,000 dead cells beside 256,000 live ones made the households'
part of a tally 0.45 s instead of 0.15 s, and stale statistics once made the planner pick a nested loop that took
a tally to 9.8 s. So each server process counts the cells its refreshes rewrote and, past VACUUM_AFTER, vacuums
both tables itself, in the background: no reader waits for it (a VACUUM blocks neither reads nor writes; a
refresh starting meanwhile waits for it on the cells' lock).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from dataclasses import dataclass, field

from sqlalchemy import text
from sqlalchemy.engine import Engine
from sqlalchemy.ext.asyncio import AsyncEngine

log = logging.getLogger("gocua.tallies")

VACUUM_AFTER = 50_000  # cells rewritten by this process's refreshes since its last VACUUM


@dataclass
class _Upkeep:
    rewritten: int = 0
    running: set[asyncio.Task[None]] = field(default_factory=set)


_by_engine: weakref.WeakKeyDictionary[Engine, _Upkeep] = weakref.WeakKeyDictionary()


def cells_rewritten(bind: AsyncEngine, count: int) -> None:
    """Counts cells a committed refresh rewrote; starts a VACUUM in the background when enough have been."""
    if bind.dialect.name != "postgresql" or count <= 0:
        return
    upkeep = _by_engine.setdefault(bind.sync_engine, _Upkeep())
    upkeep.rewritten += count
    if upkeep.rewritten < VACUUM_AFTER or upkeep.running:
        return
    upkeep.rewritten = 0
    task = asyncio.get_running_loop().create_task(vacuum(bind))
    upkeep.running.add(task)
    task.add_done_callback(upkeep.running.discard)


async def vacuum(bind: AsyncEngine) -> None:
    """VACUUM (ANALYZE) the cells and the marks; a failure is logged (autovacuum, or the next one, catches up)."""
    try:
        async with bind.connect() as plain:
            connection = await plain.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text("VACUUM (ANALYZE) tally_cells, tally_dirty"))
    except Exception:
        log.warning("VACUUM of the tally tables failed", exc_info=True)


async def settled(bind: AsyncEngine) -> None:
    """Waits for a VACUUM this process started on `bind` (before disposing of the engine, and in tests)."""
    upkeep = _by_engine.get(bind.sync_engine)
    if upkeep is not None and upkeep.running:
        await asyncio.gather(*upkeep.running)
