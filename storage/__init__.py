"""Object storage and photo processing for Gõ Cửa.

Imports nothing from `service` or `forms`: the service wires this package in, not the reverse.
"""

from storage.errors import ObjectNotFound, StoreAuthError, StoreError, StoreUnavailable
from storage.keys import PhotoKeys, content_key, photo_keys, validate_key
from storage.local_store import LocalStore
from storage.objects import ObjectInfo, ObjectStore, open_store
from storage.photo_checks import PhotoRejected
from storage.photo_pool import PhotoPool
from storage.photos import ProcessedPhoto, floor_cost, process_photo, process_photo_async
from storage.s3_store import S3Store
from storage.sweep import sweep_orphans

__all__ = [
    "LocalStore",
    "ObjectInfo",
    "ObjectNotFound",
    "ObjectStore",
    "PhotoKeys",
    "PhotoPool",
    "PhotoRejected",
    "ProcessedPhoto",
    "S3Store",
    "StoreAuthError",
    "StoreError",
    "StoreUnavailable",
    "content_key",
    "floor_cost",
    "open_store",
    "photo_keys",
    "process_photo",
    "process_photo_async",
    "sweep_orphans",
    "validate_key",
]
