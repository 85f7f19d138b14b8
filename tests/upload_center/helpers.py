"""Multipart bodies built by hand, so tests can send any file name byte for byte."""

from __future__ import annotations

from typing import Any

from botocore.config import Config

BOUNDARY = "----uploadcenterboundary7MA4YWxkTrZu0gW"
CONTENT_TYPE = f"multipart/form-data; boundary={BOUNDARY}"


def multipart(files: list[tuple[str, bytes]], field: str = "file_field") -> bytes:
    body = b""
    for name, content in files:
        body += (
            (
                f"--{BOUNDARY}\r\n"
                f'Content-Disposition: form-data; name="{field}"; filename="{name}"\r\n'
                "Content-Type: application/octet-stream\r\n\r\n"
            ).encode()
            + content
            + b"\r\n"
        )
    return body + f"--{BOUNDARY}--\r\n".encode()


def unreachable_s3(options: dict[str, Any]) -> dict[str, Any]:
    """S3 storage options whose endpoint refuses connections, tried once (a bucket
    that is merely missing is created at the first store, CONTRACT section 5)."""
    return {
        **options,
        # Port 9 on loopback: nothing listens, so the connection is refused at once.
        "endpoint_url": "http://127.0.0.1:9",
        "client_config": Config(retries={"total_max_attempts": 1}, connect_timeout=2),
    }
