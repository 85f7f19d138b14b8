"""The one place that knows whether bytes live on local disk or in S3."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.files.storage import default_storage


def is_s3() -> bool:
    return bool(settings.S3_BUCKET)


def s3_client() -> Any:
    """The boto3 client of django-storages' S3 backend (same credentials and endpoint)."""
    return default_storage.connection.meta.client  # type: ignore[attr-defined]


def storage_prepare() -> None:
    """Create the upload folder, or the bucket when it is missing."""
    if not is_s3():
        settings.UPLOAD_ROOT.mkdir(parents=True, exist_ok=True)
        return
    client = s3_client()
    try:
        client.head_bucket(Bucket=settings.S3_BUCKET)
    except client.exceptions.ClientError as e:
        if e.response["Error"]["Code"] not in {"404", "NoSuchBucket"}:
            raise
        client.create_bucket(Bucket=settings.S3_BUCKET)
