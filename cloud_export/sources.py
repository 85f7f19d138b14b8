"""Where an export's bytes come from: the gallery site over HTTP, or the user's own stored files."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import requests
from django.conf import settings

from cloud_export.exceptions import ExportFailed
from cloud_export.retry import status_is_transient
from upload_center.errors import FileNotFound
from upload_center.storage import storage_read

CHUNK = 64 * 1024


def gallery_listing_url(archive_url: str) -> str:
    """The archive link's path on the gallery API (never the caller's host), with ``json=true``."""
    base = urlsplit(settings.GALLERY_API_BASE)
    path = base.path.rstrip("/") + urlsplit(archive_url).path
    return urlunsplit((base.scheme, base.netloc, path, "json=true", ""))


def gallery_listing_fetch(*, archive_url: str) -> list[dict[str, Any]]:
    url = gallery_listing_url(archive_url)
    timeout = settings.EXPORT_HTTP_TIMEOUT_SECONDS
    try:
        response = requests.get(url, timeout=(timeout, timeout))
    except requests.RequestException as e:
        raise ExportFailed(f"listing {url}: {type(e).__name__}: {e}") from e
    if not response.ok:
        raise ExportFailed(
            f"listing {url}: HTTP {response.status_code}", retry=status_is_transient(response.status_code)
        )
    try:
        data = response.json()
    except ValueError as e:
        raise ExportFailed(f"listing {url} is not JSON") from e
    files = data.get("files") if isinstance(data, dict) else data
    if not isinstance(files, list):
        raise ExportFailed(f"listing {url} holds no list of files", retry=False)
    return [entry for entry in files if isinstance(entry, dict) and entry.get("url") and entry.get("name")]


def gallery_photo_read(*, url: str, session: requests.Session) -> Iterator[bytes]:
    """The photo's bytes in chunks, as they arrive."""
    timeout = settings.EXPORT_HTTP_TIMEOUT_SECONDS
    try:
        response = session.get(url, stream=True, timeout=(timeout, timeout))
    except requests.RequestException as e:
        raise ExportFailed(f"photo {url}: {type(e).__name__}: {e}") from e
    with response:
        if not response.ok:
            status = response.status_code
            raise ExportFailed(f"photo {url}: HTTP {status}", retry=status_is_transient(status))
        try:
            yield from response.iter_content(CHUNK)
        except requests.RequestException as e:
            raise ExportFailed(f"photo {url}: {type(e).__name__}: {e}") from e


def stored_file_read(*, key: str) -> Iterator[bytes]:
    """A drive user's file from the storage (local disk or S3), in chunks."""
    try:
        return storage_read(key)
    except FileNotFound as e:
        raise ExportFailed(f"{key}: {e}", retry=False) from e
