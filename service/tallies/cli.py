"""`gocua tallies refresh [--all]`: bring the per-village tally cells up to date now.

A tally does this itself for the villages that changed since the last one; after a bulk load (a household
import, a migration that adds the cells) the first tally would count every village, so an operator can run it
ahead. `--all` marks every area first (after restoring cells from an older backup, say).
"""

from __future__ import annotations

import argparse
import asyncio
import time

from service.settings import Settings


async def refresh_cells(url: str, *, everything: bool = False) -> int:
    """Refreshes the cells; returns how many villages were recounted."""
    from sqlalchemy import insert, select

    import service.db.all_tables  # noqa: F401  (every table, so foreign keys resolve)
    from service.areas.models import Area
    from service.db.engine import create_engine, session_factory
    from service.db.tables import table_of
    from service.tallies import cells
    from service.tallies.models import TallyDirty

    engine = create_engine(url, pool_size=2)
    try:
        async with session_factory(engine)() as session:
            if everything:
                areas = select(table_of(Area).c.id)
                await session.execute(insert(table_of(TallyDirty)).from_select(["area_id"], areas))
                await session.commit()
            counted = await cells.refresh(session)
            await session.commit()
    finally:
        await engine.dispose()
    return counted


def cmd_refresh(args: argparse.Namespace) -> int:
    settings = Settings.from_env(data_dir=getattr(args, "data_dir", None))
    started = time.perf_counter()
    counted = asyncio.run(refresh_cells(settings.resolved_database_url, everything=args.all))
    print(f"{counted:,} village(s) recounted in {time.perf_counter() - started:.1f} s", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    group = commands.add_parser("tallies", help="the tallies' per-village cells").add_subparsers(
        dest="tallies_command", required=True
    )
    refresh_cmd = group.add_parser("refresh", help="bring the per-village tally cells up to date now")
    refresh_cmd.add_argument("--all", action="store_true", help="recount every area, changed or not")
    refresh_cmd.set_defaults(handler=cmd_refresh)
