"""Errors raised by the object stores.

The service maps these to HTTP answers: StoreUnavailable → 503 (the phone retries later),
StoreAuthError → refuse to start, ObjectNotFound → 404.
"""

from __future__ import annotations


class StoreError(Exception):
    """Base class for every object-store failure."""


class StoreUnavailable(StoreError):
    """The store cannot be reached or answers with server errors: retry later."""


class StoreAuthError(StoreError):
    """The store rejects our credentials or denies access: a configuration error, not transient."""


class ObjectNotFound(StoreError, KeyError):
    """The key does not exist in the bucket."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key

    def __str__(self) -> str:  # KeyError would quote the repr
        return f"object not found: {self.key}"
