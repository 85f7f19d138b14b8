"""Helpers of the drive's tests: sizes and an upload through the test client."""

from __future__ import annotations

from typing import Any

from django.test import Client

MiB = 1048576


def upload(
    client: Client, name: str, data: bytes, upload_id: str = "6f1f3c2e-8a4b-4c59-9f0e-0d6a1c2b3e4f"
) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return client.post(
        "/files.upload",
        {"file": SimpleUploadedFile(name, data, content_type="application/octet-stream")},
        headers={"X-Upload-Id": upload_id},
    )
