"""Object keys: validation and the content-addressed layout for photos.

Photos are stored under the SHA-256 of the bytes the phone sent, so a visit submitted twice
over a flaky 2G link lands on the same keys and the second upload is a harmless overwrite.
Derivatives (large, thumb) are keyed by the ORIGINAL's hash too: from one original hash the
service can name all three objects without re-encoding anything.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

MAX_KEY_LENGTH = 1024  # S3's own limit, in UTF-8 bytes

_SHA256_HEX = re.compile(r"[0-9a-f]{64}")
_KIND = re.compile(r"[a-z0-9][a-z0-9_-]{0,31}")
_EXT = re.compile(r"[a-z0-9]{1,8}")
# S3 bucket naming rules (the subset every provider accepts): lowercase, digits, dots, hyphens.
_BUCKET = re.compile(r"[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]")

PHOTO_PREFIX = "photos/"


def validate_key(key: str) -> str:
    """Reject keys that could escape a folder or that S3 and a filesystem would treat differently.

    Keys are relative, '/'-separated, with no empty, '.' or '..' segment; both stores apply
    the same rules so that code tested on one behaves the same on the other.
    """
    if not isinstance(key, str) or not key:
        raise ValueError("object key must be a non-empty string")
    if len(key.encode("utf-8")) > MAX_KEY_LENGTH:
        raise ValueError(f"object key longer than {MAX_KEY_LENGTH} bytes")
    if "\x00" in key or "\\" in key:
        raise ValueError(f"object key contains NUL or backslash: {key!r}")
    if key.startswith("/"):
        raise ValueError(f"object key must be relative: {key!r}")
    for segment in key.split("/"):
        if segment in ("", ".", ".."):
            raise ValueError(f"object key has an empty, '.' or '..' segment: {key!r}")
    return key


def validate_prefix(prefix: str) -> str:
    """A listing prefix follows the key rules, except that it may be empty or end with '/'."""
    if prefix == "":
        return prefix
    validate_key(prefix[:-1] if prefix.endswith("/") else prefix)
    return prefix


def validate_bucket(bucket: str) -> str:
    if not _BUCKET.fullmatch(bucket) or ".." in bucket:
        raise ValueError(f"invalid bucket name {bucket!r}: use 3-63 of a-z 0-9 . -")
    return bucket


def content_key(kind: str, sha256_hex: str, ext: str) -> str:
    """`photos/<kind>/<ab>/<cd>/<sha256>.<ext>`; the two fan-out levels keep folders small."""
    if not _KIND.fullmatch(kind):
        raise ValueError(f"invalid kind {kind!r}")
    digest = sha256_hex.lower()
    if not _SHA256_HEX.fullmatch(digest):
        raise ValueError(f"not a SHA-256 hex digest: {sha256_hex!r}")
    extension = ext.lower().removeprefix(".")
    if not _EXT.fullmatch(extension):
        raise ValueError(f"invalid extension {ext!r}")
    return f"{PHOTO_PREFIX}{kind}/{digest[:2]}/{digest[2:4]}/{digest}.{extension}"


@dataclass(frozen=True, slots=True)
class PhotoKeys:
    original: str
    large: str
    thumb: str


def photo_keys(sha256_hex: str, original_ext: str) -> PhotoKeys:
    """The three keys of one photo; derivatives are always JPEG."""
    return PhotoKeys(
        original=content_key("original", sha256_hex, original_ext),
        large=content_key("large", sha256_hex, "jpg"),
        thumb=content_key("thumb", sha256_hex, "jpg"),
    )
