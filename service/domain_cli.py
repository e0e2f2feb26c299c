"""Subcommands contributed by each domain package (areas, households, demo-seed, storage ...)."""

from service.access.cli import register as register_access

REGISTRARS: list = [register_access]
