"""Cloud targets behind one interface: ``cloud_client(cloud_type=..., tokens=...)``."""

from __future__ import annotations

from cloud_export.clients.base import CloudClient, RemoteFile, SourceStream, TokenSource
from cloud_export.clients.google import GoogleDriveClient
from cloud_export.clients.yandex import YandexDiskClient
from cloud_export.models import CloudType

__all__ = ["CloudClient", "RemoteFile", "SourceStream", "TokenSource", "cloud_client"]


def cloud_client(*, cloud_type: str, tokens: TokenSource) -> CloudClient:
    cls = GoogleDriveClient if cloud_type == CloudType.GOOGLE_DRIVE else YandexDiskClient
    return cls(tokens=tokens)
