"""Tests of the periodic report, on the hand-counted scenario (tests/support/scenario.py)."""

from tests.support.scenario import form, scenario  # noqa: F401  (fixtures)
