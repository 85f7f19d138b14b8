"""What every cloud target offers, and the checked byte stream they upload."""

from __future__ import annotations

import hashlib
import zlib
from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any, Protocol

import requests
from django.conf import settings

from cloud_export.exceptions import ExportFailed
from cloud_export.retry import status_is_transient


class TokenSource(Protocol):
    def current(self) -> str: ...

    def renew(self, stale: str) -> str:
        """A fresh access token; ``stale`` is the one the cloud refused."""
        ...


@dataclass(frozen=True)
class RemoteFile:
    id: str
    size: int
    md5: str = ""


class SourceStream:
    """A photo's bytes, checked while they pass through.

    The piece that holds the last byte leaves only after the size and checksums are
    confirmed, so an upload of bytes that do not match the listing never completes:
    the request breaks off before its end and the cloud keeps nothing.
    """

    def __init__(self, chunks: Iterator[bytes], *, size: int, crc32: str = "", sha256: str = "") -> None:
        self._chunks = chunks
        self.size = size
        self._crc32_expected = crc32.lower().lstrip("0") or ("0" if crc32 else "")
        self._sha256_expected = sha256.lower()
        self._crc = 0
        self._md5 = hashlib.md5(usedforsecurity=False)
        self._sha256 = hashlib.sha256() if sha256 else None
        self._read = 0
        self.md5 = ""

    def _take(self, chunk: bytes) -> None:
        self._read += len(chunk)
        if self._read > self.size:
            raise ExportFailed(f"source sent more than the listed {self.size} bytes")
        self._crc = zlib.crc32(chunk, self._crc)
        self._md5.update(chunk)
        if self._sha256:
            self._sha256.update(chunk)

    def _finish(self) -> None:
        if self._read != self.size:
            raise ExportFailed(f"source sent {self._read} bytes, the listing says {self.size}")
        if self._crc32_expected and f"{self._crc:x}" != self._crc32_expected:
            raise ExportFailed(
                f"CRC-32 mismatch: got {self._crc:08x}, the listing says {self._crc32_expected}"
            )
        if self._sha256 and self._sha256.hexdigest() != self._sha256_expected:
            raise ExportFailed("SHA-256 of the stored file does not match the index")
        self.md5 = self._md5.hexdigest()

    def pieces(self, piece_size: int = 64 * 1024) -> Iterator[bytes]:
        """The bytes in pieces of ``piece_size`` (the last may be shorter).

        The checks run as soon as the last byte is read, before the piece holding it is
        yielded; memory holds about two pieces, whatever the photo's size.
        """
        buffer = bytearray()
        for chunk in self._chunks:
            self._take(chunk)
            buffer += chunk
            if self._read == self.size:
                self._finish()
            while len(buffer) >= piece_size:
                with memoryview(buffer) as view:
                    piece = bytes(view[:piece_size])
                del buffer[:piece_size]
                yield piece
        if not self.md5:
            self._finish()  # a source that ended short fails here, before its last bytes leave
        if buffer:
            yield bytes(buffer)


class StreamBody:
    """A request body of known length made of pieces, so requests sends Content-Length, not chunked."""

    def __init__(self, parts: Iterator[bytes], length: int) -> None:
        self._parts = parts
        self._length = length

    def __len__(self) -> int:
        return self._length

    def __iter__(self) -> Iterator[bytes]:
        return self._parts


class CloudClient(ABC):
    """One cloud account. ``parent`` is the cloud's id of a folder; ``None`` is the root."""

    def __init__(self, *, tokens: TokenSource) -> None:
        self.tokens = tokens
        self.session = requests.Session()
        self.timeout = (settings.EXPORT_HTTP_TIMEOUT_SECONDS, settings.EXPORT_HTTP_TIMEOUT_SECONDS)

    @abstractmethod
    def make_folder(self, *, name: str, parent: str | None) -> str:
        """The id of the folder ``name`` in ``parent``, found or else created."""

    @abstractmethod
    def find(self, *, name: str, parent: str) -> RemoteFile | None:
        """A file already in ``parent`` by that name (an upload whose answer was lost)."""

    @abstractmethod
    def upload(self, *, name: str, parent: str, source: SourceStream) -> RemoteFile:
        """Stream ``source`` into ``parent`` as ``name``."""

    @abstractmethod
    def stat(self, *, file_id: str) -> RemoteFile | None:
        """The file as the cloud has it now, or None when it is not there."""

    @abstractmethod
    def delete(self, *, file_id: str) -> None: ...

    def verify(self, *, file_id: str, size: int, md5: str = "") -> RemoteFile:
        """Ask the cloud for the file again; it counts only with the right size (and MD5 when known)."""
        remote = self.stat(file_id=file_id)
        if remote is None:
            raise ExportFailed(f"the cloud does not have {file_id} after the upload")
        if remote.size != size or (md5 and remote.md5 and remote.md5 != md5):
            # A wrong copy goes, so that the next attempt starts clean; a lost answer above keeps it.
            self.delete(file_id=file_id)
            raise ExportFailed(
                f"the cloud has {remote.size} bytes (md5 {remote.md5}), expected {size} ({md5})"
            )
        return remote

    # --- HTTP ---------------------------------------------------------------------

    @abstractmethod
    def _auth_header(self, token: str) -> dict[str, str]: ...

    def _is_permanent(self, response: requests.Response) -> bool:
        return False

    def _is_retryable(self, response: requests.Response) -> bool:
        return status_is_transient(response.status_code)

    def _call(
        self, method: str, url: str, *, replayable: bool = True, auth: bool = True, **kwargs: Any
    ) -> requests.Response:
        """One request; a refused token is renewed once (and the request repeated when it can be)."""
        token = self.tokens.current() if auth else ""
        headers = dict(kwargs.pop("headers", {}))
        for attempt in (1, 2):
            try:
                response = self.session.request(
                    method, url, headers={**headers, **(self._auth_header(token) if auth else {})},
                    timeout=self.timeout, **kwargs,
                )  # fmt: skip
            except requests.RequestException as e:
                raise ExportFailed(f"{method} {url}: {type(e).__name__}: {e}") from e
            if response.status_code == 401 and auth and attempt == 1:
                response.close()
                token = self.tokens.renew(token)
                if replayable:
                    continue
                raise ExportFailed(
                    f"{method} {url}: the access token expired during the request", token_renewed=True
                )
            return response
        raise AssertionError("unreachable")

    def _ok(
        self, response: requests.Response, what: str, *, allow: tuple[int, ...] = ()
    ) -> requests.Response:
        """The response when it succeeded, else the domain error that fits it."""
        if response.ok or response.status_code in allow:
            return response
        detail = f"{what}: HTTP {response.status_code} {response.text[:300]}"
        if self._is_permanent(response):
            raise ExportFailed(detail, permanent=True)
        raise ExportFailed(detail, retry=self._is_retryable(response))
