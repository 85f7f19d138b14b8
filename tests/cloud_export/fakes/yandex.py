"""Fake Yandex: OAuth and the Disk REST subset the exporter uses."""

from __future__ import annotations

import hashlib
import re
import threading
import uuid
from collections import Counter

from tests.cloud_export.fakes.server import FakeOAuth, FakeServer, Request, Response


class FakeYandex:
    def __init__(self) -> None:
        self.server = FakeServer()
        self.oauth = FakeOAuth(
            self.server, client_id="yandex-client", client_secret="yandex-secret", prefix="/oauth"
        )
        self.folders: set[str] = {"disk:"}
        self.files: dict[str, bytes] = {}
        self.uploads: Counter[str] = Counter()
        self.folders_made: Counter[str] = Counter()
        self.links: dict[str, str] = {}  # upload link id -> path
        self.disk_full = False
        self.accept_later = False  # answer uploads 202 and show the file a moment later
        # The next ``short_stores`` files are kept one byte short (a copy the Disk got wrong).
        self.short_stores = 0
        r = self.server.route
        r("PUT", r"/v1/disk/resources", self._mkdir)
        r("GET", r"/v1/disk/resources", self._stat)
        r("DELETE", r"/v1/disk/resources", self._delete)
        r("GET", r"/v1/disk/resources/upload", self._link)
        r("PUT", r"/upload-target/(?P<id>[^/]+)", self._put)

    def start(self) -> FakeYandex:
        self.server.start()
        return self

    def settings(self) -> dict[str, str]:
        url = self.server.url
        return {
            "YANDEX_OAUTH_CLIENT_ID": "yandex-client",
            "YANDEX_OAUTH_CLIENT_SECRET": "yandex-secret",
            "YANDEX_OAUTH_AUTHORIZE_URL": f"{url}/oauth/authorize",
            "YANDEX_OAUTH_TOKEN_URL": f"{url}/oauth/token",
            "YANDEX_OAUTH_USERINFO_URL": f"{url}/oauth/userinfo",
            "YANDEX_DISK_API_BASE": f"{url}/v1/disk",
        }

    def tree(self) -> dict[str, bytes]:
        return {path.removeprefix("disk:/"): data for path, data in self.files.items()}

    def _denied(self, request: Request) -> Response | None:
        scheme, _, _ = request.headers.get("authorization", "").partition(" ")
        if scheme != "OAuth" or not self.oauth.authorized(request):
            return Response.json({"error": "UnauthorizedError"}, 401)
        return None

    def _mkdir(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        path = request.query["path"]
        with self.server.lock:
            if path in self.folders or path in self.files:
                return Response.json({"error": "DiskPathPointsToExistentDirectoryError"}, 409)
            if path.rpartition("/")[0] not in self.folders:
                return Response.json({"error": "DiskPathDoesntExistsError"}, 409)
            self.folders.add(path)
            self.folders_made[path] += 1
        return Response.json({"href": f"{self.server.url}/v1/disk/resources?path={path}"}, 201)

    def _stat(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        path = request.query["path"]
        if path in self.folders:
            return Response.json({"path": path, "type": "dir"})
        if path not in self.files:
            return Response.json({"error": "DiskNotFoundError"}, 404)
        data = self.files[path]
        return Response.json(
            {"path": path, "type": "file", "size": len(data), "md5": hashlib.md5(data).hexdigest()}
        )

    def _delete(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        with self.server.lock:
            self.files.pop(request.query["path"], None)
        return Response(204)

    def _link(self, request: Request, match: re.Match[str]) -> Response:
        if denied := self._denied(request):
            return denied
        if self.disk_full:
            return Response.json({"error": "DiskOwnerStorageQuotaExhaustedError"}, 507)
        path = request.query["path"]
        if path.rpartition("/")[0] not in self.folders:
            return Response.json({"error": "DiskPathDoesntExistsError"}, 409)
        if path in self.files and request.query.get("overwrite") != "true":
            return Response.json({"error": "DiskResourceAlreadyExistsError"}, 409)
        link = uuid.uuid4().hex
        self.links[link] = path
        return Response.json(
            {"href": f"{self.server.url}/upload-target/{link}", "method": "PUT", "templated": False}
        )

    def _put(self, request: Request, match: re.Match[str]) -> Response:
        if "authorization" in request.headers:
            return Response.json({"error": "the upload host must not receive the OAuth token"}, 400)
        path = self.links.pop(match["id"], None)
        if path is None:
            return Response.json({"error": "link used or unknown"}, 404)

        def store() -> None:
            with self.server.lock:
                data = request.body
                if self.short_stores > 0:
                    self.short_stores -= 1
                    data = data[:-1]
                self.files[path] = data
                self.uploads[path] += 1

        if self.accept_later:
            threading.Timer(0.3, store).start()
            return Response(202)
        store()
        return Response(201)
