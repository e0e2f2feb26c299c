"""Subcommands contributed by each domain package (areas, households, demo-seed, storage ...)."""

from service.assessments.cli import register as register_assessments
from service.cli.people_places import register as register_people_places
from service.exports.cli import register as register_exports
from service.tallies.cli import register as register_tallies
from service.visits.cli import register as register_visits

REGISTRARS: list = [register_people_places, register_visits, register_assessments, register_exports, register_tallies]
