"""Tests of reviews: the visits fixtures and the cheap hasher."""

from tests.support.world import fast_password_hashing  # noqa: F401  (autouse fixture)
from tests.visits.conftest import form, homes  # noqa: F401  (fixtures)
