"""`gocua storage sweep`: remove photo objects and attachment files no visit references (uploads whose visit was
never recorded)."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

DEFAULT_OLDER_THAN_HOURS = 24.0


def cmd_storage_sweep(args: argparse.Namespace) -> int:
    from service.app import build_store
    from service.cli.main import run_with_session
    from service.visits.photo_objects import MIN_SWEEP_AGE, sweep

    older_than = timedelta(hours=args.older_than_hours)
    if older_than < MIN_SWEEP_AGE:
        # Younger objects may belong to an upload whose rows are being written right now.
        print(f"error: --older-than-hours must be at least {MIN_SWEEP_AGE.total_seconds() / 3600:g}", file=sys.stderr)
        return 2
    settings = Settings.from_env(data_dir=getattr(args, "data_dir", None))

    async def work(session: AsyncSession) -> list[str]:
        store = build_store(settings)
        try:
            await store.ensure_ready()
            return await sweep(session, store, older_than, dry_run=args.dry_run)
        finally:
            await store.aclose()

    removed = run_with_session(settings, work)
    verb = "would remove" if args.dry_run else "removed"
    for key in removed:
        print(key)
    print(f"{verb} {len(removed)} orphan object(s) older than {args.older_than_hours:g} h", flush=True)
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    storage = commands.add_parser("storage", help="the photo object store").add_subparsers(
        dest="storage_command", required=True
    )
    sweep_cmd = storage.add_parser("sweep", help="remove photo objects and attachment files that no visit references")
    sweep_cmd.add_argument(
        "--older-than-hours",
        type=float,
        default=DEFAULT_OLDER_THAN_HOURS,
        help=f"only objects older than this (default {DEFAULT_OLDER_THAN_HOURS:g}, minimum 1)",
    )
    sweep_cmd.add_argument("--dry-run", action="store_true", help="list what would be removed, remove nothing")
    sweep_cmd.set_defaults(handler=cmd_storage_sweep)
