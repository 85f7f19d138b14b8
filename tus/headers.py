"""Parsing of tus request headers (Upload-Metadata, Upload-Checksum, sizes)."""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
from dataclasses import dataclass, field
from typing import Any

from config.text import text_storable
from tus.errors import BadRequest, ChecksumMismatch

VERSION = "1.0.0"
EXTENSIONS = "creation,creation-with-upload,termination,expiration,checksum"
CHECKSUM_ALGORITHMS = {"sha1": hashlib.sha1, "md5": hashlib.md5, "sha256": hashlib.sha256}
OFFSET_STREAM = "application/offset+octet-stream"
# What a client behind a proxy that passes only GET and POST sends as a POST (tus 1.0.0:
# X-HTTP-Method-Override "MUST be interpreted as the request's method").
OVERRIDE_HEADER = "X-HTTP-Method-Override"
OVERRIDABLE = ("HEAD", "PATCH", "DELETE", "POST", "OPTIONS")


def size_parse(value: str | None, *, name: str) -> int:
    """A non-negative decimal header (tus forbids signs and other notations)."""
    if value is None:
        raise BadRequest(f"The {name} header is required.")
    if not value.isascii() or not value.isdigit() or len(value) > 19:
        raise BadRequest(f"The {name} header must be a non-negative integer.")
    return int(value)


def method_override(value: str | None, *, sent_as: str) -> str | None:
    """The method an X-HTTP-Method-Override header asks for (None without one).

    Taken on a POST only: auth and the CSRF check ran for that POST, the strictest of
    methods, so no override gets past a check its own method would have had."""
    if value is None:
        return None
    method = value.strip().upper()
    if sent_as != "POST":
        raise BadRequest(f"{OVERRIDE_HEADER} is taken on a POST only, not on a {sent_as}.")
    if method not in OVERRIDABLE:
        raise BadRequest(f"{OVERRIDE_HEADER} must be one of {', '.join(OVERRIDABLE)}.")
    return method


def metadata_parse(value: str | None) -> dict[str, str]:
    """``key base64,key2 base64,key3`` -> {key: decoded UTF-8 text}; a key may have no value."""
    metadata: dict[str, str] = {}
    for pair in (value or "").split(","):
        if not pair.strip():
            continue
        key, _, encoded = pair.strip().partition(" ")
        try:
            metadata[key] = base64.b64decode(encoded.strip(), validate=True).decode()
        except (binascii.Error, UnicodeDecodeError) as e:
            raise BadRequest(f"Upload-Metadata: the value of {key} is not base64 of UTF-8 text.") from e
        if not text_storable(metadata[key]):  # a NUL byte (filetype is stored as sent)
            raise BadRequest(f"Upload-Metadata: the value of {key} holds a NUL byte.")
    return metadata


@dataclass
class Checksum:
    """The PATCH body's Upload-Checksum: fed every byte, checked at the end."""

    algorithm: str
    expected: bytes
    _digest: Any = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self._digest = CHECKSUM_ALGORITHMS[self.algorithm]()

    def update(self, data: bytes | memoryview) -> None:
        self._digest.update(data)

    def verify(self) -> None:
        if not hmac.compare_digest(self._digest.digest(), self.expected):
            raise ChecksumMismatch(f"The body does not match its {self.algorithm} Upload-Checksum.")


def checksum_parse(value: str | None) -> Checksum | None:
    if value is None:
        return None
    algorithm, _, encoded = value.strip().partition(" ")
    if algorithm not in CHECKSUM_ALGORITHMS:
        raise BadRequest(f"Upload-Checksum: {algorithm} is not one of {', '.join(CHECKSUM_ALGORITHMS)}.")
    try:
        expected = base64.b64decode(encoded.strip(), validate=True)
    except binascii.Error as e:
        raise BadRequest("Upload-Checksum: the digest is not base64.") from e
    return Checksum(algorithm, expected)
