"""Google Drive v3: folders, multipart and resumable uploads, files.get."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Mapping

import requests
from django.conf import settings

from cloud_export.clients.base import CloudClient, RemoteFile, SourceStream, StreamBody
from cloud_export.exceptions import ExportFailed
from cloud_export.retry import CHUNK_RESUMES, delay

FOLDER = "application/vnd.google-apps.folder"
FIELDS = "id,size,md5Checksum"
MULTIPART_LIMIT = 5 * 1024 * 1024
# Resumable chunks must be multiples of 256 KiB; 8 MiB keeps requests few and memory small.
RESUMABLE_CHUNK = 32 * 256 * 1024
RATE_LIMIT_REASONS = {"rateLimitExceeded", "userRateLimitExceeded"}
PERMANENT_REASONS = {"storageQuotaExceeded", "insufficientFilePermissions", "dailyLimitExceeded"}


def _quote(value: str) -> str:
    return value.replace("\\", "\\\\").replace("'", "\\'")


def _reasons(response: requests.Response) -> set[str]:
    try:
        errors = response.json().get("error", {}).get("errors", [])
        return {error.get("reason", "") for error in errors}
    except (ValueError, AttributeError):
        return set()


def _held(response: requests.Response) -> int:
    """The bytes an upload session holds, from a 308's ``Range: bytes=0-N`` (none: nothing yet)."""
    held = response.headers.get("Range", "")
    return int(held.rpartition("-")[2]) + 1 if held else 0


def _remote(data: dict[str, object]) -> RemoteFile:
    return RemoteFile(
        id=str(data["id"]), size=int(str(data.get("size", 0))), md5=str(data.get("md5Checksum", ""))
    )


