"""Fake Google: OAuth and the Drive v3 subset the exporter uses."""

from __future__ import annotations

import hashlib
import json
import re
import uuid
from collections import Counter
from dataclasses import dataclass
from typing import Any

from tests.cloud_export.fakes.server import FakeOAuth, FakeServer, Request, Response

FOLDER = "application/vnd.google-apps.folder"


@dataclass
class DriveFile:
    id: str
    name: str
    mime_type: str
    parent: str
    data: bytes = b""

    def resource(self) -> dict[str, Any]:
        out = {"id": self.id, "name": self.name, "mimeType": self.mime_type, "parents": [self.parent]}
        if self.mime_type != FOLDER:
            out |= {"size": str(len(self.data)), "md5Checksum": hashlib.md5(self.data).hexdigest()}
        return out


def _unquote(value: str) -> str:
    return re.sub(r"\\(.)", r"\1", value)


class FakeGoogle:
    def __init__(self) -> None:
        self.server = FakeServer()
        self.oauth = FakeOAuth(
            self.server, client_id="google-client", client_secret="google-secret", prefix="/oauth"
        )
        self.files: dict[str, DriveFile] = {}
        self.uploads: Counter[tuple[str, str]] = Counter()  # (parent id, name) -> completed uploads
        self.folders_made: Counter[tuple[str, str]] = Counter()
        self.sessions: dict[str, dict[str, Any]] = {}
        self.resumable_chunks: list[int] = []
        self.status_queries = 0
        # The next ``short_stores`` files are kept one byte short (a copy the cloud got wrong).
        self.short_stores = 0
        r = self.server.route
        r("GET", r"/drive/v3/files", self._list)
        r("POST", r"/drive/v3/files", self._create)
        r("GET", r"/drive/v3/files/(?P<id>[^/]+)", self._get)
        r("DELETE", r"/drive/v3/files/(?P<id>[^/]+)", self._delete)
        r("POST", r"/upload/drive/v3/files", self._upload)
        r("PUT", r"/upload/drive/v3/files", self._upload_chunk)

    def start(self) -> FakeGoogle:
        self.server.start()
        return self

    def settings(self) -> dict[str, str]:
        url = self.server.url
        return {
            "GOOGLE_OAUTH_CLIENT_ID": "google-client",
            "GOOGLE_OAUTH_CLIENT_SECRET": "google-secret",
            "GOOGLE_OAUTH_AUTHORIZE_URL": f"{url}/oauth/authorize",
            "GOOGLE_OAUTH_TOKEN_URL": f"{url}/oauth/token",
            "GOOGLE_OAUTH_USERINFO_URL": f"{url}/oauth/userinfo",
            "GOOGLE_DRIVE_API_BASE": f"{url}/drive/v3",
            "GOOGLE_DRIVE_UPLOAD_BASE": f"{url}/upload/drive/v3",
        }

    # --- what the tests look at -----------------------------------------------------------

    def tree(self) -> dict[str, bytes]:
        """Every file by its folder path from My Drive, e.g. ``Wedding/Photos 1/a.jpg``."""

        def path(file: DriveFile) -> str:
            parts = [file.name]
            parent = file.parent
            while parent != "root":
                folder = self.files[parent]
                parts.append(folder.name)
                parent = folder.parent
            return "/".join(reversed(parts))

        return {path(f): f.data for f in self.files.values() if f.mime_type != FOLDER}

    def new_id(self) -> str:
        return uuid.uuid4().hex[:16]

    # --- Drive v3 -------------------------------------------------------------------------

    def _denied(self, request: Request) -> Response | None:
        if not self.oauth.authorized(request):
            return Response.json({"error": {"code": 401, "message": "Invalid Credentials"}}, 401)
        return None

    def _list(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        q = request.query.get("q", "")
        name = re.search(r"name = '((?:[^'\\]|\\.)*)'", q)
        parent = re.search(r"'((?:[^'\\]|\\.)*)' in parents", q)
        folder = re.search(r"mimeType (!?=) '([^']*)'", q)
        with self.server.lock:
            found = [
                f.resource()
                for f in self.files.values()
                if (not name or f.name == _unquote(name.group(1)))
                and (not parent or f.parent == _unquote(parent.group(1)))
                and (not folder or (f.mime_type == folder.group(2)) == (folder.group(1) == "="))
            ]
        return Response.json({"files": found})

    def _create(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        meta = request.json()
        parent = (meta.get("parents") or ["root"])[0]
        with self.server.lock:
            if parent != "root" and parent not in self.files:
                return Response.json({"error": {"code": 404, "message": "parent not found"}}, 404)
            file = DriveFile(
                self.new_id(), meta["name"], meta.get("mimeType", "application/octet-stream"), parent
            )
            self.files[file.id] = file
            if file.mime_type == FOLDER:
                self.folders_made[(parent, file.name)] += 1
        return Response.json({"id": file.id})

    def _get(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        file = self.files.get(match["id"])
        if file is None:
            return Response.json({"error": {"code": 404, "message": "File not found"}}, 404)
        return Response.json(file.resource())

    def _delete(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        with self.server.lock:
            self.files.pop(match["id"], None)
        return Response(204)

    def _store(self, meta: dict[str, Any], data: bytes) -> Response:
        parent = (meta.get("parents") or ["root"])[0]
        with self.server.lock:
            if parent != "root" and parent not in self.files:
                return Response.json({"error": {"code": 404, "message": "parent not found"}}, 404)
            if self.short_stores > 0:
                self.short_stores -= 1
                data = data[:-1]
            file = DriveFile(self.new_id(), meta["name"], "application/octet-stream", parent, data)
            self.files[file.id] = file
            self.uploads[(parent, file.name)] += 1
        return Response.json(file.resource())

    def _upload(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        kind = request.query.get("uploadType")
        if kind == "multipart":
            boundary = re.search(r"boundary=([^;]+)", request.headers.get("content-type", ""))
            assert boundary, "multipart upload without a boundary"
            delimiter = b"--" + boundary.group(1).encode()
            parts = request.body.split(delimiter)
            assert parts[-1].strip() == b"--", "multipart body does not end with the closing boundary"
            meta_part, media_part = parts[1], parts[2]
            meta = json.loads(meta_part.split(b"\r\n\r\n", 1)[1].rstrip(b"\r\n"))
            media = media_part.split(b"\r\n\r\n", 1)[1][: -len(b"\r\n")]
            return self._store(meta, media)
        if kind == "resumable":
            session = uuid.uuid4().hex
            total = int(request.headers["x-upload-content-length"])
            self.sessions[session] = {"meta": request.json(), "data": bytearray(), "total": total}
            location = f"{self.server.url}/upload/drive/v3/files?uploadType=resumable&upload_id={session}"
            return Response(200, b"", {"Location": location})
        return Response.json({"error": {"code": 400, "message": "bad uploadType"}}, 400)

    def _upload_chunk(self, request: Request, match: re.Match[str]) -> Response:
        session = self.sessions.get(request.query.get("upload_id", ""))
        if session is None:
            return Response.json({"error": {"code": 404, "message": "no such session"}}, 404)
        if status := re.fullmatch(r"bytes \*/(\d+)", request.headers["content-range"]):
            # A status query: how much of the upload the session holds.
            self.status_queries += 1
            held = len(session["data"])
            if held == int(status.group(1)) and "file" in session:
                return Response.json(session["file"])
            return Response(308, b"", {"Range": f"bytes=0-{held - 1}"} if held else {})
        start, end, total = map(
            int, re.fullmatch(r"bytes (\d+)-(\d+)/(\d+)", request.headers["content-range"]).groups()
        )
        if start != len(session["data"]) or end - start + 1 != len(request.body) or total != session["total"]:
            return Response.json({"error": {"code": 400, "message": "bad Content-Range"}}, 400)
        if end + 1 < total and len(request.body) % (256 * 1024):
            return Response.json({"error": {"code": 400, "message": "chunk not a multiple of 256 KiB"}}, 400)
        self.resumable_chunks.append(len(request.body))
        session["data"] += request.body
        if end + 1 < total:
            return Response(308, b"", {"Range": f"bytes=0-{end}"})
        response = self._store(session["meta"], bytes(session["data"]))
        if response.status == 200:
            session["file"] = json.loads(response.body)
        return response
