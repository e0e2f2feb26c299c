"""Subcommands contributed by each domain package (areas, households, demo-seed, storage ...)."""

from service.access.cli import register as register_access
from service.visits.cli import register as register_visits

REGISTRARS: list = [register_access, register_visits]