class GoogleDriveClient(CloudClient):
    def _auth_header(self, token: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {token}"}

    def _is_permanent(self, response: requests.Response) -> bool:
        if response.status_code == 401:
            return True
        return response.status_code == 403 and bool(_reasons(response) & PERMANENT_REASONS)

    def _is_retryable(self, response: requests.Response) -> bool:
        return super()._is_retryable(response) or (
            response.status_code == 403 and bool(_reasons(response) & RATE_LIMIT_REASONS)
        )

    def _search(self, *, name: str, parent: str, folder: bool) -> list[dict[str, object]]:
        kind = f"mimeType = '{FOLDER}'" if folder else f"mimeType != '{FOLDER}'"
        query = f"name = '{_quote(name)}' and '{_quote(parent)}' in parents and {kind} and trashed = false"
        response = self._call(
            "GET",
            f"{settings.GOOGLE_DRIVE_API_BASE}/files",
            params={"q": query, "fields": f"files({FIELDS})", "spaces": "drive", "pageSize": 10},
        )
        return list(self._ok(response, f"search {name!r}").json().get("files", []))

    def make_folder(self, *, name: str, parent: str | None) -> str:
        parent = parent or "root"
        if found := self._search(name=name, parent=parent, folder=True):
            return str(found[0]["id"])
        response = self._call(
            "POST",
            f"{settings.GOOGLE_DRIVE_API_BASE}/files",
            params={"fields": "id"},
            json={"name": name, "mimeType": FOLDER, "parents": [parent]},
        )
        return str(self._ok(response, f"create folder {name!r}").json()["id"])

    def find(self, *, name: str, parent: str) -> RemoteFile | None:
        found = self._search(name=name, parent=parent, folder=False)
        return _remote(found[0]) if found else None

    def stat(self, *, file_id: str) -> RemoteFile | None:
        response = self._call(
            "GET", f"{settings.GOOGLE_DRIVE_API_BASE}/files/{file_id}", params={"fields": FIELDS}
        )
        if response.status_code == 404:
            return None
        return _remote(self._ok(response, f"get {file_id}").json())

    def delete(self, *, file_id: str) -> None:
        response = self._call("DELETE", f"{settings.GOOGLE_DRIVE_API_BASE}/files/{file_id}")
        self._ok(response, f"delete {file_id}", allow=(404,))

    def upload(self, *, name: str, parent: str, source: SourceStream) -> RemoteFile:
        metadata = {"name": name, "parents": [parent]}
        if source.size <= MULTIPART_LIMIT:
            return self._upload_multipart(metadata, source)
        return self._upload_resumable(metadata, source)

    def _upload_multipart(self, metadata: Mapping[str, object], source: SourceStream) -> RemoteFile:
        boundary = uuid.uuid4().hex
        head = (
            f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n{json.dumps(metadata)}\r\n"
            f"--{boundary}\r\nContent-Type: application/octet-stream\r\n\r\n"
        ).encode()
        tail = f"\r\n--{boundary}--\r\n".encode()

        def parts():  # type: ignore[no-untyped-def]
            yield head
            yield from source.pieces()
            yield tail

        response = self._call(
            "POST",
            f"{settings.GOOGLE_DRIVE_UPLOAD_BASE}/files",
            params={"uploadType": "multipart", "fields": FIELDS},
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
            data=StreamBody(parts(), len(head) + source.size + len(tail)),
            replayable=False,
        )
        return _remote(self._ok(response, f"upload {metadata['name']!r}").json())

    def _upload_resumable(self, metadata: Mapping[str, object], source: SourceStream) -> RemoteFile:
        response = self._call(
            "POST",
            f"{settings.GOOGLE_DRIVE_UPLOAD_BASE}/files",
            params={"uploadType": "resumable", "fields": FIELDS},
            headers={
                "X-Upload-Content-Length": str(source.size),
                "X-Upload-Content-Type": "application/octet-stream",
            },
            json=metadata,
        )
        session_url = self._ok(response, f"start upload {metadata['name']!r}").headers["Location"]
        what = f"upload {metadata['name']!r}"
        offset = 0
        for piece in source.pieces(RESUMABLE_CHUNK):
            done = self._chunk_send(session_url, piece, offset, source.size, what)
            if done is not None:
                return done
            offset += len(piece)
        raise ExportFailed(f"upload {metadata['name']!r}: the session ended without a file")

    def _chunk_send(
        self, session_url: str, piece: bytes, start: int, size: int, what: str
    ) -> RemoteFile | None:
        """Send the piece that begins at ``start``; the file once the session has it all, else None.

        A chunk that breaks off (dropped connection, timeout, 5xx) is resumed as Google documents
        (``cloud_export.retry``, layer 1): ask the session what it holds, send the rest, up to
        CHUNK_RESUMES times. A session that lost bytes before this piece fails the attempt.
        """
        offset, end = start, start + len(piece)
        for retry in range(CHUNK_RESUMES + 1):
            if retry:
                time.sleep(delay(retry))
                received = self._session_received(session_url, size, what)
                if isinstance(received, RemoteFile):
                    return received
                if not start <= received <= end:
                    raise ExportFailed(f"{what}: the session holds {received} bytes, not {start} to {end}")
                if received == end:
                    return None  # the piece arrived; only the answer was lost
                offset = received
            try:
                response = self._call(
                    "PUT",
                    session_url,
                    headers={"Content-Range": f"bytes {offset}-{end - 1}/{size}"},
                    data=piece[offset - start :],
                )
            except ExportFailed:
                continue  # broke off: ask what arrived
            if response.status_code == 308 and end < size and _held(response) == end:
                return None
            if response.status_code == 308:
                continue  # the session kept fewer bytes than were sent: ask, and send the rest
            if response.ok and end == size:
                return _remote(response.json())
            if not self._is_retryable(response):
                self._ok(response, f"{what} at {offset}")
                raise ExportFailed(f"{what}: unexpected HTTP {response.status_code} at {offset}")
        raise ExportFailed(f"{what}: the chunk at {start} failed {CHUNK_RESUMES + 1} times")

    def _session_received(self, session_url: str, size: int, what: str) -> int | RemoteFile:
        """How many bytes the upload session holds (or the file, when it has them all)."""
        response = self._call("PUT", session_url, headers={"Content-Range": f"bytes */{size}"})
        if response.status_code == 308:
            return _held(response)
        if response.ok:
            return _remote(response.json())
        # 404 or 410: the session is gone; the photo's next attempt starts a new one.
        self._ok(response, f"{what}: session status")
        raise ExportFailed(f"{what}: session status HTTP {response.status_code}")
