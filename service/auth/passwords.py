"""Password hashing with argon2id (memory-hard). Hashing and verifying run off the event loop."""

from __future__ import annotations

from functools import lru_cache

import anyio.to_thread
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

MIN_LENGTH = 8
MAX_LENGTH = 200


def production_hasher() -> PasswordHasher:
    """argon2id with RFC 9106's second recommended (low-memory) profile: t=3, m=64 MiB, p=4."""
    return PasswordHasher(time_cost=3, memory_cost=65536, parallelism=4)


_hasher = production_hasher()


async def hash_password(password: str) -> str:
    return await anyio.to_thread.run_sync(_hasher.hash, password)


@lru_cache(maxsize=1)
def _dummy_hash() -> str:
    return _hasher.hash("not a real password, only for equal timing")


def _verify(stored: str | None, password: str) -> tuple[bool, bool]:
    """(matches, needs_rehash). An unknown user still costs one verification, so timing does not tell."""
    try:
        _hasher.verify(stored or _dummy_hash(), password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False, False
    if stored is None:
        return False, False
    return True, _hasher.check_needs_rehash(stored)


async def verify_password(stored: str | None, password: str) -> tuple[bool, bool]:
    return await anyio.to_thread.run_sync(_verify, stored, password)
