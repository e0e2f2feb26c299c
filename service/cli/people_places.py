"""`gocua` subcommands of the areas, people and households domains (their CSV imports) and the demo seed."""

from __future__ import annotations

import argparse
import json
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

import msgspec

from service.settings import Settings

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncSession

T = TypeVar("T")


def _settings(args: argparse.Namespace) -> Settings:
    return Settings.from_env(data_dir=getattr(args, "data_dir", None))


def _run(args: argparse.Namespace, work: Callable[[AsyncSession], Awaitable[T]]) -> T:
    from service.cli.main import run_with_session

    return run_with_session(_settings(args), work)


def _print_report(what: str, report: msgspec.Struct) -> None:
    print(f"{what}: " + ", ".join(f"{k} {v}" for k, v in msgspec.structs.asdict(report).items()))


def cmd_areas_import_vn(args: argparse.Namespace) -> int:
    from service.areas.importer import import_vn_province

    _print_report("areas", _run(args, lambda s: import_vn_province(s, args.province)))
    return 0


def cmd_areas_import(args: argparse.Namespace) -> int:
    from service.areas.importer import import_areas_csv

    content = Path(args.file).read_bytes()
    _print_report("areas", _run(args, lambda s: import_areas_csv(s, content)))
    return 0


def cmd_members_import(args: argparse.Namespace) -> int:
    from service.people.importer import import_members_csv

    content = Path(args.file).read_bytes()
    _print_report("members", _run(args, lambda s: import_members_csv(s, None, content)))
    return 0


def cmd_households_import(args: argparse.Namespace) -> int:
    from service.households.importer import import_households_csv

    content = Path(args.file).read_bytes()
    _print_report("households", _run(args, lambda s: import_households_csv(s, content)))
    return 0


def write_credentials(path: Path, credentials: dict) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(credentials, ensure_ascii=False, indent=1), encoding="utf-8")
    path.chmod(0o600)


def cmd_demo_seed(args: argparse.Namespace) -> int:
    from service.db.engine import migrate
    from service.demo.seed import seed_with_history

    settings = _settings(args)
    migrate(settings.resolved_database_url)
    result = _run(args, lambda s: seed_with_history(s, settings, args.scale))
    write_credentials(Path(args.out), result.credentials)
    counts = ", ".join(f"{k} {v:,}" for k, v in result.counts.items())
    print(f"demo {args.scale}: {counts}")
    print(f"seeded in {result.seconds['total']:.1f} s ({result.seconds}); credentials in {args.out}")
    return 0


def register(commands: argparse._SubParsersAction) -> None:
    areas = commands.add_parser("areas", help="the area tree").add_subparsers(dest="areas_command", required=True)
    vn = areas.add_parser("import-vn", help="a province and its communes/wards from vietnam-provinces")
    vn.add_argument("--province", type=int, default=38, help="official province code (Thanh Hóa = 38)")
    vn.set_defaults(handler=cmd_areas_import_vn)
    areas_csv = areas.add_parser("import", help="areas from CSV: code,name,parent_code[,level,lat,lon]")
    areas_csv.add_argument("file")
    areas_csv.set_defaults(handler=cmd_areas_import)

    members = commands.add_parser("members", help="people").add_subparsers(dest="members_command", required=True)
    members_csv = members.add_parser(
        "import", help="people from CSV: username,full_name,area_code[,role,phone,has_smartphone,password]"
    )
    members_csv.add_argument("file")
    members_csv.set_defaults(handler=cmd_members_import)

    households = commands.add_parser("households", help="households").add_subparsers(
        dest="households_command", required=True
    )
    households_csv = households.add_parser(
        "import",
        help="households from CSV: area_code[,id,official_code,head_name,address,lat,lon,member_count,"
        "elderly_only,temporary_resident]",
    )
    households_csv.add_argument("file")
    households_csv.set_defaults(handler=cmd_households_import)

    demo = commands.add_parser("demo-seed", help="deterministic demo data into an empty database")
    demo.add_argument("--scale", choices=["small", "district", "province"], default="small")
    demo.add_argument("--out", default="demo-credentials.json", help="where to write the credentials (JSON)")
    demo.set_defaults(handler=cmd_demo_seed)
