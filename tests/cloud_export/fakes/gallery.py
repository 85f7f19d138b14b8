"""Fake gallery site: the archive listing, the photos' bytes and the done endpoint."""

from __future__ import annotations

import os
import re
import zlib
from typing import Any

from tests.cloud_export.fakes.server import FakeServer, Request, Response

ARCHIVE_PATH = "/g/api/stream/858329/f9d24b1d"


class FakeGallery:
    def __init__(self) -> None:
        self.server = FakeServer()
        self.photos: dict[int, dict[str, Any]] = {}
        self.data: dict[int, bytes] = {}
        # photo id -> how many more reads serve it with one byte changed (a CRC mismatch)
        self.corrupt: dict[int, int] = {}
        self.done_calls: list[dict[str, Any]] = []
        self.listing_queries: list[dict[str, str]] = []
        self.listing_as_object = False
        self.server.route("GET", re.escape(ARCHIVE_PATH), self._listing)
        self.server.route("GET", r"/photos/(?P<id>\d+)/(?P<name>[^/]+)", self._photo)
        self.server.route("POST", r"/cloud_archive/done", self._done)

    def start(self) -> FakeGallery:
        self.server.start()
        return self

    def add_photos(self, names: list[str], size: int = 20_000) -> dict[str, bytes]:
        """Photos with random bytes under the given names (``album/file.jpg``); their bytes by name."""
        out = {}
        for name in names:
            photo_id = 49851973 + len(self.photos)
            data = os.urandom(size)
            self.data[photo_id] = data
            self.photos[photo_id] = {
                "crc": f"{zlib.crc32(data):08x}",
                "filesize": len(data),
                "created_at": "2024-08-17 12:54:32 +0300",
                "name": name,
                "url": f"{self.server.url}/photos/{photo_id}/{name.rpartition('/')[2]}",
                "id": photo_id,
            }
            out[name] = data
        return out

    def archive_url(self) -> str:
        # The caller's archive host is never fetched: only its path is used, on GALLERY_API_BASE.
        return f"https://arch-d.lite.gallery{ARCHIVE_PATH}?mod=web"

    def _listing(self, request: Request, match: re.Match[str]) -> Response:
        self.listing_queries.append(request.query)
        if request.query != {"json": "true"}:
            return Response.json({"error": "json=true expected"}, 400)
        files = list(self.photos.values())
        return Response.json({"files": files} if self.listing_as_object else files)

    def _photo(self, request: Request, match: re.Match[str]) -> Response:
        photo_id = int(match["id"])
        data = self.data.get(photo_id)
        if data is None:
            return Response(404)
        with self.server.lock:
            corrupt = self.corrupt.get(photo_id, 0) > 0
            if corrupt:
                self.corrupt[photo_id] -= 1
        if corrupt:
            data = bytes([data[0] ^ 0xFF]) + data[1:]
        return Response(200, data, {"Content-Type": "image/jpeg"})

    def _done(self, request: Request, match: re.Match[str]) -> Response:
        self.done_calls.append(request.json())
        return Response.json({"ok": True})
