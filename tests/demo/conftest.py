"""Tests of the demo data and `gocua serve --demo`: every login here uses the cheap hasher."""

from tests.support.world import fast_password_hashing  # noqa: F401  (autouse fixture)
