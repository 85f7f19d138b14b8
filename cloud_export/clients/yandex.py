"""Yandex Disk REST API: folders, upload links, polled 202 uploads, GET /resources."""

from __future__ import annotations

import time

import requests
from django.conf import settings

from cloud_export.clients.base import CloudClient, RemoteFile, SourceStream, StreamBody
from cloud_export.exceptions import ExportFailed

ROOT = "disk:"
# How long a 202 (the Disk still processing an upload) is polled before the attempt counts as failed.
ACCEPTED_POLL_SECONDS = 60


def _join(parent: str | None, name: str) -> str:
    # "/" separates folders on the Disk, so a name must not bring its own.
    return f"{parent or ROOT}/{name.replace('/', '_')}"


class YandexDiskClient(CloudClient):
    def _auth_header(self, token: str) -> dict[str, str]:
        return {"Authorization": f"OAuth {token}"}

    def _is_permanent(self, response: requests.Response) -> bool:
        # 507: the Disk is full; 401 after a renewed token: access was revoked.
        return response.status_code in {401, 507}

    def make_folder(self, *, name: str, parent: str | None) -> str:
        path = _join(parent, name)
        response = self._call("PUT", f"{settings.YANDEX_DISK_API_BASE}/resources", params={"path": path})
        # 409: it is already there, which is what was asked for.
        self._ok(response, f"create folder {path!r}", allow=(409,))
        return path

    def stat(self, *, file_id: str) -> RemoteFile | None:
        response = self._call(
            "GET",
            f"{settings.YANDEX_DISK_API_BASE}/resources",
            params={"path": file_id, "fields": "path,size,md5,type"},
        )
        if response.status_code == 404:
            return None
        data = self._ok(response, f"get {file_id!r}").json()
        return RemoteFile(id=file_id, size=int(data.get("size", 0)), md5=str(data.get("md5", "")))

    def find(self, *, name: str, parent: str) -> RemoteFile | None:
        return self.stat(file_id=_join(parent, name))

    def delete(self, *, file_id: str) -> None:
        response = self._call(
            "DELETE",
            f"{settings.YANDEX_DISK_API_BASE}/resources",
            params={"path": file_id, "permanently": "true"},
        )
        self._ok(response, f"delete {file_id!r}", allow=(404,))

    def upload(self, *, name: str, parent: str, source: SourceStream) -> RemoteFile:
        path = _join(parent, name)
        response = self._call(
            "GET",
            f"{settings.YANDEX_DISK_API_BASE}/resources/upload",
            params={"path": path, "overwrite": "true"},
        )
        link = self._ok(response, f"upload link for {path!r}").json()
        response = self._call(
            link.get("method", "PUT"),
            link["href"],
            data=StreamBody(source.pieces(), source.size),
            auth=False,  # the link is signed; the token must not travel to the upload host
            replayable=False,
        )
        self._ok(response, f"upload {path!r}")
        if response.status_code == 202:
            return self._await(path, source.size)
        return RemoteFile(id=path, size=source.size)

    def _await(self, path: str, size: int) -> RemoteFile:
        deadline = time.monotonic() + ACCEPTED_POLL_SECONDS
        delay = 0.2
        while time.monotonic() < deadline:
            remote = self.stat(file_id=path)
            if remote is not None and remote.size == size:
                return remote
            time.sleep(delay)
            delay = min(delay * 2, 5)
        raise ExportFailed(f"the Disk accepted {path!r} but did not show it within {ACCEPTED_POLL_SECONDS} s")
