"""Tests of the `gocua` commands of people and places: every login here uses the cheap hasher."""

from tests.support.world import fast_password_hashing  # noqa: F401  (autouse fixture)
